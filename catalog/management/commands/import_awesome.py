from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.management.progress import ProgressBar
from catalog.models import Resource
from catalog.search import refresh_planner_statistics
from catalog.services.awesome_import import (
    DEFAULT_GROUPS_SECTION,
    MarkdownImportError,
    awesome_import,
)


def category_mapping(value: str) -> tuple[str, str]:
    heading, separator, slug = value.rpartition("=")
    if not separator or not heading.strip() or not slug.strip():
        raise ValueError(value)
    return heading.strip(), slug.strip()


class Command(BaseCommand):
    help = (
        "Import an awesome-list README (markdown) in one transaction: sections become "
        "categories, linked list items become resources. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The markdown file, e.g. README.md.")
        parser.add_argument(
            "--groups-section",
            default=DEFAULT_GROUPS_SECTION,
            metavar="HEADING",
            help=(
                "Read the section with this heading as research groups, not resources "
                f'(default: "{DEFAULT_GROUPS_SECTION}", as export_awesome writes it; '
                'e.g. "LLM Interpretability Groups"). An empty value reads none.'
            ),
        )
        parser.add_argument(
            "--category",
            action="append",
            type=category_mapping,
            default=[],
            metavar="HEADING=SLUG",
            help="File a section under an existing category, e.g. "
            '"LLM Interpretability Tools=tools". Repeatable.',
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Create new resources as drafts instead of publishing them.",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="Rewrite existing resources' title, description, category and extra links "
            "from the file (curators' edits to them are lost).",
        )

    def handle(self, *args, path, groups_section, category, draft, update, **options):
        progress = ProgressBar(self.stdout, "Importing")
        try:
            report = awesome_import(
                path=path,
                groups_section=groups_section or None,
                category_slugs=dict(category),
                status=Resource.Status.DRAFT if draft else Resource.Status.PUBLISHED,
                update=update,
                on_progress=progress,
            )
        except MarkdownImportError as error:
            progress.finish()
            raise CommandError(f"{path}: {error} Nothing was imported.") from error
        progress.finish()
        self.stdout.write(str(report))
        if report.changed_anything:
            refresh_planner_statistics()
        else:
            self.stdout.write("The catalog already held everything in the file; nothing changed.")
