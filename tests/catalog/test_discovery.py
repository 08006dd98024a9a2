"""
Finding a work as researchers look for it, against the starting catalog: search
over authors, venues, identifiers and synonyms with a trigram fallback; facet
counts that follow the filters; author pages; a home page of bounded size.
"""

import re
from itertools import combinations

import pytest
from django.http import QueryDict
from django.urls import reverse

from catalog.facets import catalog_facets
from catalog.models import Author, Resource, ResourceAuthor, SearchSynonym
from catalog.search import refresh_planner_statistics
from catalog.selectors import CountedResults, facet_counts, resource_query
from catalog.services.authors import authors_merge, resource_set_authors, split_author_names
from catalog.services.starting_catalog import catalog_load
from tests.factories import CategoryFactory, ResourceFactory

pytestmark = pytest.mark.django_db

SAE_PAPER = "Sparse Autoencoders Find Highly Interpretable Features in Language Models"
LIST_URL = "/resources/"


@pytest.fixture
def starting_catalog():
    catalog_load()
    refresh_planner_statistics()  # as load_catalog does: the planner sees 157 works, not 0


def query_for(**params) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        if isinstance(value, list):
            query.setlist(name, value)
        elif value is not None:
            query[name] = value
    return query


def searched(text) -> list[str]:
    """Titles in the order the list page, the API and the exports give them."""
    query = resource_query(query_for(q=text), facets=catalog_facets())
    return [resource.title for resource in query.resources]


# Search


@pytest.mark.parametrize("text", ["SAE", "sae", "sparse autoencoders", "Cunningham", "2309.08600"])
def test_search_puts_the_sae_paper_in_the_first_three(starting_catalog, text):
    assert SAE_PAPER in searched(text)[:3]


@pytest.mark.parametrize("text", ["transformer lens", "transformerlens", "TL"])
def test_search_finds_transformerlens_first(starting_catalog, text):
    assert searched(text)[0] == "TransformerLens"


def test_search_by_venue_finds_every_paper_of_that_venue(starting_catalog):
    iclr_2024 = set(Resource.objects.filter(venue="ICLR 2024").values_list("title", flat=True))
    assert len(iclr_2024) >= 6
    assert iclr_2024 <= set(searched("ICLR 2024"))


def test_search_by_author_finds_all_their_works(starting_catalog):
    works = {
        "Detecting Local Insights from Global Labels: Supervised & Zero-Shot Sequence Labeling "
        "via a Convolutional Decomposition",
        "Similarity-Distance-Magnitude Universal Verification",
    }
    credited = Resource.objects.published().filter(authors__name="Allen Schmaltz")
    assert set(credited.values_list("title", flat=True)) == works
    assert set(searched("Schmaltz")) == works


def test_search_finds_a_neel_nanda_work_by_first_and_last_name(starting_catalog):
    assert "TransformerLens" in searched("Neel Nanda")


def test_search_tolerates_a_one_letter_typo(starting_catalog):
    exact = searched("autoencoder")
    typo = searched("autoencoderz")
    # Every work the right spelling finds, the SAE paper among them, is still found.
    assert SAE_PAPER in typo
    assert set(exact) <= set(typo)


def test_search_ranks_exact_matches_above_similar_words():
    category = CategoryFactory()
    ResourceFactory(title="Autoencoders for everyone", category=category)
    ResourceFactory(title="Notes", description="About autoencoderz, the band.", category=category)
    assert searched("autoencoderz")[0] == "Notes"


def test_search_matches_a_word_split_in_two():
    ResourceFactory(title="Logit Lens", description="Reading the residual stream.")
    assert searched("logitlens") == ["Logit Lens"]


def test_search_finds_identifiers_and_link_labels():
    resource = ResourceFactory(
        title="A tool",
        url="https://github.com/acme/probekit",
        code_url="https://github.com/acme/probekit",
    )
    resource.links.create(label="Colab notebook", url="https://colab.research.google.com/x")
    assert searched("acme/probekit") == ["A tool"]
    assert searched("colab") == ["A tool"]


def test_search_synonyms_come_from_the_curators_table():
    ResourceFactory(title="Grokking, explained")
    assert searched("delayed generalisation") == []
    SearchSynonym.objects.create(terms="delayed generalisation, grokking")
    assert searched("delayed generalisation") == ["Grokking, explained"]


