from django.db import models

from catalog.sources.lookup import identity_keys


class SubmissionQuerySet(models.QuerySet):
    """Proposals by state. None of these is public: only `Resource.objects.published()` is."""

    def pending(self):
        return self.filter(state=self.model.State.PENDING)

    def changes_requested(self):
        return self.filter(state=self.model.State.CHANGES_REQUESTED)

    def approved(self):
        return self.filter(state=self.model.State.APPROVED)

    def open(self):
        """Waiting on someone: a moderator (pending) or the submitter (changes requested)."""
        return self.filter(state__in=[self.model.State.PENDING, self.model.State.CHANGES_REQUESTED])

    def for_user(self, user):
        """The proposals ``user`` sent; nobody else's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(submitter=user)

    def matching_url(self, url: str):
        """Proposals of the work at ``url``, whatever form its URL takes (see Resource's)."""
        return self.filter(canonical_key__in=identity_keys(url))


class AppendOnlyError(Exception):
    """Something tried to change or delete a review log entry."""


class SubmissionEventQuerySet(models.QuerySet):
    """The review log only grows: bulk updates and deletes are refused too."""

    def update(self, **kwargs):
        raise AppendOnlyError("The review log is append-only: entries are never changed.")

    def delete(self):
        raise AppendOnlyError("The review log is append-only: entries are never deleted.")
