from django.core.management.base import BaseCommand

from catalog.services.data_quality import data_quality_report


class Command(BaseCommand):
    help = (
        "Print the data-quality report: possible duplicates, resources with few tags, papers "
        "without year or authors, tags used once, broken links."
    )

    def handle(self, *args, **options):
        report = data_quality_report()
        self.stdout.write(str(report))
        self.stdout.write(f"{report.issue_count} thing(s) to look at.")
