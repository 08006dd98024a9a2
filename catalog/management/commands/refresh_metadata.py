from django.core.management.base import BaseCommand, CommandError

from catalog.models import Resource
from catalog.services.metadata_refresh import MAX_WAIT, metadata_refresh


class Command(BaseCommand):
    help = (
        "Ask GitHub and arXiv about the catalog's works and store what they say: each "
        "repository's stars, last push, latest release, licence and archived flag; each arXiv "
        "paper's latest version, journal reference and withdrawal. Resources are not changed. "
        "Meant for cron (nightly); a rate-limited run leaves the rest for the next one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "slugs", nargs="*", metavar="SLUG", help="Refresh only these resources."
        )
        parser.add_argument(
            "--max-wait", type=float, default=MAX_WAIT, metavar="SECONDS",
            help=f"Longest rate-limit pause to wait out within the run (default {MAX_WAIT:.0f}).",
        )  # fmt: skip

    def handle(self, *args, slugs, max_wait, **options):
        resources = Resource.objects.exclude(status=Resource.Status.ARCHIVED)
        if slugs:
            resources = Resource.objects.filter(slug__in=slugs)
            if missing := set(slugs) - set(resources.values_list("slug", flat=True)):
                raise CommandError(f"No resource has the slug {', '.join(sorted(missing))}.")
        report = metadata_refresh(resources=resources, max_wait=max_wait)
        self.stdout.write(str(report))
