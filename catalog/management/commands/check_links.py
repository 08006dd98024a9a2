from django.core.management.base import BaseCommand, CommandError

from catalog.management.progress import ProgressBar
from catalog.models import Resource
from catalog.sources.link_check import CheckSettings, links_check
from catalog.tasks import check_links as check_links_task


def positive_number(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Check that each resource's link still answers and record the result "
        "(ok, redirected, error, timeout, unknown). Failures on three separate checks mark a "
        "link broken; a run that cannot reach the network is inconclusive and changes nothing. "
        "With --enqueue the task worker runs it (the form for cron)."
    )

    def add_arguments(self, parser):
        defaults = CheckSettings()
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="Check only these resources.")
        parser.add_argument(
            "--include-archived", action="store_true", help="Check archived resources too."
        )
        parser.add_argument(
            "--timeout", type=positive_number, default=defaults.timeout,
            help=f"Seconds to wait for a connection or an answer (default {defaults.timeout}).",
        )  # fmt: skip
        parser.add_argument(
            "--retries", type=int, default=defaults.retries, choices=range(6),
            help=f"Tries after a time-out, 5xx or connection error (default {defaults.retries}).",
        )  # fmt: skip
        parser.add_argument(
            "--workers", type=int, default=defaults.workers, choices=range(1, 101), metavar="N",
            help=f"Requests in flight at most (default {defaults.workers}).",
        )  # fmt: skip
        parser.add_argument(
            "--per-host", type=int, default=defaults.per_host, choices=range(1, 11), metavar="N",
            help=f"Requests in flight at most to one host (default {defaults.per_host}).",
        )  # fmt: skip

        parser.add_argument(
            "--enqueue", action="store_true",
            help="Queue the check for the task worker (with its default settings).",
        )  # fmt: skip

    def handle(
        self, *args, slugs, include_archived, timeout, retries, workers, per_host, enqueue, **opts
    ):
        resources = Resource.objects.all()
        if not include_archived:
            resources = resources.exclude(status=Resource.Status.ARCHIVED)
        if slugs:
            resources = resources.filter(slug__in=slugs)
            if missing := sorted(set(slugs) - set(resources.values_list("slug", flat=True))):
                raise CommandError(f"No resource has the slug {', '.join(missing)}.")
        if enqueue:
            result = check_links_task.enqueue(slugs=slugs, include_archived=include_archived)
            self.stdout.write(f"Queued the link check (task {result.id}).")
            return
        settings = CheckSettings(
            timeout=timeout, retries=retries, workers=workers, per_host=per_host
        )
        progress = ProgressBar(self.stdout, "Checking links")
        report = links_check(resources=resources, settings=settings, on_progress=progress)
        progress.finish()
        self.stdout.write(str(report))
