"""
How long import_awesome takes on a large awesome list: 100,000 items by default.

It writes a README of that many linked items (under the importer's 5 MB cap),
imports it into a fresh database of its own, and prints one line per size, the
time split into reading (markdown-it-py's tokens) and writing, with the CPU
time this process spent (a shared machine's wall time varies; its CPU time
much less). Run at a tenth of the size too, the two lines show whether the
time grows linearly. SQLite always; PostgreSQL too when DATABASE_URL names a
server, in a database of its own there (awesome_bench_import, dropped after).

    make bench-import
    python scripts/bench_import.py --items 20000
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
POSTGRESQL_DATABASE = "awesome_bench_import"
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


def measure_here(sizes: list[int]) -> None:
    """Measure on the database DATABASE_URL names, in this process."""
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awesome.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from catalog.models import Category, Resource
    from catalog.services.awesome_import import (
        awesome_list_save,
        decode_markdown,
        parse_awesome_list,
    )

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)
    for items in sizes:
        Resource.objects.all().delete()
        Category.objects.all().delete()
        data = readme(items)
        started, cpu_started = time.perf_counter(), time.process_time()
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
        cpu = time.process_time() - cpu_started
        made = Resource.objects.count()
        if not report.counts["resources"]["created"] == items == made:
            raise SystemExit(f"expected {items} resources, the import made {made}")
        print(
            f"import_awesome: {items:,} items ({len(data) / 1e6:.1f} MB) in "
            f"{read + written:.1f} s (read {read:.1f} s, write {written:.1f} s; "
            f"{(read + written) / items * 1e6:.0f} µs an item; this process's CPU {cpu:.1f} s)",
            flush=True,
        )


def measure_on(label: str, url: str, sizes: list[int]) -> None:
    print(f"{label}:", flush=True)
    command = [sys.executable, __file__, "--here", *(f"--items={items}" for items in sizes)]
    subprocess.run(command, env={**os.environ, "DATABASE_URL": url}, check=True)


def psql(url: str, statement: str) -> None:
    quiet = {**os.environ, "PGOPTIONS": "--client-min-messages=warning"}
    subprocess.run(["psql", url, "-qc", statement], env=quiet, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, action="append")
    # Internal: measure in this process on DATABASE_URL, the sizes given.
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.here:
        measure_here(options.items)
        return
    items = (options.items or [100_000])[-1]
    sizes = [items // 10, items]
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        measure_on("SQLite", f"sqlite:///{folder}/db.sqlite3", sizes)
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(configured)
        server = urlunsplit(parts._replace(path="/postgres"))
        psql(server, f'DROP DATABASE IF EXISTS "{POSTGRESQL_DATABASE}"')
        psql(server, f'CREATE DATABASE "{POSTGRESQL_DATABASE}"')
        bench_url = urlunsplit(parts._replace(path=f"/{POSTGRESQL_DATABASE}"))
        try:
            measure_on("PostgreSQL", bench_url, sizes)
        finally:
            psql(server, f'DROP DATABASE IF EXISTS "{POSTGRESQL_DATABASE}"')


if __name__ == "__main__":
    main()
