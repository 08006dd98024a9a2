"""
The catalog's pages with saving on them: query counts stay flat, and nothing
of a member's reaches the page cache that anonymous visitors share.
"""

import pytest
from django.core.cache import caches
from django.test import Client

from library import services
from tests.factories import CategoryFactory, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/resources/"


def test_list_page_keeps_its_query_count_with_popularity(
    client, works, owner, django_assert_num_queries
):
    for resource in (works["sae"], works["ioi"]):
        services.work_save(user=owner, resource=resource)
    client.get(LIST_URL)  # facets cached from now on
    # Page (with popularity joined), tags, authors: as without the library (the number
    # of results comes from the cached facet counts, the version from this process).
    for params in ({"fresh": 1}, {"sort": "popular"}):
        caches["fragments"].clear()  # the items are rendered anew
        with django_assert_num_queries(3):
            client.get(LIST_URL, params)
    # Items rendered already: neither tags nor authors are read.
    with django_assert_num_queries(1):
        client.get(LIST_URL, {"sort": "popular", "fresh": 1})


def test_list_item_shows_a_new_save_at_once(client, works, owner, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # the items' own cache alone
    assert "saved by" not in client.get(LIST_URL).content.decode()
    # A save leaves the catalog version as it is; the item still counts it.
    services.work_save(user=owner, resource=works["ioi"])
    assert "saved by 1" in client.get(LIST_URL).content.decode()


def test_member_list_page_reads_saved_state_in_one_query(client, owner, papers):
    client.force_login(owner)

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(LIST_URL)  # the facets of this catalog version are cached
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST_URL, {"sort": "popular"})
        assert response.status_code == 200
        return len(captured)

    ResourceFactory(category=papers)
    few = queries()
    for _ in range(20):
        services.work_save(user=owner, resource=ResourceFactory(category=papers))
    many = queries()
    assert few == many


def test_detail_page_keeps_its_query_count(client, works, owner, django_assert_num_queries):
    services.work_save(user=owner, resource=works["sae"])
    url = works["sae"].get_absolute_url()
    client.get(url)
    # The work (with popularity), groups, tags, links, authors.
    with django_assert_num_queries(5):
        client.get(url, {"fresh": 1})


def test_saved_state_never_reaches_the_anonymous_page_cache(works, owner):
    member, anonymous = Client(), Client()
    member.force_login(owner)
    services.work_save(user=owner, resource=works["sae"])
    for url in (LIST_URL, works["sae"].get_absolute_url()):
        member_page = member.get(url)
        assert "✓ Saved" in member_page.content.decode()
        assert "X-Cache" not in member_page  # a member's page is never cached
        first = anonymous.get(url)
        assert first["X-Cache"] == "miss"
        second = anonymous.get(url)
        assert second["X-Cache"] == "hit"
        for page in (first, second):
            body = page.content.decode()
            assert "✓ Saved" not in body
            assert "csrfmiddlewaretoken" not in body
            assert "owner" not in body
        # And a member after an anonymous visit still gets their own page.
        assert "✓ Saved" in member.get(url).content.decode()


def test_saves_do_not_empty_the_page_cache(works, owner, other):
    anonymous = Client()
    url = works["sae"].get_absolute_url()
    assert anonymous.get(url)["X-Cache"] == "miss"
    services.work_save(user=other, resource=works["sae"])
    # The cached page stays (its popularity lags by the cache's lifetime at most).
    cached = anonymous.get(url)
    assert cached["X-Cache"] == "hit"
    assert "Nobody has saved it yet." in cached.content.decode()
    # Members always see the count as it is.
    member = Client()
    member.force_login(owner)
    assert "Saved by 1 member." in member.get(url).content.decode()


def test_follow_control_is_personal_and_kept_out_of_the_cache(works, owner):
    anonymous, member = Client(), Client()
    member.force_login(owner)
    category = CategoryFactory(name="Surveys", slug="surveys")
    ResourceFactory(category=category)
    services.follow_add(user=owner, target_kind="category", target=category)
    assert "✓ Following" in member.get("/categories/surveys/").content.decode()
    for _ in range(2):
        body = anonymous.get("/categories/surveys/").content.decode()
        assert "Log in to follow Surveys" in body
        assert "Following" not in body


def test_header_links_to_the_members_lists(client):
    client.force_login(UserFactory())
    assert 'href="/lists/">My lists</a>' in client.get("/").content.decode()
