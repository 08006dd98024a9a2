import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Resource, ResourceLink
from tests.factories import CategoryFactory, ResearchGroupFactory, ResourceFactory

pytestmark = pytest.mark.django_db

API = "/api/resources/"


@pytest.fixture
def shelf():
    """Published resources, and a draft and an archived one that could leak into anything."""
    tools = CategoryFactory(name="Tools", slug="tools", order=1)
    papers = CategoryFactory(name="Papers", slug="papers", order=2)
    eleuther = ResearchGroupFactory(name="EleutherAI", slug="eleutherai")
    lens = ResourceFactory(
        title="TransformerLens", category=tools, year=2022, tags=["library", "circuits"]
    )
    ResourceFactory(
        title="Interpretability in the Wild",
        category=papers,
        year=2022,
        tags=["circuits", "gpt-2"],
        authors="Kevin Wang, Alexandre Variengien",
    )
    ResourceFactory(
        title="How does GPT-2 compute greater-than?",
        category=papers,
        year=2023,
        tags=["circuits", "gpt-2"],
    )
    pythia = ResourceFactory(title="Pythia", category=papers, year=2023, tags=["model-suite"])
    pythia.groups.add(eleuther)
    ResourceLink.objects.create(resource=lens, label="Docs", url="https://lens.example.org/docs")
    ResourceFactory(
        title="Unreviewed circuits draft", category=papers, draft=True, tags=["circuits", "secret"]
    ).groups.add(eleuther)
    ResourceFactory(
        title="Archived circuits paper", category=tools, archived=True, tags=["circuits", "old"]
    )
    return {"lens": lens, "pythia": pythia}


def titles(data):
    return [resource["title"] for resource in data["results"]]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"tag": ["circuits"]},
        {"tag": ["circuits", "gpt-2"]},
        {"category": "papers", "sort": "title"},
        {"group": "eleutherai"},
        {"year_min": "2023"},
        {"year_min": "2022", "year_max": "2022", "sort": "year"},
        {"q": "circuits"},
        {"q": "gpt", "sort": "relevance"},
        {"tag": ["no-such-tag"], "category": "nope", "year_min": "soon", "sort": "best"},
    ],
)
def test_api_filters_match_the_list_page(client, shelf, params):
    page = client.get(reverse("catalog:resource_list"), params)
    data = client.get(API, params).json()

    listed = [resource.title for resource in page.context["page_obj"].object_list]
    assert titles(data) == listed
    assert data["count"] == page.context["page_obj"].paginator.count
    assert data["notices"] == page.context["notices"]


def test_api_never_lists_drafts_or_archived_resources(client, shelf):
    data = client.get(API, {"tag": "circuits", "page_size": 100}).json()

    assert "Unreviewed circuits draft" not in titles(data)
    assert "Archived circuits paper" not in titles(data)
    assert data["count"] == 3
    draft = Resource.objects.get(title="Unreviewed circuits draft")
    assert client.get(f"{API}{draft.slug}/").status_code == 404


def test_api_resource_carries_its_facts_links_and_link_health(client, shelf):
    lens = shelf["lens"]
    Resource.objects.filter(pk=lens.pk).update(
        link_result="error", link_status=404, link_failures=3, link_checked_at=timezone.now()
    )

    data = client.get(f"{API}{lens.slug}/").json()

    assert data["title"] == "TransformerLens"
    assert data["category"] == {"slug": "tools", "name": "Tools"}
    assert sorted(data["tags"]) == ["circuits", "library"]
    assert data["links"] == [{"label": "Docs", "url": "https://lens.example.org/docs"}]
    assert data["link_health"]["result"] == "error"
    assert data["link_health"]["broken"] is True
    assert data["link_health"]["http_status"] == 404
    assert data["html_url"] == f"http://testserver/resources/{lens.slug}/"
    assert data["api_url"] == f"http://testserver/api/resources/{lens.slug}/"


def test_api_resource_never_checked_has_empty_link_health(client, shelf):
    data = client.get(f"{API}{shelf['pythia'].slug}/").json()

    assert data["link_health"] == {
        "result": None,
        "broken": False,
        "http_status": None,
        "checked_at": None,
    }
    assert data["groups"] == [{"slug": "eleutherai", "name": "EleutherAI"}]


