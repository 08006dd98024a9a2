"""
Link health: check that each resource's URL still answers, and remember how it went.

The network part (``check_urls``) runs in a bounded thread pool and never sends
more than ``per_host`` requests at a time to one host. Each URL gets a HEAD
request, and a GET when HEAD fails in any way but a time-out (many servers
refuse or mishandle HEAD). Redirects are followed. Time-outs, 5xx answers and
connection errors are retried with exponential backoff.

Results:
- ``ok``: a 2xx answer, perhaps after temporary redirects.
- ``redirected``: a 2xx answer after a permanent redirect (301/308); the URL it
  moved to is kept so a curator can update the resource.
- ``error``: any other 4xx or 5xx, a connection error, a redirect loop.
- ``timeout``: no answer within the time-out, on every try.
- ``unknown``: 401, 403 or 429, which say the checker was refused, not that the
  page is gone.

``links_check`` writes the results in the calling thread: an error or a
time-out adds one to the resource's consecutive failures (three make it
broken), a success resets them, and ``unknown`` leaves them as they were.
"""

import logging
import time
from collections import Counter, defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from django.db.models import F
from django.utils import timezone

from catalog.cache import catalog_changed
from catalog.models import BROKEN_LINK_FAILURES, Resource

OK, REDIRECTED, ERROR, TIMEOUT, UNKNOWN = (choice.value for choice in Resource.LinkResult)
PERMANENT_REDIRECTS = frozenset({301, 308})
INCONCLUSIVE_STATUSES = frozenset({401, 403, 429})
USER_AGENT = "awesome-link-check/1.0 (+checks that catalog links still answer)"

# httpx logs every request at INFO: thousands of lines per run, none of them news.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass(frozen=True)
class CheckSettings:
    timeout: float = 10.0  # seconds, for connecting and for each read
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

    @property
    def failed(self) -> bool:
        return self.result in (ERROR, TIMEOUT)


@dataclass
class LinkCheckReport:
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
    client = httpx.Client(
        timeout=settings.timeout,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
        limits=httpx.Limits(
            max_connections=settings.workers, max_keepalive_connections=settings.workers
        ),
    )
    with client, ThreadPoolExecutor(settings.workers, thread_name_prefix="link-check") as pool:
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
                        running[pool.submit(check_url, client, url, settings)] = (url, host)
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


def check_url(client: httpx.Client, url: str, settings: CheckSettings) -> Outcome:
    """One URL, with retries: HEAD, then GET when HEAD fails other than by timing out."""
    outcome = Outcome(ERROR, detail="not checked")
    for attempt in range(settings.retries + 1):
        if attempt:
            time.sleep(settings.backoff * 2 ** (attempt - 1))
        outcome = _request(client, "HEAD", url)
        if outcome.result not in (OK, REDIRECTED) and outcome.result != TIMEOUT:
            outcome = _request(client, "GET", url)
        if not outcome.retryable:
            break
    return outcome


def _request(client: httpx.Client, method: str, url: str) -> Outcome:
    try:
        # A stream, so that a GET reads the headers and never the body.
        with client.stream(method, url, follow_redirects=True) as response:
            return _classify(response)
    except httpx.TimeoutException:
        return Outcome(TIMEOUT, detail=f"no answer in time ({method})", retryable=True)
    except httpx.TooManyRedirects:
        return Outcome(ERROR, detail="too many redirects")
    except httpx.TransportError as error:
        unsupported = isinstance(error, httpx.UnsupportedProtocol)
        return Outcome(ERROR, detail=_describe(error), retryable=not unsupported)
    except (httpx.InvalidURL, httpx.HTTPError, ValueError) as error:
        return Outcome(ERROR, detail=_describe(error))


def _classify(response: httpx.Response) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        permanent = 0
        for earlier in response.history:
            if earlier.status_code not in PERMANENT_REDIRECTS:
                break
            permanent += 1
        if permanent:
            # Where the permanent redirects lead: the URL to update the resource to.
            moved_to = (
                response.history[permanent].url
                if permanent < len(response.history)
                else response.url
            )
            return Outcome(REDIRECTED, status, final_url=str(moved_to)[:500])
        return Outcome(OK, status)
    if status in INCONCLUSIVE_STATUSES:
        return Outcome(UNKNOWN, status, detail=f"HTTP {status}: access refused or rate-limited")
    if status >= 500:
        return Outcome(ERROR, status, detail=f"HTTP {status}", retryable=True)
    if status >= 400:
        return Outcome(ERROR, status, detail=f"HTTP {status}")
    return Outcome(UNKNOWN, status, detail=f"HTTP {status} without a usable redirect")


def _describe(error: Exception) -> str:
    return (f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)[:200]


def links_check(
    *, resources=None, settings: CheckSettings = CheckSettings(), on_progress=None
) -> LinkCheckReport:
    """
    Check the links of ``resources`` (default: every published and draft
    resource) and record each result on its resource. Returns a report.
    """
    if resources is None:
        resources = Resource.objects.exclude(status=Resource.Status.ARCHIVED)
    rows = list(resources.order_by("pk").values_list("pk", "slug", "url", "link_failures"))
    by_url = defaultdict(list)
    for pk, slug, url, failures in rows:
        by_url[url].append((pk, slug, failures))
    report = LinkCheckReport()
    total, done = len(rows), 0
    started = time.monotonic()

    def record(url, outcome):  # called in this thread, so database writes stay here
        nonlocal done
        for pk, slug, failures in by_url[url]:
            _save_outcome(pk, outcome)
            report.results[outcome.result] += 1
            if outcome.result == REDIRECTED:
                report.redirected.append((slug, url, outcome.final_url))
            if outcome.failed and failures + 1 == BROKEN_LINK_FAILURES:
                report.newly_broken.append(slug)
            done += 1
            if on_progress:
                on_progress(done, total)

    check_urls(by_url, settings=settings, on_result=record)
    if rows:
        catalog_changed()  # pages and the API show link health: let them show the new one
    report.seconds = time.monotonic() - started
    return report


def _save_outcome(pk: int, outcome: Outcome) -> None:
    if outcome.failed:
        failures = F("link_failures") + 1
    elif outcome.result == UNKNOWN:
        failures = F("link_failures")
    else:
        failures = 0
    # update(), not save(): a check is not an edit, so neither updated_at nor the
    # search index change.
    Resource.objects.filter(pk=pk).update(
        link_checked_at=timezone.now(),
        link_status=outcome.status,
        link_result=outcome.result,
        link_detail=outcome.detail,
        link_final_url=outcome.final_url,
        link_failures=failures,
    )
