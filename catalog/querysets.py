from django.db import models
from django.db.models import Q

from catalog.canonical import canonical_key


class ResourceQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public page, feed and count starts here."""
        return self.filter(status=self.model.Status.PUBLISHED)

    def drafts(self):
        return self.filter(status=self.model.Status.DRAFT)

    def archived(self):
        return self.filter(status=self.model.Status.ARCHIVED)

    def link_broken(self):
        """Resources whose link failed the last few checks in a row."""
        from catalog.models import BROKEN_LINK_FAILURES  # models imports this module

        return self.filter(link_failures__gte=BROKEN_LINK_FAILURES)

    def with_related(self):
        """Load category, groups and tags in a fixed number of queries."""
        return self.select_related("category").prefetch_related("groups", "tags")

    def matching_url(self, url: str):
        """Resources whose main or extra link leads to the same work as ``url``."""
        key = canonical_key(url)
        return self.filter(Q(canonical_key=key) | Q(links__canonical_key=key)).distinct()
