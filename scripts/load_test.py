"""
Load and fault test: `make load-test` (or `python scripts/load_test.py --help`).

Serves the starting catalog with gunicorn and the production settings on
loopback, in a database of its own (SQLite, or PostgreSQL when DATABASE_URL
names a PostgreSQL server), then for --seconds (default 60):

- wrk sends mixed read traffic over --connections (default 50) connections:
  home, browse with filters, search, tag, category and resource pages, feeds,
  and list requests that miss the page cache;
- submitters log in and send proposals through the real form, while a
  moderator approves them through the admin action;
- halfway through, gunicorn is told to restart its workers (SIGHUP); reads
  before and after that moment are reported apart.

Before that, the same reads run for --baseline-seconds (default: --seconds)
with no writes at all, so that the report compares reads under writes with
reads alone.

With --instances 2, two gunicorn instances serve the same database and the
same cache (DATABASE_URL on PostgreSQL and REDIS_URL, as two machines would):
reads are spread over both, proposals are sent and approved through the first,
and after each approval the second instance's anonymous list is polled until
the newest approved title shows; the report gives the longest delay.

It then checks that no request failed, that every proposal the site
acknowledged is stored, that every approved one became exactly one resource,
and (two instances) that every approval showed on the other instance within
a second. It exits non-zero when any check fails. It is a script, not a test
of the suite: it takes a few minutes and needs wrk.
"""

import argparse
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "load-test-" + secrets.token_urlsafe(12)
SUBMITTERS = 4
# An approval must show on the other instance within this many seconds.
VISIBILITY_LIMIT = 1.0

READ_PATHS = [
    "/",
    "/resources/",
    "/resources/?tag=circuits&tag=gpt-2",
    "/resources/?category=papers&year_min=2023",
    "/resources/?q=sparse+autoencoder",
    "/tags/",
    "/tags/circuits/",
    "/categories/tools/",
    "/groups/eleutherai/",
    "/resources/toy-models-of-superposition/",
    "/resources/pythia/",
    "/feeds/latest.rss",
    "/sitemap.xml",
]
WRK_SCRIPT = """
local paths = {PATHS}
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  if counter % 10 == 0 then
    -- a list request that misses the page cache
    path = "/resources/?sort=title&page=" .. (counter % 4 + 1) .. "&n=" .. math.random(1, 1e9)
  end
  return wrk.format(nil, path)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("LOAD %d %d %d %d %d %d %d %.2f %.2f\\n", summary.requests,
    summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
""".replace("PATHS", ", ".join(f'"{path}"' for path in READ_PATHS))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(environment, *arguments, stdin=None) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *arguments], cwd=PROJECT_DIR, env=environment, input=stdin,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fresh_database() -> str:
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urllib.parse.urlsplit(configured)
        admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
        subprocess.run(
            ["psql", admin_url, "-qc", "DROP DATABASE IF EXISTS awesome_load"], check=True
        )
        subprocess.run(["psql", admin_url, "-qc", "CREATE DATABASE awesome_load"], check=True)
        return urllib.parse.urlunsplit(parts._replace(path="/awesome_load"))
    path = PROJECT_DIR / "loadtest.sqlite3"
    for leftover in PROJECT_DIR.glob("loadtest.sqlite3*"):
        leftover.unlink()
    return f"sqlite:///{path}"


SETUP_USERS = f"""
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
User = get_user_model()
moderator = User.objects.create_superuser("load-moderator", "moderator@example.org", "{PASSWORD}")
moderator.groups.add(Group.objects.get(name="Moderators"))
for number in range({SUBMITTERS}):
    user = User.objects.create_user(
        f"load-submitter-{{number}}", f"s{{number}}@example.org", "{PASSWORD}"
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
"""


