from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from catalog.models import Resource, ResourceLink
from catalog.services.data_quality import data_quality_report
from tests.factories import CategoryFactory, ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers():
    return CategoryFactory(slug="papers", name="Papers")


def broken(resource, failures=3):
    Resource.objects.filter(pk=resource.pk).update(
        link_failures=failures,
        link_result="error",
        link_detail="HTTP 404",
        link_checked_at=timezone.now(),
    )
    resource.refresh_from_db()
    return resource


def test_report_finds_one_work_listed_twice_through_an_extra_link():
    arxiv = ResourceFactory(
        title="On arXiv", url="https://arxiv.org/abs/2312.03656", tags=["a", "b"]
    )
    openreview = ResourceFactory(
        title="On OpenReview", url="https://openreview.net/forum?id=v675", tags=["a", "b"]
    )
    ResourceLink.objects.create(
        resource=openreview, label="arXiv", url="https://arxiv.org/pdf/2312.03656v2.pdf"
    )

    report = data_quality_report()

    assert report.same_work == [("arxiv:2312.03656", [arxiv, openreview])]


def test_report_finds_near_identical_titles_but_not_merely_related_ones():
    first = ResourceFactory(title="Interpretability Illusions in the Generalization of Models")
    second = ResourceFactory(title="“Interpretability illusions in the generalisation of models”")
    ResourceFactory(title="Interpretability in the Wild")

    pairs = [(a, b) for a, b, _ in data_quality_report().similar_titles]

    assert pairs == [(second, first)] or pairs == [(first, second)]


def test_report_takes_numbered_parts_of_a_series_for_different_works():
    ResourceFactory(title="Gemma Scope")
    ResourceFactory(title="Gemma Scope 2")

    assert data_quality_report().similar_titles == []


def test_report_lists_resources_with_fewer_than_two_tags():
    bare = ResourceFactory(title="No tags")
    one = ResourceFactory(title="One tag", tags=["circuits"])
    ResourceFactory(title="Two tags", tags=["circuits", "probing"])

    assert data_quality_report().few_tags == [bare, one]


def test_report_lists_papers_without_year_or_authors_but_not_tools(papers):
    ResourceFactory(title="Tool without facts", year=None)
    no_year = ResourceFactory(title="A paper", category=papers, year=None, authors="A. Author")
    no_authors = ResourceFactory(title="B paper", category=papers, year=2023, authors="")
    ResourceFactory(title="C paper", category=papers, year=2023, authors="C. Author")

    assert data_quality_report().missing_bibliography == [
        (no_year, ["year"]),
        (no_authors, ["authors"]),
    ]


def test_report_lists_tags_used_once():
    lonely = ResourceFactory(tags=["circuits", "typo-tag"])
    ResourceFactory(tags=["circuits"])

    assert [(tag.name, resource) for tag, resource in data_quality_report().single_use_tags] == [
        ("typo-tag", lonely)
    ]


def test_report_lists_broken_links_and_ignores_archived_resources():
    dead = broken(ResourceFactory(title="Dead link"))
    broken(ResourceFactory(title="Failing twice"), failures=2)
    broken(ResourceFactory(title="Archived and dead", archived=True))

    assert data_quality_report().broken_links == [dead]


def test_data_quality_command_prints_every_section():
    broken(ResourceFactory(title="Dead link", tags=["lonely"]))
    out = StringIO()

    call_command("data_quality", stdout=out)

    output = out.getvalue()
    assert "Fewer than 2 tags: 1\n  Dead link (" in output
    assert "Tags used once: 1\n  lonely: Dead link" in output
    assert "Links broken: 1\n  Dead link" in output
    assert "HTTP 404" in output


def test_data_quality_admin_page_shows_the_report_to_staff(staff_client, papers):
    ResourceFactory(title="Paper without year", category=papers, year=None, authors="X")

    response = staff_client.get(reverse("admin_data_quality"))

    content = response.content.decode()
    assert "Papers and surveys without year or authors (1)" in content
    assert "Paper without year</a>: no year" in content


def test_data_quality_admin_page_is_linked_from_the_admin_index(staff_client):
    response = staff_client.get(reverse("admin:index"))

    assert reverse("admin_data_quality") in response.content.decode()
    assert "Curation tools" in response.content.decode()


def test_data_quality_admin_page_sends_visitors_to_the_login(client):
    response = client.get(reverse("admin_data_quality"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_resource_changelist_filters_by_link_health(staff_client):
    dead = broken(ResourceFactory(title="Dead link"))
    ResourceFactory(title="Fresh resource")
    url = reverse("admin:catalog_resource_changelist")

    broken_page = staff_client.get(url, {"link_health": "broken"}).content.decode()
    unchecked_page = staff_client.get(url, {"link_health": "unchecked"}).content.decode()

    assert dead.title in broken_page
    assert "Fresh resource" not in broken_page
    assert "Fresh resource" in unchecked_page
    assert "Dead link" not in unchecked_page
    assert "By link health" in broken_page
