import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Resource
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def failed(resource, times):
    Resource.objects.filter(pk=resource.pk).update(
        link_failures=times, link_result="timeout", link_checked_at=timezone.now()
    )


def test_resource_page_warns_of_a_broken_link_with_a_wayback_link(client):
    resource = ResourceFactory(url="https://example.org/gone?id=1&v=2")
    failed(resource, 3)

    content = client.get(resource.get_absolute_url()).content.decode()

    assert "This link may be broken" in content
    assert "failed the last 3 checks" in content
    assert 'href="https://web.archive.org/web/*/https://example.org/gone?id=1&amp;v=2"' in content


def test_resource_page_stays_quiet_before_the_third_failure(client):
    resource = ResourceFactory()
    failed(resource, 2)

    content = client.get(resource.get_absolute_url()).content.decode()

    assert "may be broken" not in content
    assert "web.archive.org" not in content


def test_resource_admin_shows_the_link_health_fields(staff_client):
    resource = ResourceFactory()
    failed(resource, 1)

    response = staff_client.get(reverse("admin:catalog_resource_change", args=[resource.pk]))

    content = response.content.decode()
    assert "Link health" in content
    assert "Consecutive link failures" in content
    assert "Timed out" in content
