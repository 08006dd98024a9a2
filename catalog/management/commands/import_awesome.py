from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.management.progress import ProgressBar
from catalog.models import Resource
from catalog.search import refresh_planner_statistics
from catalog.services.awesome_import import (
    DEFAULT_GROUPS_SECTION,
    PRESETS,
    MarkdownImportError,
    awesome_import,
    preset_command,
)


def category_mapping(value: str) -> tuple[str, str]:
    heading, separator, slug = value.rpartition("=")
    if not separator or not heading.strip() or not slug.strip():
        raise ValueError(value)
    return heading.strip(), slug.strip()


class Command(BaseCommand):
    help = (
        "Import an awesome-list README (markdown) in one transaction: sections become "
        "categories, linked list items become resources. Running it again changes nothing. "
        "Try --dry-run first."
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
            "--create-categories",
            action="store_true",
            help="Create a category for each section heading that matches none (by slug or "
            "name) and is not mapped with --category. Without it such a heading is an error.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be created, updated and left alone, naming each item, and "
            "write nothing.",
        )
        parser.add_argument(
            "--preset",
            choices=sorted(PRESETS),
            help="Options for a known list. upstream: JShollaj/awesome-llm-interpretability "
            f"into the starting catalog's categories, as drafts: {preset_command('upstream')}",
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
        category_slugs = dict(category)
        status = Resource.Status.DRAFT if draft else Resource.Status.PUBLISHED
        if preset := options["preset"]:
            settings = PRESETS[preset]
            self.stdout.write(f"Preset {preset}: {preset_command(preset, str(path))}")
            groups_section = settings["groups_section"]
            category_slugs = settings["category_slugs"] | category_slugs
            status = settings["status"] if not draft else status
        progress = ProgressBar(self.stdout, "Reading" if options["dry_run"] else "Importing")
        try:
            report = awesome_import(
                path=path,
                groups_section=groups_section or None,
                category_slugs=category_slugs,
                create_categories=options["create_categories"],
                status=status,
                update=update,
                dry_run=options["dry_run"],
                on_progress=progress,
            )
        except MarkdownImportError as error:
            progress.finish()
            raise CommandError(f"{path}: {error} Nothing was imported.") from error
        progress.finish()
        self.stdout.write(str(report))
        if options["dry_run"]:
            return
        if report.changed_anything:
            refresh_planner_statistics()
        else:
            self.stdout.write("The catalog already held everything in the file; nothing changed.")
