from django.core.management.base import BaseCommand

from submissions.models import Submission
from submissions.services import moderators_notify


class Command(BaseCommand):
    help = (
        "Mail every moderator how many proposals wait for review, with a link to the queue. "
        "Nothing is sent when none wait. Run it from cron, e.g. daily."
    )

    def handle(self, *args, **options):
        mailed = moderators_notify()
        pending = Submission.objects.pending().count()
        self.stdout.write(f"{pending} pending proposal(s); mailed {mailed} moderator(s).")
