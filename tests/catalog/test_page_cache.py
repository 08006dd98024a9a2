import socket

import pytest
from django.core.cache import caches
from django.urls import reverse

from catalog.services.resources import resources_publish
from submissions.services import submission_approve
from tests.factories import CategoryFactory, ResourceFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/resources/",
    "/resources/?tag=circuits",
    "/tags/",
    "/tags/circuits/",
    "/categories/papers/",
    "/groups/",
    "/feeds/latest.rss",
    "/feeds/tags/circuits.atom",
    "/sitemap.xml",
    "/robots.txt",
]


@pytest.fixture
def paper():
    return ResourceFactory(
        title="Cached paper",
        category=CategoryFactory(name="Papers", slug="papers"),
        tags=["circuits"],
    )


def test_anonymous_repeat_visit_is_served_from_the_cache(client, paper):
    first = client.get("/resources/")
    second = client.get("/resources/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_is_cached(client, paper, path):
    client.get(path)
    assert client.get(path)["X-Cache"] == "hit"


def test_a_new_resource_shows_at_once(client, paper):
    assert client.get("/resources/")["X-Cache"] == "miss"
    assert client.get("/resources/")["X-Cache"] == "hit"
    ResourceFactory(title="Brand new work", category=paper.category)
    response = client.get("/resources/")
    assert response["X-Cache"] == "miss"
    assert "Brand new work" in response.content.decode()


def test_publishing_in_bulk_shows_at_once(client, paper):
    draft = ResourceFactory(title="Waiting draft", draft=True, category=paper.category)
    assert "Waiting draft" not in client.get("/").content.decode()
    resources_publish(resources=[draft])
    assert "Waiting draft" in client.get("/").content.decode()


def test_an_edit_to_a_tag_shows_at_once(client, paper):
    client.get("/tags/")
    tag = paper.tags.get()
    tag.name = "circuit-analysis"
    tag.save()
    assert "circuit-analysis" in client.get("/tags/").content.decode()


def test_a_repeat_visit_with_the_etag_gets_not_modified(client, paper):
    first = client.get("/tags/")
    repeat = client.get("/tags/", headers={"If-None-Match": first["ETag"]})
    assert repeat.status_code == 304
    assert repeat.content == b""
    paper.tags.add("probing")  # the page changes, so the old ETag no longer matches
    changed = client.get("/tags/", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert "probing" in changed.content.decode()


def test_htmx_fragments_and_whole_pages_are_cached_apart(client, paper):
    whole = client.get("/resources/")
    fragment = client.get("/resources/", headers={"HX-Request": "true", "HX-Trigger": "filters"})
    assert "<html" in whole.content.decode()
    assert "<html" not in fragment.content.decode()
    assert fragment["X-Cache"] == "miss"


def test_logged_in_visitors_never_get_cached_pages(client, staff_client, paper):
    client.get("/resources/")
    response = staff_client.get("/resources/")
    assert "X-Cache" not in response
    assert "curator" not in client.get("/resources/").content.decode()


def test_visitor_with_pending_messages_gets_a_fresh_page(client, paper):
    client.get("/")
    client.cookies["messages"] = "pending"
    assert "X-Cache" not in client.get("/")


def test_admin_and_unknown_pages_are_not_cached(staff_client, client):
    staff_client.get(reverse("admin:index"))
    assert "X-Cache" not in client.get(reverse("admin:login"))
    client.get("/no/such/page/")
    assert "X-Cache" not in client.get("/no/such/page/")


def test_cache_can_be_turned_off(client, paper, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    client.get("/")
    assert "X-Cache" not in client.get("/")


SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def production_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/resources/cached-paper/", "/admin/login/"])
def test_security_headers_on_every_page_fresh_and_cached(client, paper, production_https, path):
    for _ in ("miss", "hit"):
        response = client.get(path, secure=True)
        assert response.status_code == 200
        for header, value in SECURITY_HEADERS.items():
            assert response[header] == value, header
        policy = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_plain_http_is_redirected_to_https(client, production_https):
    response = client.get("/resources/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/resources/"


def test_session_and_csrf_cookies_are_secure_and_http_only(client, staff_user, production_https):
    csrf_cookie = client.get(reverse("admin:login"), secure=True).cookies["csrftoken"]
    assert csrf_cookie["secure"]
    response = client.post(
        reverse("admin:login"),
        {"username": "curator", "password": "a-long-curator-password", "next": "/admin/"},
        secure=True,
    )
    assert response.status_code == 302
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] and session_cookie["httponly"]


def test_an_approval_shows_at_once_on_every_cached_page(client, paper, moderator):
    proposal = SubmissionFactory(title="Approved while cached", category=paper.category)
    pages = [
        "/",
        "/resources/",
        "/resources/?tag=circuits",
        "/feeds/latest.rss",
        "/categories/papers/",
    ]
    for path in pages:
        client.get(path)
        assert client.get(path)["X-Cache"] == "hit"
        assert "Approved while cached" not in client.get(path).content.decode()

    submission_approve(submission=proposal, reviewer=moderator)

    for path in ["/", "/resources/", "/feeds/latest.rss", "/categories/papers/"]:
        response = client.get(path)
        assert response["X-Cache"] == "miss", path
        assert "Approved while cached" in response.content.decode(), path
    assert (
        "Approved while cached" in client.get("/resources/", {"tag": "circuits"}).content.decode()
    )


def test_with_the_version_in_a_shared_cache_a_change_still_shows_at_once(
    client, paper, settings, django_capture_on_commit_callbacks
):
    settings.CATALOG_VERSION_IN_CACHE = True
    client.get("/resources/")
    assert client.get("/resources/")["X-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        ResourceFactory(title="Added with a shared cache", category=paper.category)
    response = client.get("/resources/")
    assert response["X-Cache"] == "miss"
    assert "Added with a shared cache" in response.content.decode()


def test_with_the_version_in_a_shared_cache_an_uncommitted_change_is_not_cached_as_new(
    client, paper, settings, django_capture_on_commit_callbacks
):
    settings.CATALOG_VERSION_IN_CACHE = True
    client.get("/resources/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ResourceFactory(title="Not yet committed", category=paper.category)
        # Until the commit, the shared copy still names the old version.
        assert client.get("/resources/")["X-Cache"] == "hit"
    assert len(callbacks) >= 1


def redis_is_running() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_pages_are_shared_through_redis_and_invalidated_on_commit(
    client, paper, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/13",
            "KEY_PREFIX": "awesome-test",
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    settings.CATALOG_VERSION_IN_CACHE = True
    caches["default"].clear()
    try:
        assert client.get("/tags/")["X-Cache"] == "miss"
        caches["local"].clear()  # as another process would be: only Redis has the page
        assert client.get("/tags/")["X-Cache"] == "hit"
        with django_capture_on_commit_callbacks(execute=True):
            paper.tags.add("shared-cache")
        response = client.get("/tags/")
        assert response["X-Cache"] == "miss"
        assert "shared-cache" in response.content.decode()
    finally:
        caches["default"].clear()
