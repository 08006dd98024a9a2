import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Resource
from catalog.sources.link_check import CheckSettings, check_urls, links_check
from tests.factories import ResourceFactory
from tests.local_http import LocalServer, ServerState

# Short enough to keep the suite fast, long enough for loopback answers.
FAST = CheckSettings(timeout=0.5, retries=1, backoff=0.0, workers=8, per_host=2)


@pytest.fixture(scope="module")
def servers():
    """Two servers on loopback, on two addresses, so that they count as two hosts."""
    state = ServerState(slow_seconds=2.0)
    started = [LocalServer(host, state).start() for host in ("127.0.0.1", "127.0.0.2")]
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def server(servers):
    servers[0].state.reset()
    return servers[0]


def check(server, path, settings=FAST):
    return check_urls([server.url + path], settings=settings)[server.url + path]


@pytest.mark.parametrize(
    ("path", "result", "status"),
    [
        ("/ok", "ok", 200),
        ("/found", "ok", 200),  # a temporary redirect is not flagged
        ("/moved", "redirected", 200),
        ("/missing", "error", 404),
        ("/moved-to-missing", "error", 404),
        ("/error", "error", 500),
        ("/forbidden", "unknown", 403),
        ("/throttled", "unknown", 429),
        ("/no-head", "ok", 200),
        ("/head-reset", "ok", 200),
        ("/reset", "error", None),
        ("/loop", "error", None),
        ("/slow", "timeout", None),
    ],
)
def test_check_url_result_for_each_kind_of_answer(server, path, result, status):
    outcome = check(server, path)

    assert (outcome.result, outcome.status) == (result, status)


def test_check_url_permanent_redirect_keeps_the_url_to_update_to(server):
    assert check(server, "/moved").final_url == server.url + "/ok"
    assert check(server, "/moved-twice").final_url == server.url + "/ok"
    # Only the permanent part of a chain: the temporary hop may change again.
    assert check(server, "/moved-then-found").final_url == server.url + "/found"
    assert check(server, "/found").final_url == ""


def test_check_url_falls_back_to_get_when_head_is_refused_or_fails(server):
    check(server, "/no-head")
    check(server, "/head-reset")

    assert server.state.hits_for("/no-head") == ["HEAD", "GET"]
    assert server.state.hits_for("/head-reset") == ["HEAD", "GET"]


def test_check_url_uses_head_alone_when_it_works(server):
    check(server, "/ok")

    assert server.state.hits_for("/ok") == ["HEAD"]


def test_check_url_retries_server_errors_and_gives_up(server):
    settings = CheckSettings(timeout=0.5, retries=2, backoff=0.0)

    outcome = check(server, "/error", settings)

    assert outcome.result == "error"
    assert server.state.hits_for("/error") == ["HEAD", "GET"] * 3


def test_check_url_retry_succeeds_after_a_passing_failure(server):
    outcome = check(server, "/flaky")

    assert outcome.result == "ok"
    assert server.state.hits_for("/flaky") == ["HEAD", "GET", "HEAD"]


def test_check_url_does_not_retry_a_missing_page_or_a_refusal(server):
    check(server, "/missing")
    check(server, "/throttled")

    assert server.state.hits_for("/missing") == ["HEAD", "GET"]
    assert server.state.hits_for("/throttled") == ["HEAD", "GET"]


def test_check_url_gives_up_on_a_slow_answer_after_the_timeout_and_retries(server):
    started = time.monotonic()

    outcome = check(server, "/slow", CheckSettings(timeout=0.2, retries=1, backoff=0.05))

    assert outcome.result == "timeout"
    assert time.monotonic() - started < 1.5
    assert server.state.hits_for("/slow") == ["HEAD", "HEAD"]  # no GET after a time-out


def test_check_urls_sends_at_most_two_requests_at_a_time_to_one_host(server):
    urls = [f"{server.url}/busy/{number}" for number in range(12)]

    outcomes = check_urls(urls, settings=FAST)

    assert {outcome.result for outcome in outcomes.values()} == {"ok"}
    assert server.state.max_in_flight == 2


def test_check_urls_works_on_several_hosts_at_once(servers, server):
    urls = [f"{host.url}/busy/{number}" for host in servers for number in range(12)]

    check_urls(urls, settings=FAST)

    assert server.state.max_in_flight == 4  # two hosts, two requests each


def test_check_urls_bounds_requests_in_flight_by_the_pool(servers, server):
    settings = CheckSettings(timeout=0.5, retries=0, workers=1, per_host=2)
    urls = [f"{host.url}/busy/{number}" for host in servers for number in range(4)]

    check_urls(urls, settings=settings)

    assert server.state.max_in_flight == 1


