from django.core.management.base import BaseCommand

from library.services import digests_send


class Command(BaseCommand):
    help = (
        "Mail each member whose daily or weekly digest is due what was published in what "
        "they follow since their last one. Meant for cron (hourly or daily)."
    )

    def handle(self, *args, **options):
        sent = digests_send()
        self.stdout.write(f"{sent} digest{'s' if sent != 1 else ''} sent.")
