import copy
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.facets import catalog_facets
from catalog.models import ResearchGroup, Resource
from catalog.selectors import COMMON_TAG, tag_resources
from tests.factories import CategoryFactory, ResearchGroupFactory, ResourceFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/resources/"


def listed_titles(response):
    return [resource.title for resource in response.context["page_obj"].object_list]


@pytest.fixture
def shelf():
    """A small catalog with a draft and an archived resource that could leak into anything."""
    tools = CategoryFactory(name="Tools", slug="tools", order=1)
    papers = CategoryFactory(name="Papers", slug="papers", order=2)
    eleuther = ResearchGroupFactory(name="EleutherAI", slug="eleutherai")
    resources = {
        "lens": ResourceFactory(
            title="TransformerLens", category=tools, year=2022, tags=["library", "circuits"]
        ),
        "ioi": ResourceFactory(
            title="Interpretability in the Wild",
            category=papers,
            year=2022,
            tags=["circuits", "gpt-2"],
        ),
        "greater": ResourceFactory(
            title="How does GPT-2 compute greater-than?",
            category=papers,
            year=2023,
            tags=["circuits", "gpt-2", "attention-heads"],
        ),
        "pythia": ResourceFactory(
            title="Pythia", category=papers, year=2023, tags=["model-suite", "training-dynamics"]
        ),
        "old": ResourceFactory(title="Visualizing BERT", category=papers, year=2019, tags=["bert"]),
    }
    resources["pythia"].groups.add(eleuther)
    ResourceFactory(
        title="Unreviewed circuits draft",
        category=papers,
        year=2023,
        draft=True,
        tags=["circuits", "gpt-2", "draft-only-tag"],
    ).groups.add(eleuther)
    ResourceFactory(
        title="Archived circuits paper",
        category=tools,
        year=2023,
        archived=True,
        tags=["circuits", "gpt-2", "archived-only-tag"],
    )
    return resources


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag=circuits", {"lens", "ioi", "greater"}),
        ("tag=circuits&tag=gpt-2", {"ioi", "greater"}),
        ("tag=circuits&tag=gpt-2&tag=attention-heads", {"greater"}),
        ("tag=Circuits", {"lens", "ioi", "greater"}),
        ("category=tools", {"lens"}),
        ("group=eleutherai", {"pythia"}),
        ("year_min=2023", {"greater", "pythia"}),
        ("year_max=2019", {"old"}),
        ("year_min=2020&year_max=2022", {"lens", "ioi"}),
        ("category=papers&year_min=2022&year_max=2022", {"ioi"}),
        ("category=papers&tag=circuits&year_min=2023", {"greater"}),
        ("q=pythia", {"pythia"}),
        ("q=gpt&category=papers", {"ioi", "greater"}),
        ("", {"lens", "ioi", "greater", "pythia", "old"}),
    ],
)
def test_resource_list_filters_alone_and_combined(client, shelf, query, expected):
    response = client.get(f"{LIST_URL}?{query}")
    titles = set(listed_titles(response))
    assert titles == {shelf[name].title for name in expected}
    assert f"{len(expected)} resource" in response.content.decode()


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["greater", "ioi", "pythia", "lens", "old"]),
        ("year", ["greater", "pythia", "ioi", "lens", "old"]),
        ("added", ["old", "pythia", "greater", "ioi", "lens"]),
        ("newest", ["pythia", "greater", "ioi", "lens", "old"]),
    ],
)
def test_resource_list_sort_orders(client, shelf, sort, expected):
    response = client.get(LIST_URL, {"sort": sort})
    assert listed_titles(response) == [shelf[name].title for name in expected]


def test_resource_list_search_orders_by_relevance_by_default(client, shelf):
    ResourceFactory(
        title="Notes on many things",
        description="Mentions pythia once in passing.",
        category=shelf["pythia"].category,
    )
    response = client.get(LIST_URL, {"q": "pythia"})
    assert listed_titles(response)[0] == "Pythia"
    assert response.context["sort_order"] == "relevance"


