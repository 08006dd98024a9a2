from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from submissions.models import Submission
from submissions.services import submission_check_url


class Command(BaseCommand):
    help = (
        "Ask the URL of every pending proposal whether it answers, and store the outcome "
        "for the review queue. Run it from cron; it makes network requests."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--recheck-after",
            type=int,
            default=24,
            metavar="HOURS",
            help="check again proposals last checked this many hours ago (default 24)",
        )

    def handle(self, *args, recheck_after, **options):
        stale = timezone.now() - timedelta(hours=recheck_after)
        due = Submission.objects.pending().filter(
            url_check=Submission.UrlCheck.UNCHECKED
        ) | Submission.objects.pending().filter(url_checked_at__lt=stale)
        checked = 0
        for submission in due.exclude(url="").order_by("created_at"):
            submission = submission_check_url(submission=submission)
            checked += 1
            outcome = submission.get_url_check_display()
            self.stdout.write(f"{submission.pk}: {outcome} ({submission.url_check_detail})")
        self.stdout.write(self.style.SUCCESS(f"Checked {checked} proposal URL(s)."))
