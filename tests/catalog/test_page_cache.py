import os
import socket
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.cache import catalog_changed, catalog_version, forget_catalog_version
from catalog.middleware import page_key, render_claim_key, shared_page_key
from catalog.models import Resource
from catalog.search import refresh_planner_statistics
from catalog.services.resources import resources_publish
from submissions.services import submission_approve
from tests.factories import CategoryFactory, ResourceFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/resources/",
    "/authors/ada-lovelace/",
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
        authors=["Ada Lovelace"],
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


# The catalog's freshness: one version change per committed transaction.


def version_writes(queries) -> int:
    return sum(
        1
        for query in queries
        if "catalog_catalogversion" in query["sql"]
        and query["sql"].startswith(("UPDATE", "INSERT"))
    )


@pytest.mark.django_db(transaction=True)
def test_an_approval_changes_the_version_exactly_once(client):
    category = CategoryFactory(name="Papers", slug="papers")
    ResourceFactory(title="Already listed", category=category, tags=["circuits"])
    proposal = SubmissionFactory(
        title="Approved in one transaction", category=category, tags="circuits, probing"
    )
    moderator = UserFactory(username="mod", moderator=True)
    assert "Approved in one transaction" not in client.get("/resources/").content.decode()
    before = catalog_version()

    with CaptureQueriesContext(connection) as queries:
        submission_approve(submission=proposal, reviewer=moderator)

    # A resource, its tags, authors and links, the search index: one version change.
    assert version_writes(queries) == 1
    assert catalog_version() != before
    response = client.get("/resources/")
    assert response["X-Cache"] == "miss"
    assert "Approved in one transaction" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_keeps_the_version(client):
    ResourceFactory(title="Committed work")
    client.get("/resources/")
    before = catalog_version()

    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ResourceFactory(title="Rolled back work")
        catalog_changed()
        raise RuntimeError("rolled back")

    assert version_writes(queries) == 0
    assert catalog_version() == before
    response = client.get("/resources/")
    assert response["X-Cache"] == "hit"
    assert "Rolled back work" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_before_the_commit_is_not_cached_under_the_new_version(client):
    ResourceFactory(title="Committed work")
    # A new SQLite connection gathers missing statistics, which would wait for the write.
    refresh_planner_statistics()
    change_open, visited = threading.Event(), threading.Event()
    seen_during_the_transaction = []

    def visit():
        # Another request, on a connection of its own, while the change is not committed.
        change_open.wait(10)
        seen_during_the_transaction.append(client.get("/resources/").content.decode())
        visited.set()
        connection.close()

    visitor = threading.Thread(target=visit)
    visitor.start()
    with transaction.atomic():
        ResourceFactory(title="Work of the open transaction")
        change_open.set()
        visited.wait(10)
    visitor.join()

    assert "Work of the open transaction" not in seen_during_the_transaction[0]
    response = client.get("/resources/")
    assert response["X-Cache"] == "miss"
    assert "Work of the open transaction" in response.content.decode()


def test_a_change_shows_at_once_in_its_own_transaction_before_it_commits(client, paper):
    """The connection that made a change reads a version of its own until it commits."""
    client.get("/resources/")
    assert client.get("/resources/")["X-Cache"] == "hit"
    with transaction.atomic():
        ResourceFactory(title="Seen by its own transaction", category=paper.category)
        response = client.get("/resources/")
        assert response["X-Cache"] == "miss"
        assert "Seen by its own transaction" in response.content.decode()
        assert client.get("/resources/")["X-Cache"] == "hit"


# The hit path: this process's memory, no round trip.


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """The test's catalog as if committed: its version change done, as after a real commit."""

    def commit(build):
        with django_capture_on_commit_callbacks(execute=True):
            result = build()
        return result

    return commit


