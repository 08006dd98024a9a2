"""Proposals of new resources and corrections, and the log of their review."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from catalog.canonical import canonical_key
from catalog.models import EARLIEST_YEAR, LATEST_YEAR, Category, ResearchGroup, Resource
from submissions.querysets import AppendOnlyError, SubmissionEventQuerySet, SubmissionQuerySet

# The fields a proposal carries, in the order forms and diffs show them.
PROPOSED_FIELDS = [
    "title", "url", "description", "category", "tags", "groups", "year", "authors", "venue",
    "code_url", "extra_links",
]  # fmt: skip
# What each field holds when nothing was given: snapshots taken before a field existed
# compare as this.
EMPTY_VALUES = {"tags": [], "groups": [], "year": None, "category": None, "extra_links": []}
MAX_EXTRA_LINKS = 5

MAX_TAGS = 8
MAX_TAG_LENGTH = 50


class Submission(models.Model):
    """
    One proposal from a visitor: a new resource, a correction to a published
    one, or a report of a broken link. Nothing in it is public until a
    moderator approves it; only the services in submissions.services change
    its state.
    """

    class Kind(models.TextChoices):
        NEW = "new", "New resource"
        CORRECTION = "correction", "Correction"
        BROKEN_LINK = "broken_link", "Broken link"

    class State(models.TextChoices):
        PENDING = "pending", "Pending review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class LinkProblem(models.TextChoices):
        NOT_FOUND = "not_found", "The page is gone (not found, or the site is down)"
        MOVED = "moved", "The work moved to another address"
        WRONG_WORK = "wrong_work", "The link leads to a different work"
        PAYWALLED = "paywalled", "The page now needs an account or payment"
        OTHER = "other", "Something else (say what in the note)"

    class UrlCheck(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        ANSWERED = "answered", "Answered"
        FAILED = "failed", "Did not answer"

    kind = models.CharField(max_length=20, choices=Kind, default=Kind.NEW)
    state = models.CharField(max_length=20, choices=State, default=State.PENDING, db_index=True)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # A deleted account's proposals stay, without its name: approved works stay
        # in the catalog and the review history stays whole.
        on_delete=models.SET_NULL,
        null=True,
        related_name="submissions",
    )
    resource = models.ForeignKey(
        Resource,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
        help_text="The resource corrected or reported; for a new one, the one its approval made.",
    )

    # What is proposed. For a correction, every field holds the value the
    # submitter wants; `original` keeps the resource's values at that moment.
    title = models.CharField(max_length=300, blank=True)
    url = models.URLField("URL", max_length=500, blank=True)
    canonical_key = models.CharField(max_length=500, blank=True, editable=False, db_index=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tags = models.CharField(
        max_length=500,
        blank=True,
        help_text="Proposed tags, comma-separated; they become tags only on approval.",
    )
    groups = models.ManyToManyField(
        ResearchGroup, blank=True, related_name="+", verbose_name="research groups"
    )
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(EARLIEST_YEAR), MaxValueValidator(LATEST_YEAR)],
    )
    authors = models.CharField(max_length=1000, blank=True)
    venue = models.CharField(max_length=200, blank=True, help_text="e.g. NeurIPS 2023.")
    code_url = models.URLField("code URL", max_length=500, blank=True)
    extra_links = models.JSONField(
        default=list,
        blank=True,
        help_text="Further links as [label, URL] pairs; they become the resource's extra links.",
    )
    original = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="For a correction: the resource's values when it was proposed.",
    )
    problem = models.CharField(
        "what is wrong", max_length=20, choices=LinkProblem, blank=True, help_text="Broken links."
    )
    note = models.TextField("note to the reviewers", blank=True)
    moderator_note = models.TextField(blank=True, help_text="The latest decision's note.")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Automatic check, filled by `check_submission_urls`, never during a request.
    url_check = models.CharField(
        "URL check", max_length=10, choices=UrlCheck, default=UrlCheck.UNCHECKED
    )
    url_check_detail = models.CharField("URL check detail", max_length=200, blank=True)
    url_checked_at = models.DateTimeField("URL checked at", null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("moderate_submission", "Can approve, reject or send back proposals"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    state__in=["pending", "changes_requested", "approved", "rejected", "withdrawn"]
                ),
                name="submissions_submission_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["new", "correction", "broken_link"]),
                name="submissions_submission_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="submissions_state_created"),
            models.Index(fields=["submitter", "-created_at"], name="submissions_submitter_created"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.canonical_key = canonical_key(self.url) if self.url else ""
        super().save(*args, **kwargs)

    @property
    def headline(self) -> str:
        """How the proposal is named in lists and mail."""
        if self.kind == self.Kind.CORRECTION:
            return f"Correction to “{self.original.get('title') or self.title}”"
        if self.kind == self.Kind.BROKEN_LINK:
            return f"Broken link: “{self.title}”"
        return self.title or "(untitled proposal)"

    @property
    def tag_names(self) -> list[str]:
        return [name for name in (part.strip() for part in self.tags.split(",")) if name]

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.PENDING, self.State.CHANGES_REQUESTED)

    @property
    def can_be_withdrawn(self) -> bool:
        return self.state == self.State.PENDING

    @property
    def can_be_edited(self) -> bool:
        return self.state == self.State.CHANGES_REQUESTED

    def proposed_values(self) -> dict:
        """The proposal's values in the comparable form that `resource_values` gives."""
        return {
            "title": self.title,
            "url": self.url,
            "description": self.description,
            "category": self.category_id,
            "tags": sorted(self.tag_names),
            "groups": sorted(group.pk for group in self.groups.all()),
            "year": self.year,
            "authors": self.authors,
            "venue": self.venue,
            "code_url": self.code_url,
            "extra_links": [list(pair) for pair in self.extra_links or []],
        }

    def changed_fields(self) -> list[str]:
        """For a correction: the fields the submitter changed, in display order."""
        if self.kind != self.Kind.CORRECTION:
            return []
        proposed = self.proposed_values()
        return [
            name
            for name in PROPOSED_FIELDS
            if proposed[name] != self.original.get(name, EMPTY_VALUES.get(name, ""))
        ]


