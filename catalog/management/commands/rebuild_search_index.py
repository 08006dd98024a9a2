from django.core.management.base import BaseCommand

from catalog.models import Resource
from catalog.search import index_resources, refresh_planner_statistics


class Command(BaseCommand):
    help = "Rebuild the full-text search index of every resource (after a bulk import, say)."

    def handle(self, *args, **options):
        index_resources(None)
        refresh_planner_statistics()
        self.stdout.write(f"Indexed {Resource.objects.count()} resources.")
