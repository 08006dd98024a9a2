"""
Link health: check that each resource's URL still answers, and remember how it went.

Every request goes through the outbound client (``catalog.sources.http``), so
links to non-public addresses are refused and each request has one total
time-out. The network part (``check_urls``) runs in a bounded thread pool and
never sends more than ``per_host`` requests at a time to one host. Each URL
gets a HEAD request, and a GET when HEAD fails in any way but a time-out (many
servers refuse or mishandle HEAD). Time-outs, 5xx answers and connection errors
are retried with exponential backoff.

Results:
- ``ok``: a 2xx answer, perhaps after temporary redirects.
- ``redirected``: a 2xx answer after a permanent redirect (301/308); the URL it
  moved to is kept so a curator can update the resource.
- ``error``: any other 4xx or 5xx, a connection error, a redirect loop, a
  non-public address.
- ``timeout``: no answer within the time-out, on every try.
- ``unknown``: 401, 403 or 429, which say the checker was refused, not that the
  page is gone; and every link to a host kept in the link-check exceptions.

``links_check`` records each run as a ``LinkCheckRun``. A run in which the
checker itself seems cut off (the canary URL did not answer, or most links
failed at the name look-up or the connection, refused or timed out) is *inconclusive* and changes no
resource. Otherwise an error or a time-out counts as one failure when the last
counted failure is at least ``LINK_BROKEN_MIN_HOURS`` old (three make the link
broken), a success resets the count, and ``unknown`` leaves it as it was.
"""

import logging
import time
from collections import Counter, defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from catalog.cache import catalog_changed
from catalog.models import BROKEN_LINK_FAILURES, LinkCheckExemption, LinkCheckRun, Resource
from catalog.sources import http

logger = logging.getLogger(__name__)

OK, REDIRECTED, ERROR, TIMEOUT, UNKNOWN = (choice.value for choice in Resource.LinkResult)
PERMANENT_REDIRECTS = frozenset({301, 308})
INCONCLUSIVE_STATUSES = frozenset({401, 403, 429})
# A run is inconclusive when more than this share of its links could not be
# reached at all: one dead host is news, half the catalog's is the checker's outage.
UNREACHABLE_SHARE = 0.5


@dataclass(frozen=True)
class CheckSettings:
    timeout: float = 10.0  # seconds in all for one request, redirects included
    retries: int = 2  # further tries after a time-out, a 5xx or a connection error
    backoff: float = 0.5  # seconds before the first retry, doubled before each next one
    workers: int = 20  # requests in flight at most, over all hosts
    per_host: int = 2  # requests in flight at most to one host
    max_redirects: int = 10


@dataclass(frozen=True)
class Outcome:
    result: str
    status: int | None = None
    final_url: str = ""
    detail: str = ""
    retryable: bool = False
    unreachable: bool = False  # the server could not be reached at all (DNS, connection)

    @property
    def failed(self) -> bool:
        return self.result in (ERROR, TIMEOUT)

    @property
    def answered(self) -> bool:
        return self.result in (OK, REDIRECTED)


@dataclass
class LinkCheckReport:
    run: LinkCheckRun
    results: Counter = field(default_factory=Counter)
    newly_broken: list[str] = field(default_factory=list)
    redirected: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def __str__(self):
        checked = sum(self.results.values())
        lines = [
            f"checked {checked} link(s) in {self.seconds:.1f} s: "
            + ", ".join(f"{self.results[result]} {result}" for result in Resource.LinkResult)
        ]
        if self.run.inconclusive:
            lines.append(f"inconclusive, no resource changed: {self.run.note}")
            return "\n".join(lines)
        lines += [
            f"  moved: {slug}: {url} -> {final_url}" for slug, url, final_url in self.redirected
        ]
        lines += [f"  now broken: {slug}" for slug in self.newly_broken]
        return "\n".join(lines)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def check_urls(urls, *, settings: CheckSettings = CheckSettings(), on_result=None):
    """
    Check every URL in ``urls``; return ``{url: Outcome}``. ``on_result(url,
    outcome)`` is called in this thread as each one finishes.
    """
    pending: dict[str, deque] = defaultdict(deque)
    for url in dict.fromkeys(urls):
        pending[host_of(url)].append(url)
    hosts = deque(pending)
    in_flight: Counter = Counter()
    outcomes: dict[str, Outcome] = {}
    with ThreadPoolExecutor(settings.workers, thread_name_prefix="link-check") as pool:
        running = {}

        def start_more():
            # Round-robin over hosts, skipping those already at their limit.
            while len(running) < settings.workers and hosts:
                for _ in range(len(hosts)):
                    host = hosts[0]
                    hosts.rotate(-1)
                    if in_flight[host] < settings.per_host:
                        url = pending[host].popleft()
                        if not pending[host]:
                            hosts.remove(host)
                        in_flight[host] += 1
                        running[pool.submit(check_url, url, settings)] = (url, host)
                        break
                else:
                    return

        start_more()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                url, host = running.pop(future)
                in_flight[host] -= 1
                try:
                    outcome = future.result()
                except Exception as error:  # one bad URL must not stop the run
                    outcome = Outcome(ERROR, detail=f"checker failed: {error!r}"[:200])
                outcomes[url] = outcome
                if on_result:
                    on_result(url, outcome)
            start_more()
    return outcomes


