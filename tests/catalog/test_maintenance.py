"""Repository liveness on the pages and in the API: badges, facts, filter and sort."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import RepositoryMetadata
from tests.factories import CategoryFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def repository(resource, *, stars, pushed_days_ago, archived=False, name=None):
    now = timezone.now()
    name = name or resource.url.removeprefix("https://github.com/")
    return RepositoryMetadata.objects.create(
        resource=resource,
        url=resource.url,
        full_name=name,
        canonical_key=f"github:{name.lower()}",
        stars=stars,
        pushed_at=now - timedelta(days=pushed_days_ago),
        archived=archived,
        license="MIT",
        latest_release="v1.2.0",
        latest_release_at=now - timedelta(days=pushed_days_ago),
        fetched_at=now,
    )


@pytest.fixture
def shelf():
    tools = CategoryFactory(slug="tools", name="Tools")
    papers = CategoryFactory(slug="papers", name="Papers")
    active = ResourceFactory(category=tools, title="Active lens", url="https://github.com/a/lens")
    idle = ResourceFactory(category=tools, title="Idle probe", url="https://github.com/b/probe")
    archived = ResourceFactory(category=tools, title="Archived sae", url="https://github.com/c/sae")
    unknown = ResourceFactory(category=papers, title="Paper without code")
    repository(active, stars=2874, pushed_days_ago=3)
    repository(idle, stars=12400, pushed_days_ago=400)
    repository(archived, stars=283, pushed_days_ago=100, archived=True)
    return {"active": active, "idle": idle, "archived": archived, "unknown": unknown}


def titles(client, query):
    return [item["title"] for item in client.get(f"/api/resources/?{query}").json()["results"]]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("active", ["Active lens"]),
        ("unmaintained", ["Archived sae", "Idle probe"]),
        ("archived", ["Archived sae"]),
    ],
)
def test_maintenance_filter_on_the_api_and_the_list_page(client, shelf, state, expected):
    assert titles(client, f"maintenance={state}&sort=title") == expected
    page = client.get(f"/resources/?maintenance={state}&sort=title").content.decode()
    for resource in shelf.values():
        assert (f">{resource.title}</a>" in page) == (resource.title in expected)


def test_unknown_maintenance_value_is_ignored_with_a_notice(client, shelf):
    data = client.get("/api/resources/?maintenance=dead").json()

    assert data["count"] == 4
    assert "“dead” is not a maintenance state" in data["notices"][0]


def test_sort_by_stars_puts_works_without_a_repository_last(client, shelf):
    assert titles(client, "sort=stars") == [
        "Idle probe",
        "Active lens",
        "Archived sae",
        "Paper without code",
    ]


def test_api_carries_repository_facts_and_maintenance(client, shelf):
    results = {item["title"]: item for item in client.get("/api/resources/").json()["results"]}

    assert results["Active lens"]["repository"] | {"pushed_at": None, "checked_at": None} == {
        "full_name": "a/lens",
        "stars": 2874,
        "pushed_at": None,
        "archived": False,
        "license": "MIT",
        "latest_release": "v1.2.0",
        "checked_at": None,
    }
    assert [results[title]["maintenance"] for title in sorted(results)] == [
        "active",
        "archived",
        "unmaintained",
        None,
    ]
    assert results["Paper without code"]["repository"] is None


def test_tool_page_shows_the_repository_facts(client, shelf):
    html = client.get(shelf["archived"].get_absolute_url()).content.decode()

    assert '<a href="https://github.com/c/sae" rel="noopener">c/sae</a>' in html
    assert '<span class="badge badge--archived">Archived</span>' in html
    assert "<dt>Stars</dt><dd>283</dd>" in html
    assert "<dt>Licence</dt><dd>MIT</dd>" in html


def test_list_items_show_stars_and_a_badge_when_not_maintained(client, shelf):
    html = client.get("/resources/?sort=title").content.decode()

    assert "★</span> 12k" in html and "★</span> 2.9k" in html
    assert html.count("badge--unmaintained") == 1 and html.count("badge--archived") == 1
    assert "Maintenance" in html and '<option value="active">' in html


def test_list_page_with_repositories_runs_a_fixed_number_of_queries(
    client, shelf, django_assert_max_num_queries
):
    client.get("/resources/")  # warm the facet cache
    with django_assert_max_num_queries(8):
        client.get("/resources/?sort=stars&nocache=1")