def test_seeded_synonyms_cover_the_common_abbreviations():
    terms = " | ".join(SearchSynonym.objects.values_list("terms", flat=True)).lower()
    for phrase in ("sae, sparse autoencoder", "transformerlens", "mech interp"):
        assert phrase in terms


def test_search_leaves_out_unpublished_works_found_by_author():
    ResourceFactory(title="Draft", draft=True, authors="Hoagy Cunningham")
    assert searched("Cunningham") == []


@pytest.mark.parametrize(
    "text", ["2309.08600", "arXiv:2309.08600", "https://arxiv.org/pdf/2309.08600v2.pdf"]
)
def test_search_for_an_identifier_of_a_listed_work_goes_to_it(client, starting_catalog, text):
    paper = Resource.objects.get(title=SAE_PAPER)
    response = client.get(LIST_URL, {"q": text})
    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url()


def test_live_search_for_an_identifier_asks_htmx_to_go_to_the_work(client, starting_catalog):
    paper = Resource.objects.get(title=SAE_PAPER)
    response = client.get(LIST_URL, {"q": "2309.08600"}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == paper.get_absolute_url()


def test_search_for_an_unlisted_identifier_lists_results(client, starting_catalog):
    response = client.get(LIST_URL, {"q": "2401.99999"})
    assert response.status_code == 200
    assert "0 resources" in response.content.decode()


# Facets


def test_facet_counts_equal_the_results_of_adding_each_option(starting_catalog):
    """Every reachable combination of a category (or none) and up to two tags."""
    resources = {
        resource.pk: (
            resource.category.slug,
            {tag.slug for tag in resource.tags.all()},
            {group.slug for group in resource.groups.all()},
            resource.year,
        )
        for resource in Resource.objects.published()
        .select_related("category")
        .prefetch_related("tags", "groups")
    }
    facets = catalog_facets()

    def results(category, tags):
        return [
            values
            for values in resources.values()
            if (category is None or values[0] == category) and set(tags) <= values[1]
        ]

    combinations_seen = 0
    for category in [None, *(category.slug for category in facets.categories)]:
        in_category = results(category, [])
        tags_here = sorted({tag for values in in_category for tag in values[1]})
        pairs = {pair for values in in_category for pair in combinations(sorted(values[1]), 2)}
        for tags in [[], *([tag] for tag in tags_here), *(list(pair) for pair in sorted(pairs))]:
            shown = facet_counts(
                resource_query(query_for(category=category, tag=tags), facets=facets)
            )
            combinations_seen += 1
            current = results(category, tags)
            for option in shown.tags:
                expected = sum(option.slug in values[1] for values in current)
                assert option.count == expected, (category, tags, option)
            for option in shown.categories:
                assert option.count == len(results(option.slug, tags)), (category, tags, option)
            for option in shown.groups:
                expected = sum(option.slug in values[2] for values in current)
                assert option.count == expected, (category, tags, option)
            for option in shown.years:
                expected = sum(str(values[3]) == option.slug for values in current)
                assert option.count == expected, (category, tags, option)
    assert combinations_seen > 100


def test_facet_counts_match_the_query_after_adding_an_option(starting_catalog):
    """The same, through the selectors for every option of a few combinations."""
    facets = catalog_facets()
    for params in (
        {"category": "papers"},
        {"category": "tools", "tag": ["library"]},
        {"tag": ["mechanistic-interpretability", "circuits"]},
        {"q": "attention", "category": "papers"},
    ):
        shown = facet_counts(resource_query(query_for(**params), facets=facets))
        for option in shown.tags:
            if option.selected:
                continue
            added = {**params, "tag": [*params.get("tag", []), option.slug]}
            count = resource_query(query_for(**added), facets=facets).resources.count()
            assert option.count == count, (params, option)
        for option in shown.categories:
            changed = {**params, "category": option.slug}
            count = resource_query(query_for(**changed), facets=facets).resources.count()
            assert option.count == count, (params, option)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"category": "papers"},
        {"tag": ["circuits"]},
        {"category": "tools", "tag": ["library"]},
        {"group": "eleutherai"},
        {"year_min": "2023"},
        {"year_min": "2024", "year_max": "2020"},
        {"q": "attention"},
        {"q": "attention", "category": "papers", "sort": "title"},
        {"q": "autoencoderz"},
        {"q": "zzzqqqxxx"},
    ],
)
def test_list_page_count_is_the_number_of_results(client, starting_catalog, params):
    """The count comes from the facet counts, never from a COUNT: it must still be exact."""
    Resource.objects.filter(pk=Resource.objects.published().order_by("pk")[0].pk).update(
        status=Resource.Status.DRAFT
    )  # one that could be counted by mistake
    response = client.get(LIST_URL, query_for(**params))
    expected = resource_query(query_for(**params), facets=catalog_facets()).resources
    assert not [notice for notice in response.context["notices"] if "ignored" in notice]
    assert "There is no" not in " ".join(response.context["notices"])
    page = response.context["page_obj"]
    assert page.paginator.count == expected.count()
    assert f"{expected.count()} resource" in response.content.decode()
    assert [resource.pk for resource in page] == [resource.pk for resource in expected[:24]]