class Browser:
    """A visitor with cookies, speaking HTTP to the site like a browser's form posts."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def get(self, path):
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return response.status, response.read().decode()

    def post(self, path, fields):
        """POST a form with the CSRF token of the page at ``path``; returns (status, Location)."""
        _, page = self.get(path)
        token = html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1])
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}, doseq=True).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, headers={"Referer": self.base_url + path}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", "")

    def log_in(self, username, login_path="/accounts/login/"):
        # "login" for the site's form, "username" for the admin's.
        fields = {"login": username, "username": username, "password": PASSWORD}
        status, _ = self.post(login_path, fields)
        if status != 302:
            sys.exit(f"{username} could not log in (HTTP {status}).")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def submitter(browser, number, category_id, stop, ledger, lock):
    sent = 0
    while not stop.is_set():
        sent += 1
        url = f"https://load.example.org/submitter-{number}/work-{sent}"
        fields = {
            "url": url,
            "title": f"Load test work {number}-{sent}",
            "description": "A proposal sent while the site is under load.",
            "category": category_id,
            "tags": "load-test, circuits",
            "year": "2024",
        }
        try:
            status, location = browser.post("/submit/", fields)
        except OSError as error:
            with lock:
                ledger["failed"].append((url, repr(error)))
            continue
        with lock:
            if status == 302 and location.startswith("/proposals/"):
                ledger["acknowledged"].append(url)
            else:
                ledger["failed"].append((url, f"HTTP {status}"))


APPROVE_PATH = "/admin/submissions/submission/"


def approval(ids) -> dict:
    # "apply": the answer to the action's confirmation page, approving at once.
    return {"action": "approve", "_selected_action": ids, "apply": "1"}


def moderator(browser, stop, ledger, lock, pending, other_url=None):
    while not stop.is_set():
        proposals = pending()
        if not proposals:
            time.sleep(0.2)
            continue
        ids = [pk for pk, _ in proposals]
        try:
            status, _ = browser.post(APPROVE_PATH, approval(ids))
        except OSError as error:
            with lock:
                ledger["approval_errors"].append(repr(error))
            continue
        approved_at = time.monotonic()
        with lock:
            ledger["approval_rounds"] += 1
            if status != 302:
                ledger["approval_errors"].append(f"HTTP {status}")
        if other_url is not None and status == 302:
            # The newest approved title, on the other instance's anonymous list.
            delay = shown_after(other_url, proposals[-1][1], approved_at)
            with lock:
                ledger["visibility"].append(delay)
        time.sleep(0.5)


def shown_after(base_url, title, since, give_up=10.0):
    """Seconds from ``since`` until ``title`` shows on the list at ``base_url`` (anonymous)."""
    needle = html.escape(title)
    while time.monotonic() - since < give_up:
        try:
            with urllib.request.urlopen(base_url + "/resources/", timeout=10) as response:
                if needle in response.read().decode():
                    return time.monotonic() - since
        except OSError:
            pass
        time.sleep(0.02)
    return float("inf")


# With --access-log: when each request ended, its worker, address, status, time
# taken in the worker (microseconds) and page cache outcome, to find slow requests.
ACCESS_LOG_FORMAT = '%(t)s %(p)s "%(U)s%(q)s" %(s)s %(D)s %({x-cache}o)s'


def start_server(environment, port, log, access_log=None):
    access = ["--access-logfile", "/dev/null"]
    if access_log:
        access = ["--access-logfile", f"{access_log}.{port}", "--access-logformat",
                  ACCESS_LOG_FORMAT]  # fmt: skip
    return subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         *access, "awesome.wsgi"],
        cwd=PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_until_serving(base_url):
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base_url}/healthz/", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{base_url} did not start")


def read_load(base_urls, seconds, connections, script):
    """wrk on every instance at once, the connections shared out among them."""
    share = max(1, connections // len(base_urls))
    command = ["wrk", "-t2", f"-c{share}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    return [
        subprocess.Popen([*command, base_url], stdout=subprocess.PIPE, text=True)
        for base_url in base_urls
    ]


def read_results(loads):
    results = []
    for load in loads:
        output, _ = load.communicate()
        requests, duration, connect, read, write, status, timeout, p50, p99 = re.search(
            r"LOAD (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", output
        ).groups()
        results.append(
            {
                "requests": int(requests),
                "seconds": int(duration) / 1e6,
                "errors": {
                    "connect": int(connect),
                    "read": int(read),
                    "write": int(write),
                    "HTTP": int(status),
                    "timeout": int(timeout),
                },
                "p50": float(p50),
                "p99": float(p99),
            }
        )
    return results


def describe(results, connections) -> str:
    requests = sum(result["requests"] for result in results)
    rate = sum(result["requests"] / result["seconds"] for result in results)
    errors = {
        name: sum(result["errors"][name] for result in results) for name in results[0]["errors"]
    }
    latencies = ", ".join(f"p50 {result['p50']} ms, p99 {result['p99']} ms" for result in results)
    per_instance = " (each instance)" if len(results) > 1 else ""
    return (
        f"{requests:,} requests ({rate:,.0f}/s) over {connections} connections, "
        f"{latencies}{per_instance}; errors: "
        + ", ".join(f"{name} {count}" for name, count in errors.items())
    )


def throughput(results) -> float:
    return sum(result["requests"] / result["seconds"] for result in results)


def read_errors(results) -> int:
    return sum(sum(result["errors"].values()) for result in results)


def empty_shared_pages(environment):
    """Drop the pages the run left in Redis (unique addresses would linger for minutes)."""
    if not environment.get("REDIS_URL"):
        return
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    for pattern in ("*:page:*", "*:render:*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--baseline-seconds",
        type=int,
        help="reads alone before the writes start (default: --seconds; 0: none)",
    )
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--instances",
        type=int,
        choices=(1, 2),
        default=1,
        help="gunicorn instances on the same database and cache (2: reads spread over both)",
    )
    parser.add_argument(
        "--access-log",
        help="write each instance's access log, with the time each request took, to PATH.PORT",
    )
    args = parser.parse_args()
    baseline_seconds = args.seconds if args.baseline_seconds is None else args.baseline_seconds
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    database_url = fresh_database()
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "ENV_FILE": "",
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SUBMISSIONS_DAILY_LIMIT": "100000",
        "SUBMISSIONS_PENDING_LIMIT": "100000",
        "LOG_LEVEL": "WARNING",
    }
    redis_url = environment.get("REDIS_URL", "")
    print(
        f"Database: {database_url}; cache: {redis_url or 'each process memory'}; "
        f"instances: {args.instances}",
        flush=True,
    )
    if args.instances == 2 and not (database_url.startswith("postgres") and redis_url):
        print("  (two instances are meant for PostgreSQL and Redis, as two machines would use)")
    manage(environment, "migrate", "--noinput", "-v", "0")
    manage(environment, "load_catalog")
    manage(environment, "collectstatic", "--noinput", "-v", "0")
    manage(environment, "shell", "-v", "0", stdin=SETUP_USERS)

    # This process reads the same database, to find pending proposals and check the outcome.
    os.environ.update(environment)
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awesome.settings")
    import django

    django.setup()
    from django.db import close_old_connections

    from catalog.models import Category, Resource
    from submissions.models import Submission

    def pending():
        close_old_connections()
        return list(Submission.objects.pending().order_by("pk").values_list("pk", "title")[:20])

    empty_shared_pages(environment)
    base_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(args.instances)]
    server_log_path = PROJECT_DIR / "loadtest-server.log"
    server_log = open(server_log_path, "w")  # noqa: SIM115 -- open while the servers run
    servers = [
        start_server(environment, int(url.rsplit(":", 1)[1]), server_log, args.access_log)
        for url in base_urls
    ]
    for url in base_urls:
        wait_until_serving(url)

    ledger = {
        "acknowledged": [],
        "failed": [],
        "approval_rounds": 0,
        "approval_errors": [],
        "visibility": [],
    }
    lock = threading.Lock()
    stop = threading.Event()
    category_id = str(Category.objects.get(slug="papers").pk)
    other_url = base_urls[1] if len(base_urls) > 1 else None
    # Everyone logs in before any measurement: hashing passwords is not what is measured.
    submitters = [Browser(base_urls[0]) for _ in range(SUBMITTERS)]
    for number, browser in enumerate(submitters):
        browser.log_in(f"load-submitter-{number}")
    moderator_browser = Browser(base_urls[0])
    moderator_browser.log_in("load-moderator", login_path="/admin/login/")
    workers = [
        threading.Thread(target=submitter, args=(browser, n, category_id, stop, ledger, lock))
        for n, browser in enumerate(submitters)
    ]
    workers.append(
        threading.Thread(
            target=moderator, args=(moderator_browser, stop, ledger, lock, pending, other_url)
        )
    )
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "mixed.lua"
        script.write_text(WRK_SCRIPT)
        baseline = None
        if baseline_seconds:
            print(f"Reads alone for {baseline_seconds} s", flush=True)
            baseline = read_results(
                read_load(base_urls, baseline_seconds, args.connections, script)
            )
        # Two halves: approvals alone, then approvals through a restart of the
        # workers, measured apart so that each says what it measures.
        half = max(1, args.seconds // 2)
        print(f"Reads, proposals and approvals for {half} s", flush=True)
        loads = read_load(base_urls, half, args.connections, script)
        for worker in workers:
            worker.start()
        under_writes = read_results(loads)
        print(
            f"The same for {half} s more, gunicorn's workers restarted (SIGHUP) at the start",
            flush=True,
        )
        loads = read_load(base_urls, half, args.connections, script)
        servers[0].send_signal(signal.SIGHUP)
        through_restart = read_results(loads)
    stop.set()
    for worker in workers:
        worker.join(timeout=60)
    # One last round, so that every proposal sent is decided.
    while proposals := pending():
        status, _ = moderator_browser.post(APPROVE_PATH, approval([pk for pk, _ in proposals]))
        if status != 302:
            sys.exit(f"The last approvals failed (HTTP {status}).")
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(timeout=30)
    server_log.close()
    empty_shared_pages(environment)

    close_old_connections()
    acknowledged = ledger["acknowledged"]
    stored = set(Submission.objects.filter(url__in=acknowledged).values_list("url", flat=True))
    approved = Submission.objects.filter(url__in=acknowledged, state=Submission.State.APPROVED)
    resources = Resource.objects.filter(url__in=acknowledged)
    duplicates = len(acknowledged) - len(set(acknowledged))

    if baseline is not None:
        print(f"\nReads alone: {describe(baseline, args.connections)}")
    print(f"Reads under writes: {describe(under_writes, args.connections)}")
    print(f"Reads under writes, through the restart: {describe(through_restart, args.connections)}")
    print(
        f"Proposals: {len(acknowledged)} acknowledged, {len(stored)} stored, "
        f"{len(ledger['failed'])} failed; {approved.count()} approved in "
        f"{ledger['approval_rounds']} admin actions during the load; "
        f"{resources.count()} resources created from them"
    )
    visibility = ledger["visibility"]
    if other_url is not None:
        longest = max(visibility, default=0.0)
        print(
            f"Approvals seen on the other instance: {len(visibility)}, after "
            f"{statistics.median(visibility) * 1000 if visibility else 0:.0f} ms at the median "
            f"and {longest * 1000:.0f} ms at the longest"
        )
    worst_p99 = max(result["p99"] for result in under_writes)
    goals = [f"read p99 under writes {worst_p99:.0f} ms (goal < 250 ms)"]
    if baseline is not None:
        ratio = throughput(under_writes) / throughput(baseline)
        goals.append(f"read throughput under writes {ratio:.2f} × reads alone (goal ≥ 0.5)")
    print("Goals: " + "; ".join(goals))
    print(
        "JSON: "
        + json.dumps(
            {
                "baseline": baseline,
                "under_writes": under_writes,
                "through_restart": through_restart,
                "visibility": visibility,
                "acknowledged": len(acknowledged),
            }
        )
    )

    problems = []
    if (
        read_errors(under_writes)
        or read_errors(through_restart)
        or (baseline is not None and read_errors(baseline))
    ):
        problems.append("read requests failed")
    if ledger["failed"]:
        problems.append(f"proposals failed: {ledger['failed'][:5]}")
    if ledger["approval_errors"]:
        problems.append(f"approvals failed: {ledger['approval_errors'][:5]}")
    if len(stored) != len(set(acknowledged)) or duplicates:
        problems.append(f"{len(set(acknowledged)) - len(stored)} acknowledged proposals were lost")
    if approved.count() != len(stored) or resources.count() != approved.count():
        problems.append("approved proposals and created resources do not match one to one")
    if not acknowledged:
        problems.append("no proposal was acknowledged")
    if other_url is not None and any(delay > VISIBILITY_LIMIT for delay in visibility):
        late = sum(1 for delay in visibility if delay > VISIBILITY_LIMIT)
        problems.append(f"{late} approvals took more than {VISIBILITY_LIMIT:g} s to show")
    print(
        "\n" + ("FAILED: " + "; ".join(problems) if problems else "PASSED: no error, no write lost")
    )
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
