from django.core.management.base import BaseCommand

from submissions.models import Submission
from submissions.services import moderators_notify
from submissions.tasks import send_moderators_digest


class Command(BaseCommand):
    help = (
        "Mail every moderator how many proposals wait for review, with a link to the queue. "
        "Nothing is sent when none wait. Run it from cron, e.g. daily, with --enqueue to "
        "leave the sending to the task worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the mail for the task worker"
        )

    def handle(self, *args, enqueue, **options):
        if enqueue:
            result = send_moderators_digest.enqueue()
            self.stdout.write(f"Queued the moderators' digest (task {result.id}).")
            return
        mailed = moderators_notify()
        pending = Submission.objects.pending().count()
        self.stdout.write(f"{pending} pending proposal(s); mailed {mailed} moderator(s).")
