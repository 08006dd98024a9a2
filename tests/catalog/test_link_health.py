"""
Link health that survives outages: runs in which the checker is cut off change
nothing, a link is broken only after failures on three separate checks, and
every run is kept for the admin.
"""

import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from catalog.models import LinkCheckExemption, LinkCheckRun, Resource
from catalog.sources.link_check import CheckSettings, links_check
from tests.factories import ResourceFactory
from tests.local_http import PUBLIC, FakeNetwork, LocalServer, ServerState, black_hole

pytestmark = pytest.mark.django_db

FAST = CheckSettings(timeout=0.5, retries=0, backoff=0.0)


@pytest.fixture(scope="module")
def server():
    started = LocalServer("127.0.0.1", ServerState()).start()
    yield started
    started.stop()


@pytest.fixture
def offline(monkeypatch):
    """No name resolves, as on a machine whose network is down."""

    def getaddrinfo(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def closed_port() -> int:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    return port


def check_links(*args):
    out = StringIO()
    call_command("check_links", "--timeout", "0.5", "--retries", "0", *args, stdout=out)
    return out.getvalue()


def test_three_runs_with_the_network_unreachable_break_nothing(offline, staff_client):
    resources = [ResourceFactory(url=f"https://example.org/paper-{n}") for n in range(5)]

    outputs = [check_links() for _ in range(3)]

    assert Resource.objects.link_broken().count() == 0
    for resource in resources:
        resource.refresh_from_db()
        assert (resource.link_failures, resource.link_checked_at) == (0, None)
    runs = LinkCheckRun.objects.all()
    assert [run.inconclusive for run in runs] == [True, True, True]
    assert all(run.unreachable == 5 and run.error == 5 for run in runs)
    assert "inconclusive, no resource changed" in outputs[-1]
    page = staff_client.get(reverse("admin:catalog_linkcheckrun_changelist")).content.decode()
    assert page.count("could not be reached at all") == 3


def test_a_failing_canary_makes_the_run_inconclusive_before_any_link_is_asked(server, settings):
    server.state.reset()
    settings.LINK_CHECK_CANARY_URL = f"http://127.0.0.1:{closed_port()}/"
    resource = ResourceFactory(url=server.url + "/missing")

    links_check(settings=FAST)

    run = LinkCheckRun.objects.get()
    assert run.inconclusive and "canary" in run.note
    assert server.state.hits == []
    resource.refresh_from_db()
    assert resource.link_checked_at is None


def test_an_answering_canary_lets_the_run_count(server, settings):
    settings.LINK_CHECK_CANARY_URL = server.url + "/ok"
    resource = ResourceFactory(url=server.url + "/missing")

    links_check(settings=FAST)

    assert not LinkCheckRun.objects.get().inconclusive
    resource.refresh_from_db()
    assert resource.link_failures == 1


def test_one_dead_host_among_live_ones_is_a_conclusive_failure(server):
    dead = ResourceFactory(url=f"http://127.0.0.1:{closed_port()}/gone")
    for number in range(3):
        ResourceFactory(url=f"{server.url}/ok?n={number}")

    links_check(settings=FAST)

    run = LinkCheckRun.objects.get()
    assert (run.inconclusive, run.unreachable, run.ok, run.error) == (False, 1, 3, 1)
    dead.refresh_from_db()
    assert (dead.link_result, dead.link_failures) == ("error", 1)


def test_with_a_server_answering_404_breaks_on_the_third_run_429_stays_unknown_301_redirects(
    server,
):
    missing = ResourceFactory(url=server.url + "/missing")
    throttled = ResourceFactory(url=server.url + "/throttled")
    moved = ResourceFactory(url=server.url + "/moved")

    for expected_failures in (1, 2):
        check_links()
        missing.refresh_from_db()
        assert (missing.link_failures, missing.link_broken) == (expected_failures, False)
    output = check_links()

    missing.refresh_from_db()
    throttled.refresh_from_db()
    moved.refresh_from_db()
    assert missing.link_broken and missing.link_result == "error"
    assert f"now broken: {missing.slug}" in output
    assert (throttled.link_result, throttled.link_failures, throttled.link_broken) == (
        "unknown",
        0,
        False,
    )
    assert (moved.link_result, moved.link_final_url) == ("redirected", server.url + "/ok")
    runs = LinkCheckRun.objects.all()
    assert [run.inconclusive for run in runs] == [False, False, False]
    assert runs[0].newly_broken == 1


def test_failures_count_once_per_gap(server, settings):
    settings.LINK_BROKEN_MIN_HOURS = 24
    resource = ResourceFactory(url=server.url + "/missing")

    for _ in range(3):
        links_check(settings=FAST)
    resource.refresh_from_db()
    assert (resource.link_failures, resource.link_result) == (1, "error")

    # A day later (a nightly run starting a little earlier than the last counts too).
    day_ago = timezone.now() - timedelta(hours=23, minutes=30)
    Resource.objects.filter(pk=resource.pk).update(link_failure_counted_at=day_ago)
    links_check(settings=FAST)
    resource.refresh_from_db()
    assert resource.link_failures == 2


def test_a_success_confirms_the_link_and_resets_the_count(server, client, staff_user):
    resource = ResourceFactory(url=server.url + "/ok")
    Resource.objects.filter(pk=resource.pk).update(link_failures=2)

    links_check(settings=FAST)

    resource.refresh_from_db()
    assert resource.link_failures == 0 and resource.link_confirmed_at is not None
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Link last confirmed on <time" in page
    assert f"{resource.link_confirmed_at:%-d %B %Y}</time>" in page
    client.force_login(staff_user)
    change = reverse("admin:catalog_resource_change", args=[resource.pk])
    assert "Link last confirmed" in client.get(change).content.decode()


def test_links_to_an_excepted_host_are_unknown_and_never_asked(server):
    server.state.reset()
    LinkCheckExemption.objects.create(domain="127.0.0.1", reason="refuses robots")
    resource = ResourceFactory(url=server.url + "/missing")
    Resource.objects.filter(pk=resource.pk).update(link_failures=2)

    links_check(settings=FAST)

    resource.refresh_from_db()
    assert (resource.link_result, resource.link_failures) == ("unknown", 2)
    assert "link-check exception" in resource.link_detail
    assert server.state.hits == []


def test_exemption_covers_subdomains_and_is_normalised():
    exemption = LinkCheckExemption(domain=" WWW.Example.org. ")
    exemption.full_clean()

    assert exemption.domain == "example.org"
    assert exemption.covers("docs.example.org") and exemption.covers("example.org")
    assert not exemption.covers("notexample.org")


def test_link_check_runs_are_read_only_in_the_admin(staff_client):
    run = LinkCheckRun.objects.create(checked=3, ok=3, finished_at=timezone.now())

    assert staff_client.get(reverse("admin:catalog_linkcheckrun_add")).status_code == 403
    page = staff_client.get(reverse("admin:catalog_linkcheckrun_change", args=[run.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in content


def test_exemptions_are_kept_in_the_admin(staff_client):
    response = staff_client.post(
        reverse("admin:catalog_linkcheckexemption_add"),
        {"domain": "Example.org", "reason": "refuses robots"},
    )

    assert response.status_code == 302
    assert LinkCheckExemption.objects.get().domain == "example.org"


def test_check_links_can_leave_the_run_to_the_task_worker(server):
    resource = ResourceFactory(url=server.url + "/ok")

    # Tests run tasks where they are queued, so the run is over when this returns.
    output = check_links("--enqueue")

    assert "Queued the link check" in output
    assert LinkCheckRun.objects.get().ok == 1
    resource.refresh_from_db()
    assert resource.link_result == "ok"


def test_check_links_never_asks_a_non_public_address(server, settings, monkeypatch):
    settings.FETCH_ALLOW_PRIVATE_NETWORKS = False
    server.state.reset()
    on_loopback = ResourceFactory(url=server.url + "/ok")
    FakeNetwork(monkeypatch, answers=[PUBLIC], route_to=server)
    port = server.server_address[1]
    redirecting = ResourceFactory(
        url=f"http://public.example:{port}/redirect?to=http://127.0.0.1:{port}/ok"
    )

    check_links()

    on_loopback.refresh_from_db()
    redirecting.refresh_from_db()
    assert (on_loopback.link_result, on_loopback.link_status) == ("error", None)
    assert "not a public address" in on_loopback.link_detail
    assert (redirecting.link_result, redirecting.link_status) == ("error", None)
    assert server.state.hits_for("/ok") == []


def test_three_runs_with_outbound_traffic_black_holed_break_nothing(monkeypatch):
    black_hole(monkeypatch)
    resources = [ResourceFactory(url=f"https://example.org/tool-{n}") for n in range(4)]

    for _ in range(3):
        check_links("--timeout", "0.3")

    assert Resource.objects.link_broken().count() == 0
    for resource in resources:
        resource.refresh_from_db()
        assert (resource.link_failures, resource.link_checked_at) == (0, None)
    runs = LinkCheckRun.objects.all()
    assert [(run.inconclusive, run.timeout, run.unreachable) for run in runs] == [(True, 4, 4)] * 3
