"""Nothing unreviewed reaches the public: not a title, a URL, a tag nor a count."""

import pytest
from taggit.models import Tag

from tests.factories import CategoryFactory, ResourceFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Unreviewed zebra circuits"
SECRET_URL = "https://unreviewed.example.net/zebra-circuits"
SECRET_TAG = "unreviewed-zebra-tag"
SECRET_CORRECTION = "Corrected title nobody approved"

# Every public page, with {slug} for the published resource. Pages added to the
# site (lists, search, feeds, sitemap) belong here too.
PUBLIC_PAGES = [
    "/",
    "/resources/{slug}/",
]


@pytest.fixture
def catalog_with_unreviewed_proposals():
    papers = CategoryFactory(name="Papers", slug="papers")
    published = ResourceFactory(title="A published work", category=papers, tags=["circuits"])
    submitter = UserFactory()
    for trait in ("pending", "changes_requested", "rejected", "withdrawn"):
        SubmissionFactory(
            submitter=submitter,
            title=f"{SECRET_TITLE} ({trait})",
            url=f"{SECRET_URL}/{trait}",
            tags=f"{SECRET_TAG}, circuits",
            category=papers,
            **({} if trait == "pending" else {trait: True}),
        )
    SubmissionFactory(correction=True, resource=published, title=SECRET_CORRECTION, tags=SECRET_TAG)
    SubmissionFactory(broken_link=True, resource=published, note=SECRET_URL)
    return published


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_shows_nothing_unreviewed(client, catalog_with_unreviewed_proposals, path):
    published = catalog_with_unreviewed_proposals
    response = client.get(path.format(slug=published.slug))
    page = response.content.decode()
    assert response.status_code == 200
    assert "A published work" in page  # the page does show the catalog
    for secret in (
        SECRET_TITLE,
        SECRET_URL,
        "unreviewed.example.net",
        SECRET_TAG,
        SECRET_CORRECTION,
    ):
        assert secret not in page


def test_home_counts_only_published_resources(client, catalog_with_unreviewed_proposals):
    response = client.get("/")
    assert response.context["resource_count"] == 1
    counts = {
        category.slug: category.resource_count for category in response.context["categories"]
    }
    assert counts["papers"] == 1


def test_proposed_tags_make_no_tag_before_approval(catalog_with_unreviewed_proposals):
    assert not Tag.objects.filter(name=SECRET_TAG).exists()
    assert list(Tag.objects.values_list("name", flat=True)) == ["circuits"]