@pytest.mark.django_db
def test_links_check_records_each_result_on_its_resource(server):
    ok = ResourceFactory(url=server.url + "/ok")
    moved = ResourceFactory(url=server.url + "/moved")
    missing = ResourceFactory(url=server.url + "/missing")
    refused = ResourceFactory(url=server.url + "/forbidden")
    updated_at = ok.updated_at

    report = links_check(settings=FAST)

    ok.refresh_from_db()
    assert (ok.link_result, ok.link_status, ok.link_failures) == ("ok", 200, 0)
    assert ok.link_checked_at is not None
    assert ok.updated_at == updated_at  # a check is not an edit
    moved.refresh_from_db()
    assert (moved.link_result, moved.link_final_url) == ("redirected", server.url + "/ok")
    missing.refresh_from_db()
    assert (missing.link_result, missing.link_status, missing.link_failures) == ("error", 404, 1)
    assert missing.link_detail == "HTTP 404"
    refused.refresh_from_db()
    assert (refused.link_result, refused.link_failures) == ("unknown", 0)
    assert report.results == {"ok": 1, "redirected": 1, "error": 1, "unknown": 1}
    assert report.redirected == [(moved.slug, moved.url, server.url + "/ok")]


@pytest.mark.django_db
def test_links_check_marks_a_link_broken_after_three_failures_and_a_success_resets(server):
    resource = ResourceFactory(url=server.url + "/missing")

    for _ in range(2):
        links_check(settings=FAST)
    resource.refresh_from_db()
    assert (resource.link_failures, resource.link_broken) == (2, False)

    report = links_check(settings=FAST)
    resource.refresh_from_db()
    assert (resource.link_failures, resource.link_broken) == (3, True)
    assert report.newly_broken == [resource.slug]
    assert list(Resource.objects.link_broken()) == [resource]

    Resource.objects.filter(pk=resource.pk).update(url=server.url + "/ok")
    links_check(settings=FAST)
    resource.refresh_from_db()
    assert (resource.link_failures, resource.link_broken, resource.link_result) == (0, False, "ok")


@pytest.mark.django_db
def test_links_check_result_shows_at_once_on_cached_pages(server, client):
    resource = ResourceFactory(url=server.url + "/missing")
    Resource.objects.filter(pk=resource.pk).update(link_failures=2)
    client.get(resource.get_absolute_url())
    assert client.get(resource.get_absolute_url())["X-Cache"] == "hit"

    links_check(settings=FAST)

    page = client.get(resource.get_absolute_url())
    assert page["X-Cache"] == "miss"
    assert "link may be broken" in page.content.decode().lower()


@pytest.mark.django_db
def test_links_check_unknown_answer_keeps_the_failure_count(server):
    resource = ResourceFactory(url=server.url + "/throttled")
    Resource.objects.filter(pk=resource.pk).update(link_failures=2)

    links_check(settings=FAST)

    resource.refresh_from_db()
    assert (resource.link_result, resource.link_failures) == ("unknown", 2)


@pytest.mark.django_db
def test_links_check_skips_archived_resources_but_checks_drafts(server):
    draft = ResourceFactory(url=server.url + "/ok", draft=True)
    archived = ResourceFactory(url=server.url + "/missing", archived=True)

    links_check(settings=FAST)

    draft.refresh_from_db()
    archived.refresh_from_db()
    assert draft.link_result == "ok"
    assert archived.link_checked_at is None


@pytest.mark.django_db
def test_check_links_command_prints_a_summary_without_a_progress_bar_when_piped(server):
    ResourceFactory(url=server.url + "/ok")
    ResourceFactory(url=server.url + "/moved")
    out = StringIO()

    call_command("check_links", "--timeout", "0.5", "--retries", "0", stdout=out)

    output = out.getvalue()
    assert "checked 2 link(s)" in output
    assert "1 ok, 1 redirected, 0 error, 0 timeout, 0 unknown" in output
    assert f"-> {server.url}/ok" in output
    assert "\r" not in output


@pytest.mark.django_db
def test_check_links_command_checks_only_the_named_resources(server):
    named = ResourceFactory(url=server.url + "/ok")
    other = ResourceFactory(url=server.url + "/missing")

    call_command("check_links", named.slug, "--timeout", "0.5", stdout=StringIO())

    other.refresh_from_db()
    assert other.link_checked_at is None
    with pytest.raises(CommandError, match="No resource has the slug nope"):
        call_command("check_links", "nope", stdout=StringIO())