def test_a_hit_reads_nothing_from_the_database(client, committed, settings):
    settings.CATALOG_VERSION_RECHECK_MS = 1000
    forget_catalog_version()
    committed(lambda: ResourceFactory(title="Committed paper", tags=["circuits"]))
    assert client.get("/resources/")["X-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/resources/")
    assert response["X-Cache"] == "hit"
    assert len(queries) == 0


def test_a_change_committed_elsewhere_shows_within_the_recheck_time(client, committed, settings):
    settings.CATALOG_VERSION_RECHECK_MS = 200
    forget_catalog_version()
    work = committed(lambda: ResourceFactory(title="Before the edit"))
    client.get(work.get_absolute_url())
    # What another process's commit does: the data, then a new version in the
    # database; this process learns of it only by reading the version again.
    Resource.objects.filter(pk=work.pk).update(title="After the edit")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_catalogversion SET number = number + 1")
    time.sleep(settings.CATALOG_VERSION_RECHECK_MS / 1000)
    response = client.get(work.get_absolute_url())
    assert response["X-Cache"] == "miss"
    assert "After the edit" in response.content.decode()


def test_a_hit_replays_every_header_of_the_rendered_page(client, paper, production_https):
    for path in ["/", "/resources/", "/feeds/latest.rss", "/api/resources/"]:
        fresh = client.get(path, secure=True)
        cached = client.get(path, secure=True)
        assert (fresh["X-Cache"], cached["X-Cache"]) == ("miss", "hit")
        assert {name: value for name, value in fresh.items() if name != "X-Cache"} == {
            name: value for name, value in cached.items() if name != "X-Cache"
        }, path


