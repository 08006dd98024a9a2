from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.search import refresh_planner_statistics
from catalog.services.starting_catalog import DEFAULT_CATALOG_PATH, CatalogFileError, catalog_load


class Command(BaseCommand):
    help = (
        "Load the starting catalog into the database in one transaction. Adds what is "
        "missing; with --update, also rewrites existing entries from the file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            default=DEFAULT_CATALOG_PATH,
            help="Catalog file (TOML). Default: the one shipped in catalog/data/.",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite existing entries with the file's values (curators' edits are lost).",
        )

    def handle(self, *args, path, update, **options):
        try:
            report = catalog_load(path=path, update=update)
        except CatalogFileError as error:
            raise CommandError(f"{error} Nothing was loaded.") from error
        self.stdout.write(str(report))
        if report.changed_anything:
            refresh_planner_statistics()
        else:
            self.stdout.write("The catalog already matched the file; nothing changed.")
