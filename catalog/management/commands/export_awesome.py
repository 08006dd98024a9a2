from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.services.awesome_export import awesome_export


class Command(BaseCommand):
    help = (
        "Write the published catalog as an awesome-list README (the upstream format), "
        "to PATH or to standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, help="Where to write; default stdout.")
        parser.add_argument(
            "--site-url",
            default="",
            metavar="URL",
            help="The site's address, linked from the Contributing section.",
        )

    def handle(self, *args, path, site_url, **options):
        text = awesome_export(site_url=site_url)
        if path is None:
            self.stdout.write(text, ending="")
            return
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
        self.stderr.write(f"Wrote {path}.")
