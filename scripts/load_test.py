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
- halfway through, gunicorn is told to restart its workers (SIGHUP).

It then checks that no request failed, that every proposal the site
acknowledged is stored, and that every approved one became exactly one
resource. It exits non-zero when any check fails. It is a script, not a test
of the suite: it takes a minute or more and needs wrk.
"""

import argparse
import html
import os
import re
import secrets
import shutil
import signal
import socket
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


def submitter(base_url, number, category_id, stop, ledger, lock):
    browser = Browser(base_url)
    browser.log_in(f"load-submitter-{number}")
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


def moderator(base_url, stop, ledger, lock, pending_ids):
    browser = Browser(base_url)
    browser.log_in("load-moderator", login_path="/admin/login/")
    while not stop.is_set():
        ids = pending_ids()
        if not ids:
            time.sleep(0.2)
            continue
        try:
            status, _ = browser.post(
                "/admin/submissions/submission/", {"action": "approve", "_selected_action": ids}
            )
        except OSError as error:
            with lock:
                ledger["approval_errors"].append(repr(error))
            continue
        with lock:
            ledger["approval_rounds"] += 1
            if status != 302:
                ledger["approval_errors"].append(f"HTTP {status}")
        time.sleep(0.5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
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
    print(f"Database: {database_url}", flush=True)
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

    def pending_ids():
        close_old_connections()
        return list(Submission.objects.pending().values_list("pk", flat=True)[:20])

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_log_path = PROJECT_DIR / "loadtest-server.log"
    server_log = open(server_log_path, "w")  # noqa: SIM115 -- open while the server runs
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "awesome.wsgi"],
        cwd=PROJECT_DIR, env=environment, stdout=server_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base_url}/healthz/", timeout=2).close()
            break
        except OSError:
            time.sleep(0.2)

    ledger = {"acknowledged": [], "failed": [], "approval_rounds": 0, "approval_errors": []}
    lock = threading.Lock()
    stop = threading.Event()
    category_id = str(Category.objects.get(slug="papers").pk)
    workers = [
        threading.Thread(target=submitter, args=(base_url, n, category_id, stop, ledger, lock))
        for n in range(SUBMITTERS)
    ]
    workers.append(
        threading.Thread(target=moderator, args=(base_url, stop, ledger, lock, pending_ids))
    )
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "mixed.lua"
        script.write_text(WRK_SCRIPT)
        load = subprocess.Popen(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "10s",
             "-s", str(script), base_url],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        for worker in workers:
            worker.start()
        time.sleep(args.seconds / 2)
        print("Restarting gunicorn's workers (SIGHUP) under load", flush=True)
        server.send_signal(signal.SIGHUP)
        output, _ = load.communicate()
    stop.set()
    for worker in workers:
        worker.join(timeout=60)
    # One last round, so that every proposal sent is decided.
    final_moderator = Browser(base_url)
    final_moderator.log_in("load-moderator", login_path="/admin/login/")
    while ids := pending_ids():
        final_moderator.post(
            "/admin/submissions/submission/", {"action": "approve", "_selected_action": ids}
        )
    server.terminate()
    server.wait(timeout=30)
    server_log.close()

    close_old_connections()
    requests, duration, connect, read, write, status, timeout, p50, p99 = re.search(
        r"LOAD (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", output
    ).groups()
    read_errors = sum(int(count) for count in (connect, read, write, status, timeout))
    acknowledged = ledger["acknowledged"]
    stored = set(Submission.objects.filter(url__in=acknowledged).values_list("url", flat=True))
    approved = Submission.objects.filter(url__in=acknowledged, state=Submission.State.APPROVED)
    resources = Resource.objects.filter(url__in=acknowledged)
    duplicates = len(acknowledged) - len(set(acknowledged))

    print(
        f"\nReads: {int(requests):,} requests in {int(duration) / 1e6:.0f} s "
        f"({int(requests) / (int(duration) / 1e6):,.0f}/s) over {args.connections} connections, "
        f"p50 {p50} ms, p99 {p99} ms; errors: connect {connect}, read {read}, write {write}, "
        f"HTTP {status}, timeout {timeout}"
    )
    print(
        f"Proposals: {len(acknowledged)} acknowledged, {len(stored)} stored, "
        f"{len(ledger['failed'])} failed; {approved.count()} approved in "
        f"{ledger['approval_rounds']} admin actions during the load; "
        f"{resources.count()} resources created from them"
    )
    problems = []
    if read_errors:
        problems.append(f"{read_errors} read requests failed")
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
    print(
        "\n" + ("FAILED: " + "; ".join(problems) if problems else "PASSED: no error, no write lost")
    )
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
