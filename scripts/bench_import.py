"""
How long import_awesome takes on a large awesome list: 100,000 items by default.

It writes a README of that many linked items (under the importer's 5 MB cap),
imports it into a fresh SQLite database of its own, and prints one line per
size, the time split into reading (markdown-it-py's tokens) and writing. Run at
a tenth of the size too, the two lines show whether the time grows linearly.

    make bench-import
    python scripts/bench_import.py --items 20000
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DATABASE = Path(tempfile.mkdtemp(prefix="bench-import-")) / "db.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awesome.settings")

import django  # noqa: E402 -- after the database is chosen

django.setup()

from django.core.management import call_command  # noqa: E402 -- after setup()
from django.db import connection  # noqa: E402 -- after setup()

from catalog.models import Category, Resource  # noqa: E402 -- after setup()
from catalog.services.awesome_import import (  # noqa: E402 -- after setup()
    awesome_list_save,
    decode_markdown,
    parse_awesome_list,
)

SECTIONS = 10


def readme(items: int) -> bytes:
    lines = ["# Awesome Benchmark", "", "A generated list.", ""]
    per_section = -(-items // SECTIONS)
    for section in range(SECTIONS):
        lines += [f"## Section {section}", ""]
        for number in range(section * per_section, min(items, (section + 1) * per_section)):
            lines.append(f"- [Work {number}](https://e.org/{number}) - Item {number}.")
        lines.append("")
    return "\n".join(lines).encode()


def measure(items: int) -> tuple[float, float, int]:
    Resource.objects.all().delete()
    Category.objects.all().delete()
    data = readme(items)
    started = time.perf_counter()
    parsed = parse_awesome_list(decode_markdown(data))
    read = time.perf_counter() - started
    started = time.perf_counter()
    report = awesome_list_save(
        parsed=parsed,
        groups_section=None,
        category_slugs={},
        create_categories=True,
        status=Resource.Status.PUBLISHED,
        update=False,
    )
    written = time.perf_counter() - started
    if not report.counts["resources"]["created"] == items == Resource.objects.count():
        raise SystemExit(f"expected {items} resources, the import made {Resource.objects.count()}")
    return read, written, len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"database: SQLite at {DATABASE} ({connection.vendor})")
    for items in (options.items // 10, options.items):
        read, written, size = measure(items)
        print(
            f"import_awesome: {items:,} items ({size / 1e6:.1f} MB) in {read + written:.1f} s "
            f"(read {read:.1f} s, write {written:.1f} s; {(read + written) / items * 1e6:.0f} µs "
            "an item)"
        )


if __name__ == "__main__":
    main()