def resource_values(resource: Resource) -> dict:
    """A resource's proposable values, JSON-serialisable, for snapshots and comparisons."""
    return {
        "title": resource.title,
        "url": resource.url,
        "description": resource.description,
        "category": resource.category_id,
        "tags": sorted(tag.name for tag in resource.tags.all()),
        "groups": sorted(group.pk for group in resource.groups.all()),
        "year": resource.year,
        "authors": ", ".join(resource.author_names()),
        "venue": resource.venue,
        "code_url": resource.code_url,
        "extra_links": [
            [label, url] for label, url in resource.links.order_by("id").values_list("label", "url")
        ],
    }


class SubmissionEvent(models.Model):
    """
    One step in a proposal's life: who did what, when, and why. Rows are only
    ever added: saving an existing row, updating or deleting raise an error.
    """

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        RESUBMITTED = "resubmitted", "Resubmitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EDITED = "edited", "Edited by a moderator"

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="events")
    # Null once the account that acted is deleted: the entry stays, without its name.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action)
    from_state = models.CharField(max_length=20, choices=Submission.State, blank=True)
    to_state = models.CharField(max_length=20, choices=Submission.State)
    note = models.TextField(blank=True)
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text="What this step changed: field name to [before, after]. A URL cleaned on "
        "arrival keeps the address as sent here.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = SubmissionEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "review log entry"
        verbose_name_plural = "review log"

    def __str__(self):
        actor = self.actor or "a deleted account"
        return f"{self.get_action_display()} by {actor} on {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The review log is append-only: entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The review log is append-only: entries are never deleted.")
