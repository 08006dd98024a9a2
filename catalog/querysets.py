from django.db import models
from django.db.models import Q

from catalog.sources.lookup import identity_keys


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
        """Load category, repository facts, groups and tags in a fixed number of queries."""
        return self.select_related("category", "repository").prefetch_related("groups", "tags")

    def matching_url(self, url: str):
        """
        Resources whose main or extra link leads to the same work as ``url``,
        or whose repository GitHub now knows by that address. A recent look-up
        of ``url`` (catalog.sources.lookup) adds what its source said: a
        renamed repository's new name, a journal article's arXiv preprint.
        """
        keys = identity_keys(url)
        return self.filter(
            Q(canonical_key__in=keys)
            | Q(links__canonical_key__in=keys)
            | Q(repository__canonical_key__in=keys)
        ).distinct()
