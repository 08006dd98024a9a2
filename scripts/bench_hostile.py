"""
The costliest pages of the hostile corpus: `make bench-hostile` (or
`python scripts/bench_hostile.py --runs 5`).

Runs tests/submissions/test_hostile_input.py's corpus test several times (each
run builds the catalog of sixty hostile texts and renders every public page
of it with every cache emptied first) and prints the CPU and wall time of the
slowest pages of the three slowest runs. It prints figures and fails only if
the test does; the machine's other work shows in the wall times.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEST = (
    "tests/submissions/test_hostile_input.py::"
    "test_hostile_corpus_is_refused_with_a_message_or_leaves_every_output_whole"
)
# What the test prints with -s, slowest page first: "  61.2 ms CPU   70.3 ms wall  /tags/".
FIGURE = re.compile(r"^\s*([\d.]+) ms CPU\s+([\d.]+) ms wall\s+(\S+)\s*$", re.MULTILINE)


def run_once(database_url: str | None) -> list[tuple[float, float, str]]:
    environment = dict(os.environ)
    if database_url:
        environment["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", "pytest", TEST, "-q", "-s", "-p", "no:cacheprovider"],
        cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"The hostile corpus test failed:\n{result.stdout[-4000:]}\n{result.stderr}")
    return [(float(cpu), float(wall), page) for cpu, wall, page in FIGURE.findall(result.stdout)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="test runs (default 5)")
    parser.add_argument("--pages", type=int, default=5, help="pages shown per run (default 5)")
    parser.add_argument(
        "--database-url", help="the test database's server (default: DATABASE_URL, or SQLite)"
    )
    args = parser.parse_args()
    runs = []
    for number in range(1, args.runs + 1):
        figures = run_once(args.database_url)
        runs.append(figures)
        cpu, wall, page = figures[0]
        print(f"run {number}: slowest {page} {cpu:.1f} ms CPU, {wall:.1f} ms wall", flush=True)

    print(f"\nThe three slowest of {len(runs)} runs, their {args.pages} slowest pages (CPU order):")
    slowest_first = sorted(enumerate(runs, 1), key=lambda item: item[1][0][0], reverse=True)
    for number, figures in slowest_first[:3]:
        print(f"\n  {'CPU ms':>8} {'wall ms':>8}  page (run {number})")
        for cpu, wall, page in figures[: args.pages]:
            print(f"  {cpu:8.1f} {wall:8.1f}  {page}")
    worst = max(run[0][0] for run in runs)
    print(f"\nslowest page over all runs: {worst:.1f} ms CPU")


if __name__ == "__main__":
    main()
