"""
How long the link checker takes on 1,000 URLs, 10% of them slow to answer.

Every URL is served on this machine by the test suite's local HTTP server, on
50 loopback addresses (127.0.0.1 to 127.0.0.50) so that the per-host limit
applies as it would across real sites. Nothing leaves the machine.

    make bench-links
    python scripts/bench_links.py --slow-seconds 3 --timeout 1   # slow beyond the time-out
"""

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awesome.settings")

import django

django.setup()

from catalog.sources.link_check import CheckSettings, check_urls  # noqa: E402 -- after setup()
from tests.local_http import LocalServer, ServerState  # noqa: E402 -- after setup()


def main() -> None:
    defaults = CheckSettings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50, choices=range(1, 251))
    parser.add_argument("--slow-share", type=float, default=0.10)
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=defaults.timeout)
    parser.add_argument("--retries", type=int, default=defaults.retries)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    args = parser.parse_args()

    state = ServerState(slow_seconds=args.slow_seconds)
    servers = [
        LocalServer(f"127.0.0.{number}", state).start() for number in range(1, args.hosts + 1)
    ]
    # Slow answers spread at random (but the same each run) over the hosts.
    picker = random.Random(5)  # noqa: S311 -- picks test URLs, nothing secret
    slow = set(picker.sample(range(args.urls), round(args.urls * args.slow_share)))
    urls = [
        f"{servers[index % len(servers)].url}/{'slow' if index in slow else 'busy'}/{index}"
        for index in range(args.urls)
    ]
    settings = CheckSettings(timeout=args.timeout, retries=args.retries, workers=args.workers)
    try:
        started = time.monotonic()
        outcomes = check_urls(urls, settings=settings)
        elapsed = time.monotonic() - started
    finally:
        for server in servers:
            server.stop()

    results = Counter(outcome.result for outcome in outcomes.values())
    print(
        f"{len(urls)} URLs on {len(servers)} hosts, {len(slow)} slow ({args.slow_seconds:g} s), "
        f"timeout {settings.timeout:g} s, {settings.retries} retries, {settings.workers} workers, "
        f"{settings.per_host} per host"
    )
    print("results: " + ", ".join(f"{count} {result}" for result, count in sorted(results.items())))
    print(f"time: {elapsed:.1f} s")


if __name__ == "__main__":
    main()
