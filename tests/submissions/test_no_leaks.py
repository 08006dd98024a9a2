"""Nothing unreviewed reaches the public: not a title, a URL, a tag nor a count."""

import pytest
from taggit.models import Tag

from tests.factories import CategoryFactory, ResourceFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Unreviewed zebra circuits"
SECRET_URL = "https://unreviewed.example.net/zebra-circuits"
SECRET_TAG = "unreviewed-zebra-tag"
SECRET_CORRECTION = "Corrected title nobody approved"

# Every public page, with {slug} for the published resource, and a text that
# shows the page did list the catalog. New public pages belong here too.
PUBLIC_PAGES = [
    ("/", "A published work"),
    ("/resources/{slug}/", "A published work"),
    ("/resources/{slug}/cite.bib", "A published work"),
    ("/resources/", "A published work"),
    ("/resources/?q=published", "A published work"),
    ("/resources/?q=zebra", "zebra"),
    ("/resources/?tag=circuits", "A published work"),
    ("/tags/", "circuits"),
    ("/tags/circuits/", "A published work"),
    ("/categories/papers/", "A published work"),
    ("/groups/", "Groups"),
    ("/feeds/latest.rss", "A published work"),
    ("/feeds/latest.atom", "A published work"),
    ("/feeds/tags/circuits.rss", "A published work"),
    ("/feeds/categories/papers.atom", "A published work"),
    ("/sitemap.xml", "/resources/{slug}/"),
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


@pytest.mark.parametrize(("path", "marker"), PUBLIC_PAGES, ids=[p for p, _ in PUBLIC_PAGES])
def test_public_page_shows_nothing_unreviewed(
    client, catalog_with_unreviewed_proposals, path, marker
):
    published = catalog_with_unreviewed_proposals
    response = client.get(path.format(slug=published.slug))
    page = response.content.decode()
    assert response.status_code == 200
    assert marker.format(slug=published.slug) in page  # the page does show the catalog
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
    counts = {category.slug: category.resource_count for category in response.context["categories"]}
    assert counts["papers"] == 1


def test_search_finds_no_unreviewed_work(client, catalog_with_unreviewed_proposals):
    response = client.get("/resources/", {"q": "zebra"})
    assert response.context["page_obj"].paginator.count == 0


def test_tag_counts_ignore_proposals(client, catalog_with_unreviewed_proposals):
    response = client.get("/resources/")
    tags = {tag.name: tag.count for tag in response.context["tag_facets"]}
    assert tags == {"circuits": 1}


def test_proposed_tags_make_no_tag_before_approval(catalog_with_unreviewed_proposals):
    assert not Tag.objects.filter(name=SECRET_TAG).exists()
    assert list(Tag.objects.values_list("name", flat=True)) == ["circuits"]