def check_url(url: str, settings: CheckSettings = CheckSettings()) -> Outcome:
    """One URL, with retries: HEAD, then GET when HEAD fails other than by timing out."""
    outcome = Outcome(ERROR, detail="not checked")
    for attempt in range(settings.retries + 1):
        if attempt:
            time.sleep(settings.backoff * 2 ** (attempt - 1))
        outcome = _request("HEAD", url, settings)
        if not outcome.answered and outcome.result != TIMEOUT:
            outcome = _request("GET", url, settings)
        if not outcome.retryable:
            break
    return outcome


def url_answers(url: str, *, timeout: float = 10.0) -> tuple[bool, str]:
    """
    Whether ``url`` answers with a page (after redirects), and a short detail
    such as "HTTP 200" or "timed out": the proposal checks' question.
    """
    outcome = check_url(url, CheckSettings(timeout=timeout, retries=0))
    if outcome.answered:
        moved = f", moved to {outcome.final_url}" if outcome.final_url else ""
        return True, f"HTTP {outcome.status}{moved}"
    if outcome.result == TIMEOUT:
        return False, "timed out"
    return False, outcome.detail or f"HTTP {outcome.status}"


def _request(method: str, url: str, settings: CheckSettings) -> Outcome:
    # max_bytes=0: the headers say all a check needs, the body is never read.
    result = http.fetch(
        url,
        method=method,
        deadline=settings.timeout,
        max_bytes=0,
        max_redirects=settings.max_redirects,
    )
    if result.outcome is http.Outcome.ANSWERED:
        return _classify(result)
    if result.outcome is http.Outcome.TIMEOUT:
        return Outcome(
            TIMEOUT,
            detail=f"no answer in time ({method})",
            retryable=True,
            unreachable=result.unreachable,  # no connection at all, not a slow server
        )
    return Outcome(
        ERROR,
        detail=result.detail,
        retryable=result.outcome in _RETRYABLE,
        unreachable=result.unreachable,
    )


_RETRYABLE = frozenset(
    {http.Outcome.DNS_ERROR, http.Outcome.CONNECT_ERROR, http.Outcome.PROTOCOL_ERROR}
)


def _classify(result: http.FetchResult) -> Outcome:
    status = result.status
    if 200 <= status < 300:
        permanent = 0
        for hop in result.redirects:
            if hop.status not in PERMANENT_REDIRECTS:
                break
            permanent += 1
        if permanent:
            # Where the permanent redirects lead: the URL to update the resource to.
            moved_to = (
                result.redirects[permanent].url
                if permanent < len(result.redirects)
                else result.final_url
            )
            return Outcome(REDIRECTED, status, final_url=moved_to[:500])
        return Outcome(OK, status)
    if status in INCONCLUSIVE_STATUSES:
        return Outcome(UNKNOWN, status, detail=f"HTTP {status}: access refused or rate-limited")
    if status >= 500:
        return Outcome(ERROR, status, detail=f"HTTP {status}", retryable=True)
    if status >= 400:
        return Outcome(ERROR, status, detail=f"HTTP {status}")
    return Outcome(UNKNOWN, status, detail=f"HTTP {status} without a usable redirect")