def test_anonymous_pages_may_be_kept_by_a_cdn_and_revalidated(client, paper):
    response = client.get("/resources/")
    assert response["Cache-Control"] == ("public, max-age=0, s-maxage=1, stale-while-revalidate=30")
    repeat = client.get("/resources/", headers={"If-None-Match": response["ETag"]})
    assert repeat.status_code == 304
    assert repeat["ETag"] == response["ETag"]
    assert repeat["Cache-Control"] == response["Cache-Control"]
    other = client.get("/resources/", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_an_http_request_is_still_redirected_to_https(client, paper, production_https):
    client.get("/resources/", secure=True)
    response = client.get("/resources/")
    assert response.status_code == 301


# No stampede: one request renders, the others get the previous page.

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def redis_is_running() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.fixture(params=["file", "redis"])
def shared_cache(request, settings, tmp_path):
    """A cache every process shares: files in a folder, or Redis when it runs."""
    if request.param == "redis":
        if not redis_is_running():
            pytest.skip("no Redis on 127.0.0.1:6379")
        prefix = f"awesome-test-{uuid.uuid4().hex}"
        default = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    else:
        default = {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    settings.CACHES = {**settings.CACHES, "shared_pages": default}
    yield caches["shared_pages"]
    if request.param == "redis":
        client = caches["shared_pages"]._cache.get_client(write=True)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def shared_keys(path):
    key = page_key(RequestFactory().get(path))
    return shared_page_key(key), render_claim_key(shared_page_key(key))


def test_while_another_process_renders_the_previous_page_is_served(client, committed, shared_cache):
    committed(lambda: ResourceFactory(title="First work"))
    assert client.get("/resources/")["X-Cache"] == "miss"
    committed(lambda: ResourceFactory(title="Second work"))
    _, claim = shared_keys("/resources/")
    assert shared_cache.add(claim, 1, 30)  # another process is rendering the new page

    stale = client.get("/resources/")
    assert stale["X-Cache"] == "stale"
    assert "First work" in stale.content.decode()
    assert "Second work" not in stale.content.decode()

    shared_cache.delete(claim)  # its render is over (and, here, stored nothing)
    fresh = client.get("/resources/")
    assert fresh["X-Cache"] == "miss"
    assert "Second work" in fresh.content.decode()


def test_with_no_previous_page_a_request_waits_for_the_render_under_way(
    client, committed, shared_cache, settings
):
    settings.PUBLIC_PAGE_RENDER_WAIT_SECONDS = 0.3
    committed(lambda: ResourceFactory(title="Only work"))
    _, claim = shared_keys("/resources/")
    assert shared_cache.add(claim, 1, 30)
    started = time.monotonic()
    response = client.get("/resources/")
    # No page came in time: it rendered its own rather than fail.
    assert time.monotonic() - started >= 0.3
    assert response["X-Cache"] == "miss"
    assert "Only work" in response.content.decode()


def test_pages_are_shared_between_processes(client, committed, shared_cache):
    committed(lambda: ResourceFactory(title="Shared work", tags=["circuits"]))
    assert client.get("/tags/")["X-Cache"] == "miss"
    caches["local"].clear()  # as another process would be: only the shared cache has the page
    assert client.get("/tags/")["X-Cache"] == "hit"
    work = Resource.objects.get()
    committed(lambda: work.tags.add("shared-cache"))
    response = client.get("/tags/")
    assert response["X-Cache"] == "miss"
    assert "shared-cache" in response.content.decode()


def test_an_uncommitted_change_never_reaches_the_shared_cache(client, committed, shared_cache):
    committed(lambda: ResourceFactory(title="Committed work"))
    client.get("/resources/")
    shared_key, _ = shared_keys("/resources/")
    with transaction.atomic():
        ResourceFactory(title="Uncommitted work")
        assert "Uncommitted work" in client.get("/resources/").content.decode()
        assert "Uncommitted work" not in shared_cache.get(shared_key).content.decode()


# Two processes: a change committed in one shows in the other.


@pytest.mark.django_db(transaction=True)
def test_a_change_shows_in_another_process_within_the_recheck_time(client):
    from tests.browser.conftest import database_url, free_port, gunicorn_serving

    recheck_ms = 300
    ResourceFactory(title="Served by the other process")
    env = {
        name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"
    } | {
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "WEB_CONCURRENCY": "1",
        "CATALOG_VERSION_RECHECK_MS": str(recheck_ms),
    }

    def fetch(url):
        with urllib.request.urlopen(url + "/resources/", timeout=10) as response:
            return response.headers["X-Cache"], response.read().decode()

    with gunicorn_serving(env, free_port(), "the second process") as url:
        fetch(url)
        assert fetch(url)[0] == "hit"
        ResourceFactory(title="Committed in this process")
        time.sleep(recheck_ms / 1000)
        outcome, page = fetch(url)
    assert outcome == "miss"
    assert "Committed in this process" in page


@pytest.mark.django_db(transaction=True)
def test_gunicorn_workers_share_pages_without_redis(tmp_path):
    from tests.browser.conftest import free_port, gunicorn_serving, site_environment

    ResourceFactory(title="Rendered once for every worker")
    env = site_environment(WEB_CONCURRENCY="3", GUNICORN_THREADS="1", REDIS_URL="")
    env.pop("PUBLIC_PAGE_SHARED_DIR", None)  # gunicorn makes one for this start
    log = tmp_path / "access.log"

    def fetch(url):
        with urllib.request.urlopen(url + "/resources/", timeout=10) as response:
            assert "Rendered once for every worker" in response.read().decode()

    log_format = "%(p)s %(U)s %({x-cache}o)s"

    def served():
        lines = [line.split() for line in log.read_text().splitlines()]
        return [(pid, outcome) for pid, path, outcome in lines if path == "/resources/"]

    with gunicorn_serving(env, free_port(), "three workers", (str(log), log_format)) as url:
        fetch(url)
        for _ in range(10):  # until the page has been asked of more than one worker
            with ThreadPoolExecutor(6) as pool:
                list(pool.map(fetch, [url] * 12))
            if len({pid for pid, _ in served()}) > 1:
                break
    outcomes = served()
    assert len({pid for pid, _ in outcomes}) > 1
    assert [outcome for _, outcome in outcomes].count("miss") == 1
    assert {outcome for _, outcome in outcomes[1:]} == {"hit"}
