from django.core.management.base import BaseCommand

from submissions.services import submission_check_url, submissions_due_for_url_check
from submissions.tasks import check_proposal_urls


class Command(BaseCommand):
    help = (
        "Ask the URL of every pending proposal whether it answers, and store the outcome "
        "for the review queue. It makes network requests: here, or in the task worker "
        "with --enqueue (the form for cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--recheck-after",
            type=int,
            default=24,
            metavar="HOURS",
            help="check again proposals last checked this many hours ago (default 24)",
        )
        parser.add_argument(
            "--timeout", type=float, default=10.0, help="seconds for each URL (default 10)"
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the checks for the task worker"
        )

    def handle(self, *args, recheck_after, timeout, enqueue, **options):
        if enqueue:
            result = check_proposal_urls.enqueue(recheck_after_hours=recheck_after)
            self.stdout.write(f"Queued the proposal URL checks (task {result.id}).")
            return
        checked = 0
        for submission in submissions_due_for_url_check(recheck_after_hours=recheck_after):
            submission = submission_check_url(submission=submission, timeout=timeout)
            checked += 1
            outcome = submission.get_url_check_display()
            self.stdout.write(f"{submission.pk}: {outcome} ({submission.url_check_detail})")
        self.stdout.write(self.style.SUCCESS(f"Checked {checked} proposal URL(s)."))