def test_search_pages_follow_the_ranking_to_the_last_page(client, starting_catalog):
    text = "interpretability"
    expected = [
        resource.pk
        for resource in resource_query(query_for(q=text), facets=catalog_facets()).resources
    ]
    assert len(expected) > 48  # at least three pages
    shown, number = [], 1
    while True:
        response = client.get(LIST_URL, {"q": text, "page": number})
        page = response.context["page_obj"]
        shown += [resource.pk for resource in page]
        if not page.has_next():
            break
        number += 1
    assert shown == expected


def test_counted_results_past_the_kept_ranking_run_the_query(starting_catalog):
    query = resource_query(query_for(q="interpretability"), facets=catalog_facets())
    everything = list(query.resources.values_list("pk", flat=True))
    results = CountedResults(query.resources, len(everything), ranked_ids=everything[:30])
    assert [resource.pk for resource in results[0:24]] == everything[0:24]
    assert [resource.pk for resource in results[24:48]] == everything[24:48]
    assert [resource.pk for resource in results[48:]] == everything[48:]
    assert len(results) == results.count() == len(everything)


def test_list_page_shows_the_facet_counts_and_disables_empty_options(client, starting_catalog):
    response = client.get(LIST_URL, {"category": "tools", "tag": "library"})
    html = response.content.decode()
    facets = facet_counts(
        resource_query(query_for(category="tools", tag=["library"]), facets=catalog_facets())
    )
    for option in facets.tags:
        match = re.search(
            rf'id="tag-{re.escape(option.slug)}"[^>]*?( checked| disabled)?>'
            rf'<label for="tag-{re.escape(option.slug)}">[^<]*<span class="tag__count">(\d+)',
            html,
        )
        assert match, option
        assert int(match.group(2)) == option.count
        if option.selected:
            assert match.group(1) == " checked"
        elif option.count == 0:
            assert match.group(1) == " disabled"
        else:
            assert match.group(1) is None
    # The chosen tag comes first, and categories that would give nothing are disabled.
    assert re.search(r'<ul class="tag-options"[^>]*>\s*<li[^>]*><input [^>]*value="library"', html)
    papers = next(option for option in facets.categories if option.slug == "papers")
    assert papers.count == 0
    assert '<option value="papers" disabled>Papers (0)</option>' in html


def test_list_page_tells_how_many_tags_there_are_and_folds_filters(client, starting_catalog):
    html = client.get(LIST_URL).content.decode()
    tag_count = len(catalog_facets().tags)
    assert f"({tag_count};" in html
    assert '<details class="filters-fold" id="filters-fold" open>' in html
    assert 'id="tag-filter"' in html


def test_api_list_carries_the_facets(client, starting_catalog):
    data = client.get("/api/resources/", {"category": "tools", "tag": "library"}).json()
    facets = data["facets"]
    assert set(facets) == {"tags", "categories", "groups", "years"}
    library = facets["tags"][0]
    assert library == {
        "slug": "library",
        "name": "library",
        "count": data["count"],
        "selected": True,
    }
    tools = next(option for option in facets["categories"] if option["slug"] == "tools")
    assert tools["selected"] and tools["count"] == data["count"]
    assert all(set(option) == {"slug", "name", "count", "selected"} for option in facets["years"])


# Authors


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("A, B and C", ["A", "B", "C"]),
        ("Ada Lovelace, Alan Turing, et al.", ["Ada Lovelace", "Alan Turing"]),
        ("Neel Nanda, Joseph Bloom and contributors", ["Neel Nanda", "Joseph Bloom"]),
        ("Sandy Anderson & Brandon Landers", ["Sandy Anderson", "Brandon Landers"]),
        ("  ", []),
    ],
)
def test_split_author_names(text, names):
    assert split_author_names(text) == names


