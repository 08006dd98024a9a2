"""
Benchmark the public pages: `make bench` (or `python scripts/bench.py --help`).

For each database (SQLite always; PostgreSQL too when DATABASE_URL names a
PostgreSQL server) it seeds a separate database with a synthetic catalog,
times every page in-process with the page cache off (uncached p50/p95 and SQL
queries per request), then serves the site with gunicorn and the production
settings on loopback and drives it with wrk: requests/s, p50, p95, p99, the
ratio to a static file, and the workers' memory. It prints one table per
database, naming the cache (Redis when REDIS_URL is set, else each process's
memory).

While each cached page is under load the catalog changes every --change-every
seconds (a new catalog version, as an approval makes): by default once, halfway
through each page's run, so that every cached page expires under load and a
stampede of re-renders would show in its p99; --change-every 1 changes it
every second.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

WRK_SCRIPT = """
local unique = os.getenv("BENCH_UNIQUE") == "1"
local counter = 0
request = function()
  if unique then
    counter = counter + 1
    local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
    return wrk.format(nil, wrk.path .. separator .. "nocache=" .. math.random(1, 1e9) .. counter)
  end
  return wrk.format(nil, wrk.path)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH %d %d %.3f %.3f %.3f %d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors))
end
"""


def page_paths(environment) -> dict[str, str]:
    """The pages measured, found in the seeded database (run in a child process)."""
    code = """