def test_resource_list_pagination_keeps_every_filter(client):
    papers = CategoryFactory(slug="papers")
    for number in range(30):
        ResourceFactory(title=f"Circuit study {number:02}", category=papers, tags=["circuits"])
    ResourceFactory(title="Untagged", category=papers)

    first = client.get(LIST_URL, {"tag": "circuits", "category": "papers", "sort": "title"})
    page = first.content.decode()
    next_link = (
        re.search(r'href="([^"]*page=2[^"]*)" rel="next"', page).group(1).replace("&amp;", "&")
    )
    assert (
        "tag=circuits" in next_link and "category=papers" in next_link and "sort=title" in next_link
    )

    second = client.get(LIST_URL + next_link)
    assert listed_titles(second) == [f"Circuit study {number:02}" for number in range(24, 30)]
    assert "Page 2 of 2" in second.content.decode()


BAD_QUERIES = [
    "page=abc",
    "page=-1",
    "page=0",
    "page=99999999999999999999",
    "year_min=x",
    "year_min=99999999999999999999999",
    "year_max=1.5",
    "tag=nope",
    "tag=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "category=nope",
    "group=nope",
    "sort=zzz",
    "sort=relevance",
    "q=%00",
    "q=%ED%A0%80",
    "q=%FF%FE",
    "q=%22*(",
    "q=NEAR(a+b)",
    "q=AND+OR+NOT",
    "q=" + "a" * 500,
    "tag=" + "&tag=".join(f"t{number}" for number in range(40)),
    "category=%00&group=%FF",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_resource_list_bad_parameters_never_fail(client, shelf, query):
    response = client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    assert "resource" in response.context["page_obj"].paginator.object_list.model.__name__.lower()


def test_resource_list_explains_what_it_ignored(client, shelf):
    response = client.get(
        LIST_URL, {"year_min": "x", "tag": ["nope", "circuits"], "category": "nope", "page": "abc"}
    )
    page = response.content.decode()
    assert "“x” is not a year" in page
    assert "There is no category “nope”" in page
    assert "No resource has the tag “nope”" in page
    # The usable filter still applies.
    assert set(listed_titles(response)) == {
        shelf["lens"].title,
        shelf["ioi"].title,
        shelf["greater"].title,
    }


@pytest.mark.parametrize(
    ("page", "notice"),
    [
        ("abc", "There is no page “abc”, so the only page is shown."),
        ("0", "There is no page “0”, so the only page is shown."),
        ("99", "There is no page “99”, so the only page is shown."),
    ],
)
def test_resource_list_says_when_a_page_number_cannot_be_used(client, shelf, page, notice):
    response = client.get(LIST_URL, {"page": page})
    assert notice in response.content.decode()
    assert client.get(LIST_URL, {"page": "1"}).context["notices"] == []


def test_resource_list_says_when_the_years_are_reversed(client, shelf):
    response = client.get(LIST_URL, {"year_min": "2023", "year_max": "2019"})
    assert "comes after the “to” year 2019" in response.content.decode()


def test_resource_list_shows_chips_that_remove_their_filter(client, shelf):
    response = client.get(LIST_URL, {"tag": ["circuits", "gpt-2"], "year_min": "2023"})
    chips = dict(response.context["chips"])
    assert set(chips) == {"Tag: circuits", "Tag: gpt-2", "From 2023"}
    without_gpt2 = client.get(chips["Tag: gpt-2"])
    assert set(listed_titles(without_gpt2)) == {shelf["greater"].title}
    assert dict(without_gpt2.context["chips"]).keys() == {"Tag: circuits", "From 2023"}


def test_resource_list_empty_state_offers_a_way_back(client, shelf):
    response = client.get(LIST_URL, {"tag": "bert", "category": "tools"})
    page = response.content.decode()
    assert "0 resources" in page
    assert "Nothing matches these filters" in page


def test_resource_list_htmx_request_gets_only_the_results(client, shelf):
    response = client.get(
        LIST_URL, {"tag": "gpt-2"}, headers={"HX-Request": "true", "HX-Trigger": "filters"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="results"')
    assert "<html" not in page and 'id="filters"' not in page
    assert "HX-Request" in response["Vary"]


def test_resource_list_htmx_link_also_refreshes_the_filter_form(client, shelf):
    response = client.get(LIST_URL, {"tag": "gpt-2"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert 'id="filters"' in page and 'hx-swap-oob="true"' in page
    assert 'value="gpt-2" checked' in page


def test_resource_list_history_restore_gets_the_whole_page(client, shelf):
    response = client.get(
        LIST_URL,
        {"tag": "gpt-2"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_resource_list_queries_do_not_grow_with_page_size_or_tags(client):
    category = CategoryFactory()
    group = ResearchGroup.objects.create(name="Lab", slug="lab")
    ResourceFactory(category=category, tags=["circuits"]).groups.add(group)
    few = query_count(client, LIST_URL)
    for number in range(30):
        ResourceFactory(category=category, tags=["circuits", f"extra-{number}", "gpt-2", "probing"])
    many = query_count(client, LIST_URL)
    filtered = query_count(client, f"{LIST_URL}?tag=circuits&tag=gpt-2&q=study&year_min=2000")
    assert few == many
    assert filtered <= many + 1


def test_resource_list_query_count_is_pinned(client, shelf, django_assert_num_queries):
    # Cold: the three facet lists (tags in two: their counts, then the tags) and the
    # synonyms, the four facet counts under these filters (which give the number of
    # results too: no COUNT), the page, its tags and authors (the catalog version is this
    # process's copy, here the test transaction's own).
    with django_assert_num_queries(12):
        client.get(LIST_URL, {"tag": ["circuits", "gpt-2"], "category": "papers"})
    # With the facet lists (and synonyms) cached: the query's words in the vocabulary,
    # the facet counts of these new filters, the ranked results, the page read by their
    # ids, tags, authors.
    with django_assert_num_queries(9):
        client.get(LIST_URL, {"tag": "circuits", "category": "tools", "q": "transformerlens"})
    # The same filters on another address (not a page-cache hit): their facet counts,
    # ranking and rendered items are cached too, leaving vocabulary and page.
    with django_assert_num_queries(2):
        client.get(
            LIST_URL, {"tag": "circuits", "category": "tools", "q": "transformerlens", "page": 1}
        )


def test_resource_detail_shows_related_resources_by_shared_tags(client, shelf):
    response = client.get(shelf["ioi"].get_absolute_url())
    related = [resource.title for resource in response.context["related"]]
    assert related[0] == shelf["greater"].title  # shares two tags
    assert shelf["lens"].title in related  # shares one
    assert "Unreviewed circuits draft" not in related
    assert "Archived circuits paper" not in related


def test_resource_detail_of_a_paper_offers_bibtex(client):
    paper = ResourceFactory(
        title="Sparse Autoencoders Find Highly Interpretable Features in Language Models",
        url="https://arxiv.org/abs/2309.08600",
        authors="Hoagy Cunningham, Aidan Ewart, Logan Riggs, Robert Huben, Lee Sharkey",
        year=2023,
        category=CategoryFactory(slug="papers", name="Papers"),
    )
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "@misc{cunningham2023sparse," in page
    assert "eprint = {2309.08600}" in page

    download = client.get(reverse("catalog:resource_bibtex", kwargs={"slug": paper.slug}))
    assert download["Content-Type"].startswith("application/x-bibtex")
    assert download.content.decode().startswith("@misc{cunningham2023sparse,")


def test_resource_detail_of_a_tool_has_no_citation(client, shelf):
    page = client.get(shelf["lens"].get_absolute_url()).content.decode()
    assert "@misc{" not in page
    response = client.get(reverse("catalog:resource_bibtex", kwargs={"slug": shelf["lens"].slug}))
    assert response.status_code == 404


def test_tag_page_lists_published_resources_with_the_tag(client, shelf):
    response = client.get(reverse("catalog:tag_detail", kwargs={"slug": "gpt-2"}))
    page = response.content.decode()
    assert shelf["ioi"].title in page and shelf["greater"].title in page
    assert "draft" not in page.lower()
    assert "Archived circuits paper" not in page
    assert response.context["tag"].resource_count == 2
    assert 'href="/feeds/tags/gpt-2.rss"' in page


def test_tag_page_lists_the_same_works_for_a_common_tag_and_a_rare_one(shelf):
    """A common tag's works are read in title order, a rare one's through the tag: same list."""
    tag = copy.copy(catalog_facets().tags_by_slug["circuits"])
    as_rare = [resource.title for resource in tag_resources(tag)[0:24]]
    tag.resource_count = COMMON_TAG + 1
    as_common = [resource.title for resource in tag_resources(tag)[0:24]]
    expected = sorted(shelf[name].title for name in ("lens", "ioi", "greater"))
    assert as_rare == as_common == expected


def test_tag_index_counts_only_published_resources(client, shelf):
    response = client.get(reverse("catalog:tag_index"))
    counts = {tag.slug: tag.resource_count for tag in response.context["tags"]}
    assert counts["circuits"] == 3
    assert counts["gpt-2"] == 2
    assert "draft-only-tag" not in counts and "archived-only-tag" not in counts
    assert "draft-only-tag" not in response.content.decode()


@pytest.mark.parametrize("slug", ["draft-only-tag", "archived-only-tag", "no-such-tag"])
def test_tag_page_of_a_tag_without_published_resources_is_not_found(client, shelf, slug):
    assert client.get(reverse("catalog:tag_detail", kwargs={"slug": slug})).status_code == 404


def test_category_page_lists_its_published_resources(client, shelf):
    response = client.get(reverse("catalog:category_detail", kwargs={"slug": "tools"}))
    page = response.content.decode()
    assert shelf["lens"].title in page
    assert "Archived circuits paper" not in page
    assert response.context["category"].resource_count == 1
    assert 'href="/feeds/categories/tools.atom"' in page


def test_group_pages_list_published_resources_and_counts(client, shelf):
    index = client.get(reverse("catalog:group_index"))
    assert [(group.name, group.resource_count) for group in index.context["groups"]] == [
        ("EleutherAI", 1)
    ]
    detail = client.get(reverse("catalog:group_detail", kwargs={"slug": "eleutherai"}))
    page = detail.content.decode()
    assert "Pythia" in page and "Unreviewed circuits draft" not in page


def test_home_shows_featured_recent_tags_groups_and_a_search_box(client, shelf):
    Resource.objects.filter(pk=shelf["lens"].pk).update(featured=True)
    response = client.get("/")
    page = response.content.decode()
    assert [resource.title for resource in response.context["featured"]] == ["TransformerLens"]
    assert response.context["recent"][0].title == "Visualizing BERT"
    assert response.context["top_tags"][0].slug == "circuits"
    assert 'name="q"' in page and 'href="/groups/eleutherai/"' in page
    assert "Unreviewed circuits draft" not in page and "draft-only-tag" not in page


def test_pages_announce_feeds_and_carry_social_metadata(client, shelf):
    page = client.get(shelf["ioi"].get_absolute_url()).content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in page
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert '<meta property="og:title" content="Interpretability in the Wild">' in page
    assert (
        f'<link rel="canonical" href="http://testserver{shelf["ioi"].get_absolute_url()}">' in page
    )
    assert "<title>Interpretability in the Wild · " in page


def test_not_found_page_is_styled(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"There is no page at this address" in response.content
    assert b"/static/css/site." in response.content


def test_server_error_page_is_styled(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"/static/css/site." in response.content


def test_robots_txt_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()