def test_loading_the_catalog_makes_ordered_author_records(starting_catalog):
    paper = Resource.objects.get(title=SAE_PAPER)
    assert paper.author_names() == [
        "Hoagy Cunningham", "Aidan Ewart", "Logan Riggs", "Robert Huben", "Lee Sharkey",
    ]  # fmt: skip
    nanda = Author.objects.get(name="Neel Nanda")
    assert nanda.authorships.count() > 3  # one record across all his works
    assert catalog_load().counts["resources"]["unchanged"] == Resource.objects.count()


def test_same_person_by_normalised_name():
    first = ResourceFactory(authors=["Neel  Nanda"])
    second = ResourceFactory(authors=["neel nanda"])
    assert first.authors.get() == second.authors.get()


def test_author_page_lists_published_works_linked_from_every_name(client, starting_catalog):
    ResourceFactory(title="Unreviewed SAE draft", draft=True, authors="Hoagy Cunningham")
    author = Author.objects.get(name="Hoagy Cunningham")
    paper = Resource.objects.get(title=SAE_PAPER)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert f'<a href="/authors/{author.slug}/">Hoagy Cunningham</a>' in html
    response = client.get(reverse("catalog:author_detail", args=[author.slug]))
    page = response.content.decode()
    assert SAE_PAPER in page and "Unreviewed SAE draft" not in page
    assert client.get("/authors/nobody-at-all/").status_code == 404


def test_list_item_shows_three_authors_venue_code_and_when_added(client, starting_catalog):
    html = client.get(LIST_URL, {"q": "Cunningham"}).content.decode()
    item = html[html.index(SAE_PAPER) :]
    item = item[: item.index("</li>")]
    assert ">Hoagy Cunningham</a>, <a" in item and ">Logan Riggs</a> et al." in item
    assert "Robert Huben" not in item
    assert "ICLR 2024" in item
    assert 'href="https://github.com/HoagyC/sparse_coding"' in item
    assert "Added <time" in item


def test_api_gives_authors_in_order_with_slugs(client, starting_catalog):
    paper = Resource.objects.get(title=SAE_PAPER)
    data = client.get(f"/api/resources/{paper.slug}/").json()
    assert data["authors"][0] == {"name": "Hoagy Cunningham", "slug": "hoagy-cunningham"}
    assert [author["name"] for author in data["authors"]] == paper.author_names()


def test_citations_keep_the_authors_order(client, starting_catalog):
    paper = Resource.objects.get(title=SAE_PAPER)
    bib = client.get(reverse("catalog:resource_bibtex", args=[paper.slug])).content.decode()
    assert (
        "Hoagy Cunningham and Aidan Ewart and Logan Riggs and Robert Huben and Lee Sharkey" in bib
    )
    ris = client.get(reverse("catalog:resource_ris", args=[paper.slug])).content.decode()
    assert re.findall(r"AU  - (.+)\r", ris) == paper.author_names()


def test_set_authors_reorders_and_merge_keeps_places():
    resource = ResourceFactory(authors=["A One", "B Two", "C Three"])
    assert resource_set_authors(resource, ["C Three", "A One"])
    assert resource.author_names() == ["C Three", "A One"]
    assert not resource_set_authors(resource, "C Three and A One")
    other = ResourceFactory(authors=["A. One", "D Four"])
    merged = authors_merge(
        sources=[Author.objects.get(name="A. One")], target=Author.objects.get(name="A One")
    )
    assert merged == 1
    assert other.author_names() == ["A One", "D Four"]
    assert not Author.objects.filter(name="A. One").exists()
    assert ResourceAuthor.objects.filter(resource=other).count() == 2


# Home


def test_home_is_bounded_whatever_the_catalog_size(client):
    category = CategoryFactory()
    for number in range(80):
        ResourceFactory(title=f"Work {number}", category=category, featured=True, tags=["t"])
    html = client.get("/").content.decode()
    work_links = re.findall(r'<a href="/resources/[^"/]+/">', html)
    assert 0 < len(work_links) <= 60
    assert 'href="/resources/"' in html and "Browse all 80 resources" in html