import json
from catalog.facets import published_tags
from catalog.models import Author, Category, ResearchGroup, Resource, TaggedResource
from django.db.models import Count
from django.contrib.staticfiles.storage import staticfiles_storage
tags = published_tags()[:2]
resource = Resource.objects.published().order_by("pk")[len(Resource.objects.published()) // 2]
print(json.dumps({
    "static file": "/static/" + staticfiles_storage.stored_name("css/site.css"),
    "home": "/",
    "list": "/resources/",
    "list, two tags": f"/resources/?tag={tags[0].slug}&tag={tags[1].slug}",
    "search": "/resources/?q=sparse+autoencoder",
    "search, typo": "/resources/?q=sparse+autoencoderz",
    "search, synonym": "/resources/?q=SAE",
    "list, cat+2 tags": f"/resources/?category=papers&tag={tags[0].slug}&tag={tags[1].slug}",
    "tag page": f"/tags/{tags[0].slug}/",
    "category page": "/categories/papers/",
    "group page": f"/groups/{ResearchGroup.objects.order_by('pk').first().slug}/",
    "author page": Author.objects.order_by("pk").first().get_absolute_url(),
    "detail": resource.get_absolute_url(),
    "feed": "/feeds/latest.rss",
}))
"""
    output = run([PYTHON, "manage.py", "shell", "-v", "0", "-c", code], environment)
    return json.loads(output.strip().splitlines()[-1])


MEASURE_CODE = """
import json, os, statistics, time
from django.conf import settings
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # uncached: every request renders
paths = json.loads(os.environ["BENCH_PATHS"])
repeat = int(os.environ["BENCH_REPEAT"])
client = Client()
results = {}
for name, path in paths.items():
    if name == "static file":
        continue
    for _ in range(3):
        response = client.get(path)  # warm up, and fill the facet cache
        assert response.status_code == 200, (path, response.status_code)
    reset_queries()  # each request clears the log, which would empty the capture
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    query_count = len(queries)  # read now: the next request empties the log it reads
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    results[name] = {
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "queries": query_count,
    }
print(json.dumps(results))
"""


def run(command, environment, check=True) -> str:
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_database(url: str, environment, args) -> None:
    """Create, migrate and seed the benchmark database unless it is already seeded."""
    if url.startswith("postgres"):
        parts = urlsplit(url)
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        name = parts.path.lstrip("/")
        exists = run(
            ["psql", admin_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            environment,
        )
        if exists.strip() != "1":
            run(["psql", admin_url, "-qc", f'CREATE DATABASE "{name}"'], environment)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], environment)
    count = run(
        [PYTHON, "manage.py", "shell", "-v", "0", "-c",
         "from catalog.models import Resource; print(Resource.objects.count())"],
        environment,
    )  # fmt: skip
    seeded = int(count.strip().splitlines()[-1])
    if seeded == args.resources:
        print(f"  using the {seeded:,} resources already seeded", flush=True)
        return
    if seeded:
        sys.exit(f"{url} holds {seeded} resources, not {args.resources}: remove it first.")
    started = time.perf_counter()
    run(
        [PYTHON, "manage.py", "seed_synthetic_catalog", f"--resources={args.resources}",
         f"--tags={args.tags}", f"--groups={args.groups}"],
        environment,
    )  # fmt: skip
    print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)


def worker_memory_mb(master_pid: int) -> list[float]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sizes


# Reads commands on stdin, one catalog change per line, so that the bench can
# change the catalog during a run without starting Django each time.
CHANGE_CODE = """
import sys
from catalog.cache import catalog_changed
for line in sys.stdin:
    catalog_changed()
    print("changed", flush=True)
"""


class CatalogChanger:
    """A manage.py shell that changes the catalog version on request, as an approval does."""

    def __init__(self, environment):
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "shell", "-v", "0", "-c", CHANGE_CODE], cwd=PROJECT_DIR,
            env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.changes = 0

    def change(self) -> None:
        self.process.stdin.write("change\n")
        self.process.stdin.flush()
        self.process.stdout.readline()
        self.changes += 1

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def load(url, seconds, connections, unique, wrk_script, changer=None, change_every=0.0) -> dict:
    environment = os.environ | {"BENCH_UNIQUE": "1" if unique else "0"}
    wrk = subprocess.Popen(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(wrk_script), url],
        env=environment, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    changes = 0
    if changer is not None and change_every > 0:
        # The first change half an interval in; none in the last half second,
        # so that every change is followed by load.
        next_change = time.monotonic() + change_every / 2
        end = time.monotonic() + seconds - 0.5
        while wrk.poll() is None and next_change < end:
            time.sleep(max(0.0, next_change - time.monotonic()))
            changer.change()
            changes += 1
            next_change += change_every
    output, _ = wrk.communicate()
    if wrk.returncode != 0:
        sys.exit(f"wrk failed on {url}")
    requests, duration_us, p50, p95, p99, errors = re.search(
        r"BENCH (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", output
    ).groups()
    return {
        "rps": int(requests) / (int(duration_us) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(errors),
        "changes": changes,
    }


def bench_database(label: str, url: str, args, wrk_script: Path) -> None:
    redis_url = os.environ.get("REDIS_URL", "")
    cache = f"Redis ({redis_url})" if redis_url else "each process's memory (no REDIS_URL)"
    print(f"\n{label}: {url}; cache: {cache}", flush=True)
    environment = os.environ | {
        "DATABASE_URL": url,
        "ENV_FILE": "",
        "DEBUG": "0",
        "HTTPS": "0",  # plain HTTP on loopback; every other production setting is on
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
    }
    prepare_database(url, environment, args)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], environment)
    paths = page_paths(environment)

    measure_environment = environment | {
        "BENCH_PATHS": json.dumps(paths),
        "BENCH_REPEAT": str(args.repeat),
    }
    output = run([PYTHON, "manage.py", "shell", "-v", "0", "-c", MEASURE_CODE], measure_environment)
    uncached = json.loads(output.strip().splitlines()[-1])
    if args.uncached_only:
        print(f"\n  {'page':<18} {'queries':>8} {'uncached p50':>13} {'p95':>7}")
        for name, measured in uncached.items():
            print(
                f"  {name:<18} {measured['queries']:>8} {measured['p50']:>10.1f} ms "
                f"{measured['p95']:>7.1f}"
            )
        print(f"  in-process with the page cache off ({args.repeat} requests a page)")
        return

    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "awesome.wsgi"],
        cwd=PROJECT_DIR, env=environment,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    changer = CatalogChanger(environment)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        rows = {}
        for name, path in paths.items():
            # One request fills the cache, as any visitor's would; then the
            # server is left to go idle so that no page pays for the one before.
            urllib.request.urlopen(base + path, timeout=60).read()
            time.sleep(1)
            rows[name] = load(
                base + path, args.seconds, args.connections, False, wrk_script,
                changer=None if name == "static file" else changer,
                change_every=args.change_every,
            )  # fmt: skip
        rows["list, uncached"] = load(
            base + paths["list"], args.seconds, args.connections, True, wrk_script
        )
        # The static file once more, at the end: the ratios are to the mean of
        # both runs, so that a slow or fast moment of the first does not tilt them all.
        time.sleep(1)
        rows["static file, again"] = load(
            base + paths["static file"], args.seconds, args.connections, False, wrk_script
        )
        memory = worker_memory_mb(server.pid)
    finally:
        changer.close()
        server.terminate()
        server.wait(timeout=30)

    static_rps = (rows["static file"]["rps"] + rows["static file, again"]["rps"]) / 2
    print(f"\n  {label}, cache: {cache}")
    print(
        f"  {'page':<18} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'× static':>9} "
        f"{'errors':>7} {'changes':>8} {'queries':>8} {'uncached p50':>13} {'p95':>7}"
    )
    for name, row in rows.items():
        measured = uncached.get("list" if name == "list, uncached" else name)
        queries = f"{measured['queries']}" if measured else "–"
        uncached_p50 = f"{measured['p50']:.1f} ms" if measured else "–"
        uncached_p95 = f"{measured['p95']:.1f}" if measured else "–"
        print(
            f"  {name:<18} {row['rps']:>8,.0f} {row['p50']:>8.2f} {row['p95']:>8.2f} "
            f"{row['p99']:>8.2f} {row['rps'] / static_rps:>9.2f} {row['errors']:>7} "
            f"{row['changes']:>8} {queries:>8} {uncached_p50:>13} {uncached_p95:>7}"
        )
    print(
        f"\n  gunicorn: {len(memory)} workers, RSS {statistics.mean(memory):.0f} MB each on "
        f"average ({max(memory):.0f} MB at most), {sum(memory):.0f} MB in all"
    )
    print(
        "  req/s, p50, p95 and p99 over HTTP with the page cache (wrk, 2 threads, "
        f"{args.connections} connections, {args.seconds} s a page), the catalog changing every "
        f"{args.change_every:g} s during each cached page's run ('changes'); 'list, uncached' "
        "adds a fresh parameter to every request; queries and uncached p50/p95 are in-process "
        f"with the page cache off ({args.repeat} requests a page); '× static' is to the mean "
        "of the static file's two runs, first and last."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--tags", type=int, default=300)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5, help="load time per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--change-every",
        type=float,
        default=5.0,
        help="seconds between catalog changes during each cached page's run (0: none; the "
        "default, with 5 s runs, expires each page once, halfway; 1 is a stress test)",
    )
    parser.add_argument("--repeat", type=int, default=60, help="in-process requests per page")
    parser.add_argument(
        "--uncached-only", action="store_true", help="only the in-process uncached timings"
    )
    parser.add_argument(
        "--postgresql-only", action="store_true", help="skip SQLite when PostgreSQL is set"
    )
    parser.add_argument(
        "--postgresql-database",
        help="the PostgreSQL database to seed and measure (default awesome_bench_RESOURCES)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk") and not args.uncached_only:
        sys.exit("wrk is not installed: apt-get install wrk")
    print(
        f"{os.cpu_count()} CPUs; {args.resources:,} resources, {args.tags} tags, "
        + f"{args.groups} groups"
    )

    databases = [("SQLite", f"sqlite:///{PROJECT_DIR / f'bench-{args.resources}.sqlite3'}")]
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(configured)
        name = args.postgresql_database or f"awesome_bench_{args.resources}"
        bench_url = urlunsplit(parts._replace(path=f"/{name}"))
        databases.append(("PostgreSQL", bench_url))
        if args.postgresql_only:
            databases = databases[1:]
    with tempfile.TemporaryDirectory() as folder:
        wrk_script = Path(folder) / "report.lua"
        wrk_script.write_text(WRK_SCRIPT)
        for label, url in databases:
            bench_database(label, url, args, wrk_script)


if __name__ == "__main__":
    main()