def links_check(
    *, resources=None, settings: CheckSettings = CheckSettings(), on_progress=None
) -> LinkCheckReport:
    """
    Check the links of ``resources`` (default: every published and draft
    resource), record the run, and, unless it was inconclusive, each result on
    its resource. Returns a report.
    """
    run = LinkCheckRun.objects.create()
    report = LinkCheckReport(run=run)
    started = time.monotonic()
    if resources is None:
        resources = Resource.objects.exclude(status=Resource.Status.ARCHIVED)
    rows = list(
        resources.order_by("pk").values_list(
            "pk", "slug", "url", "link_failures", "link_failure_counted_at"
        )
    )
    by_url = defaultdict(list)
    for row in rows:
        by_url[row[2]].append(row)

    canary = django_settings.LINK_CHECK_CANARY_URL
    if canary and not (answer := http.fetch(canary, deadline=settings.timeout, max_bytes=0)).ok:
        return _finish(
            report, started, inconclusive=f"the canary {canary} did not answer: {_said(answer)}"
        )

    exemptions = list(LinkCheckExemption.objects.all())
    outcomes: dict[str, Outcome] = {}
    to_check = []
    for url in by_url:
        if exemption := next((e for e in exemptions if e.covers(host_of(url))), None):
            note = f"not checked: {exemption.domain} is a link-check exception"
            outcomes[url] = Outcome(UNKNOWN, detail=note)
        else:
            to_check.append(url)
    total, done = len(rows), 0

    def progress(url, outcome):
        nonlocal done
        done += len(by_url[url])
        if on_progress:
            on_progress(done, total)

    for url, outcome in outcomes.items():
        progress(url, outcome)
    outcomes.update(check_urls(to_check, settings=settings, on_result=progress))

    for url, outcome in outcomes.items():
        report.results[outcome.result] += len(by_url[url])
    unreachable = sum(len(by_url[url]) for url, o in outcomes.items() if o.unreachable)
    run.unreachable = unreachable
    if to_check and unreachable > UNREACHABLE_SHARE * sum(len(by_url[u]) for u in to_check):
        return _finish(
            report,
            started,
            inconclusive=(
                f"{unreachable} of {len(rows)} links could not be reached at all "
                "(name look-up or connection): the checker's own network is the likelier fault"
            ),
        )

    with transaction.atomic():
        for url, outcome in outcomes.items():
            for pk, slug, _, failures, counted_at in by_url[url]:
                if _save_outcome(pk, outcome, failures, counted_at, run.started_at):
                    report.newly_broken.append(slug)
                if outcome.result == REDIRECTED:
                    report.redirected.append((slug, url, outcome.final_url))
    if rows:
        catalog_changed()  # pages and the API show link health: let them show the new one
    return _finish(report, started)


def _said(result: http.FetchResult) -> str:
    return result.detail or f"HTTP {result.status}"


def _finish(report: LinkCheckReport, started: float, *, inconclusive: str = "") -> LinkCheckReport:
    run = report.run
    run.finished_at = timezone.now()
    run.inconclusive = bool(inconclusive)
    run.note = inconclusive[:300]
    run.checked = sum(report.results.values())
    for result in Resource.LinkResult:
        setattr(run, result.value, report.results[result.value])
    run.newly_broken = len(report.newly_broken)
    run.save()
    if inconclusive:
        logger.warning("Link check run %s inconclusive: %s", run.pk, inconclusive)
    report.seconds = time.monotonic() - started
    return report


def _save_outcome(pk: int, outcome: Outcome, failures: int, counted_at, run_started) -> bool:
    """Write one resource's result; return whether this made its link broken."""
    now = timezone.now()
    values = {
        "link_checked_at": now,
        "link_status": outcome.status,
        "link_result": outcome.result,
        "link_detail": outcome.detail[:200],
        "link_final_url": outcome.final_url,
    }
    newly_broken = False
    if outcome.failed:
        if counted_at is None or run_started - counted_at >= _min_gap():
            values["link_failures"] = failures + 1
            values["link_failure_counted_at"] = run_started
            newly_broken = failures + 1 == BROKEN_LINK_FAILURES
    elif outcome.answered:
        values.update(link_failures=0, link_failure_counted_at=None, link_confirmed_at=now)
    # update(), not save(): a check is not an edit, so neither updated_at nor the
    # search index change.
    Resource.objects.filter(pk=pk).update(**values)
    return newly_broken


def _min_gap() -> timedelta:
    # Runs are compared by their start times, with 5% slack: a nightly run that
    # starts a minute earlier than yesterday's still counts as a separate day.
    return timedelta(hours=django_settings.LINK_BROKEN_MIN_HOURS) * 0.95