def test_api_unknown_slug_is_a_json_404(client, shelf):
    response = client.get(f"{API}no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No published resource has the slug “no-such-thing”."}


def test_api_paginates_with_links_that_keep_the_filters(client, shelf):
    first = client.get(API, {"tag": "circuits", "page_size": 2, "sort": "title"}).json()

    assert (first["count"], first["num_pages"], first["page"]) == (3, 2, 1)
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/resources/?")
    assert "tag=circuits" in first["next"]
    assert "page_size=2" in first["next"]
    assert "sort=title" in first["next"]

    second = client.get(first["next"]).json()
    assert second["page"] == 2
    assert second["next"] is None
    assert titles(first) + titles(second) == sorted(titles(first) + titles(second))
    assert second["previous"] is not None


@pytest.mark.parametrize(
    ("params", "notice", "page", "page_size"),
    [
        ({"page": "abc"}, "“abc” is not a page number, so the first page is shown.", 1, 24),
        ({"page": "0"}, "There is no page 0, so the first page is shown.", 1, 24),
        ({"page": "99"}, "There is no page 99, so the last page is shown.", 1, 24),
        ({"page_size": "0"}, "“0” is not a page size from 1 to 100", 1, 24),
        ({"page_size": "1000"}, "“1000” is not a page size from 1 to 100", 1, 24),
        ({"page_size": "many"}, "“many” is not a page size from 1 to 100", 1, 24),
    ],
)
def test_api_unusable_paging_values_give_a_notice_not_an_error(
    client, shelf, params, notice, page, page_size
):
    response = client.get(API, params)

    data = response.json()
    assert response.status_code == 200
    assert (data["page"], data["page_size"]) == (page, page_size)
    assert any(message.startswith(notice) for message in data["notices"])


def test_api_unusable_filter_values_give_notices_not_errors(client, shelf):
    response = client.get(API, {"year_max": "x" * 500, "tag": [f"t{n}" for n in range(20)]})

    assert response.status_code == 200
    assert len(response.json()["notices"]) == 2
    assert response.json()["count"] == 4


def test_api_resource_list_runs_a_fixed_number_of_queries(
    client, shelf, django_assert_max_num_queries
):
    for number in range(20):
        ResourceFactory(title=f"Extra {number}", tags=["circuits", "extra"])
    client.get(API)  # the facets are cached from now on, as on a live site

    # The catalog version, the count, the page, and its tags, authors, groups and links,
    # and the four facet counts under this filter.
    with django_assert_max_num_queries(11):
        data = client.get(API, {"tag": "circuits"}).json()

    assert len(data["results"]) == 23


def test_api_tags_have_published_counts_only(client, shelf):
    data = client.get("/api/tags/").json()

    counts = {tag["slug"]: tag["resource_count"] for tag in data["results"]}
    assert counts["circuits"] == 3
    assert "secret" not in counts
    assert "old" not in counts
    assert data["results"][0]["slug"] == "circuits"  # most used first
    assert data["results"][0]["resources_url"] == "http://testserver/api/resources/?tag=circuits"


def test_api_categories_and_groups_count_published_resources(client, shelf):
    categories = client.get("/api/categories/").json()
    groups = client.get("/api/groups/").json()

    assert [(c["slug"], c["resource_count"]) for c in categories["results"]] == [
        ("tools", 1),
        ("papers", 3),
    ]
    assert [(g["slug"], g["resource_count"]) for g in groups["results"]] == [("eleutherai", 1)]


def test_api_root_lists_the_endpoints(client):
    data = client.get("/api/").json()

    assert data == {
        "resources": "http://testserver/api/resources/",
        "tags": "http://testserver/api/tags/",
        "categories": "http://testserver/api/categories/",
        "groups": "http://testserver/api/groups/",
    }


def test_api_refuses_writes(client, shelf):
    response = client.post(API, {"title": "Sneaky"})

    assert response.status_code == 405
    assert not Resource.objects.filter(title="Sneaky").exists()
