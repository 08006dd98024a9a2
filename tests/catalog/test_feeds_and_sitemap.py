import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from catalog.facets import published_tags
from catalog.models import Category, ResearchGroup, Resource
from catalog.services.starting_catalog import catalog_load
from tests.factories import CategoryFactory, ResourceFactory, store_authors

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def feed_shelf():
    papers = CategoryFactory(name="Papers", slug="papers")
    tools = CategoryFactory(name="Tools", slug="tools")
    ResourceFactory(title="Published paper", category=papers, tags=["circuits"])
    ResourceFactory(title="Published tool", category=tools, tags=["library"])
    ResourceFactory(title="Draft paper", category=papers, draft=True, tags=["circuits"])
    ResourceFactory(title="Archived tool", category=tools, archived=True, tags=["library"])


def rss_titles(client, url):
    root = ET.fromstring(client.get(url).content)
    assert root.tag == "rss"
    return [item.findtext("title") for item in root.iter("item")]


def atom_titles(client, url):
    root = ET.fromstring(client.get(url).content)
    assert root.tag == f"{ATOM}feed"
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def test_site_feeds_parse_and_list_only_published_resources(client, feed_shelf):
    assert sorted(rss_titles(client, "/feeds/latest.rss")) == ["Published paper", "Published tool"]
    assert sorted(atom_titles(client, "/feeds/latest.atom")) == [
        "Published paper",
        "Published tool",
    ]


def test_tag_and_category_feeds_narrow_the_list(client, feed_shelf):
    assert rss_titles(client, "/feeds/tags/circuits.rss") == ["Published paper"]
    assert atom_titles(client, "/feeds/tags/library.atom") == ["Published tool"]
    assert rss_titles(client, "/feeds/categories/tools.rss") == ["Published tool"]
    assert atom_titles(client, "/feeds/categories/papers.atom") == ["Published paper"]


def test_feed_of_unknown_tag_is_not_found(client):
    assert client.get("/feeds/tags/no-such-tag.rss").status_code == 404


def test_feed_of_tag_only_unpublished_resources_carry_is_not_found(client):
    ResourceFactory(title="Draft paper", draft=True, tags=["secret-draft-topic"])
    ResourceFactory(title="Archived tool", archived=True, tags=["retired-topic"])

    for url in ("/feeds/tags/secret-draft-topic.rss", "/feeds/tags/retired-topic.atom"):
        response = client.get(url)
        assert response.status_code == 404
        assert b"tagged" not in response.content


def test_feed_queries_do_not_grow_with_its_items(client, django_assert_max_num_queries):
    papers = CategoryFactory(name="Papers", slug="papers")
    for number in range(12):
        resource = ResourceFactory(title=f"Paper {number}", category=papers, tags=["circuits"])
        store_authors(resource, [f"Author {number}", "Second Author"])
    client.get("/feeds/tags/circuits.rss")  # the catalog version and the facets, cached
    # The catalog version, the items with their category, and their authors.
    with django_assert_max_num_queries(3):
        body = client.get("/feeds/tags/circuits.rss").content.decode()
    assert body.count("<item>") == 12 and "Author 11, Second Author" in body


def test_feed_items_carry_sanitised_descriptions(client):
    ResourceFactory(title="Hostile", description="<script>alert(1)</script> *fine*")
    body = client.get("/feeds/latest.rss").content.decode()
    assert "<script>" not in body and "&lt;em&gt;fine&lt;/em&gt;" in body


def test_sitemap_lists_every_public_page_and_nothing_else(client):
    catalog_load()
    draft = ResourceFactory(title="Draft", draft=True, tags=["draft-only"])
    archived = ResourceFactory(title="Archived", archived=True)

    root = ET.fromstring(client.get("/sitemap.xml").content)
    locations = {url.findtext(f"{SITEMAP}loc") for url in root.iter(f"{SITEMAP}url")}

    def absolute(path):
        return f"http://testserver{path}"

    expected = {absolute(path) for path in ["/", "/resources/", "/tags/", "/groups/"]}
    expected |= {absolute(resource.get_absolute_url()) for resource in Resource.objects.published()}
    expected |= {
        absolute(reverse("catalog:tag_detail", kwargs={"slug": tag.slug}))
        for tag in published_tags()
    }
    expected |= {
        absolute(reverse("catalog:category_detail", kwargs={"slug": category.slug}))
        for category in Category.objects.filter(resources__status="published").distinct()
    }
    expected |= {
        absolute(reverse("catalog:group_detail", kwargs={"slug": group.slug}))
        for group in ResearchGroup.objects.all()
    }
    assert locations == expected
    assert len(locations) > 153
    assert absolute(draft.get_absolute_url()) not in locations
    assert absolute(archived.get_absolute_url()) not in locations
    assert absolute("/tags/draft-only/") not in locations
    # The draft's and the archived work's own categories hold nothing published.
    assert absolute(f"/categories/{draft.category.slug}/") not in locations


FEEDS = [
    "/feeds/latest.rss",
    "/feeds/latest.atom",
    "/feeds/tags/circuits.rss",
    "/feeds/categories/papers.atom",
]


@pytest.mark.parametrize("reference", ["&#8;", "&#x8;", "&#xFFFE;", "&#xFFFF;", "&#0;", "&#12;"])
def test_feeds_stay_well_formed_with_a_reference_to_a_forbidden_character(client, reference):
    # Issue 9, finding 4: "&#8;" made every feed answer 500, "&#xFFFE;" made them ill-formed.
    papers = CategoryFactory(name="Papers", slug="papers")
    ResourceFactory(
        title="Quiet paper", description=f"Looks {reference} normal.", category=papers,
        tags=["circuits"],
    )  # fmt: skip

    for address in FEEDS:
        response = client.get(address)
        assert response.status_code == 200
        root = ET.fromstring(response.content)
        description = next(
            element.text
            for element in root.iter()
            if element.tag in ("description", f"{ATOM}summary") and "Looks" in (element.text or "")
        )
        assert "Looks  normal." in description


def test_feeds_drop_control_characters_stored_before_they_were_refused(client):
    papers = CategoryFactory(name="Papers", slug="papers")
    resource = ResourceFactory(category=papers, tags=["circuits"])
    # As old data could be: past the model's rules.
    Resource.objects.filter(pk=resource.pk).update(
        title="Back\x08space \ufffe paper", description="Bell\x07 and \x1b escape.",
    )  # fmt: skip
    store_authors(resource, ["Ada\x08Lovelace"])
    Category.objects.filter(pk=papers.pk).update(name="Pa\x08pers")

    for address in FEEDS:
        response = client.get(address)
        assert response.status_code == 200
        ET.fromstring(response.content)
    assert rss_titles(client, "/feeds/latest.rss") == ["Backspace  paper"]
