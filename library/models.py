"""
What members keep for themselves: reading lists and their saved works, the
tags, categories and groups they follow, and their digest. Also the curators'
reading paths, and each work's popularity (how many members saved it).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from taggit.models import Tag

from catalog.models import Category, ResearchGroup, Resource
from library.querysets import FollowQuerySet, ReadingListQuerySet, ReadingPathQuerySet

DEFAULT_LIST_TITLE = "Saved"
DEFAULT_LIST_SLUG = "saved"
MAX_NOTE_LENGTH = 2000


class ReadingList(models.Model):
    """
    A member's list of works, in the member's order. Private unless the member
    makes it public; notes stay the member's unless they choose to share them.
    Every member has one default list, "Saved", made at their first save.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_lists"
    )
    title = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True, max_length=1000)
    is_public = models.BooleanField(
        "public", default=False, help_text="Anyone with the address can read a public list."
    )
    share_notes = models.BooleanField(
        "show my notes to readers",
        default=False,
        help_text="Only on a public list: readers see your note under each work.",
    )
    is_default = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReadingListQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="library_list_unique_slug"),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_default=True), name="library_list_one_default"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "library:list_detail", kwargs={"username": self.owner.username, "slug": self.slug}
        )

    def notes_visible_to(self, user) -> bool:
        return user.pk == self.owner_id or (self.is_public and self.share_notes)


class SavedWork(models.Model):
    """One work in one reading list, with the member's note and read mark."""

    reading_list = models.ForeignKey(ReadingList, on_delete=models.CASCADE, related_name="entries")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="saves")
    position = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True, max_length=MAX_NOTE_LENGTH)
    is_read = models.BooleanField("read", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reading_list", "resource"], name="library_savedwork_once_per_list"
            )
        ]
        indexes = [models.Index(fields=["resource"], name="library_saved_resource")]

    def __str__(self):
        return f"{self.resource} in {self.reading_list}"


class Popularity(models.Model):
    """
    How many members saved a work, each counted once however many of their
    lists hold it. Kept by library.services in the transaction of every save
    and removal, so pages read it with the work and never count per row.
    """

    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, primary_key=True, related_name="popularity"
    )
    members = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "popularity"
        indexes = [models.Index(fields=["-members"], name="library_popularity_members")]

    def __str__(self):
        return f"{self.resource}: saved by {self.members}"


class ReadingPath(models.Model):
    """A curators' ordered, annotated list of works, for newcomers to a subject."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    introduction = models.TextField(blank=True, help_text="Markdown; raw HTML is not rendered.")
    is_published = models.BooleanField("published", default=False)
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Paths are listed by this number, smallest first."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReadingPathQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("library:path_detail", kwargs={"slug": self.slug})


class ReadingPathStep(models.Model):
    """One work on a reading path, with the curators' note on why to read it there."""

    path = models.ForeignKey(ReadingPath, on_delete=models.CASCADE, related_name="steps")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    annotation = models.TextField(blank=True, help_text="Markdown: why read it, and what for.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["path", "resource"], name="library_step_once_per_path")
        ]

    def __str__(self):
        return f"{self.position}. {self.resource}"


class Follow(models.Model):
    """A member follows one tag, category or research group, for their digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        ResearchGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(tag__isnull=False, category__isnull=True, group__isnull=True)
                    | Q(tag__isnull=True, category__isnull=False, group__isnull=True)
                    | Q(tag__isnull=True, category__isnull=True, group__isnull=False)
                ),
                name="library_follow_exactly_one_target",
            ),
            models.UniqueConstraint(fields=["user", "tag"], name="library_follow_tag_once"),
            models.UniqueConstraint(
                fields=["user", "category"], name="library_follow_category_once"
            ),
            models.UniqueConstraint(fields=["user", "group"], name="library_follow_group_once"),
        ]

    def __str__(self):
        return f"{self.user} follows {self.target}"

    @property
    def kind(self) -> str:
        return "tag" if self.tag_id else "category" if self.category_id else "group"

    @property
    def target(self):
        return self.tag or self.category or self.group


class DigestSubscription(models.Model):
    """
    How often a member wants mail about what was published in what they
    follow, and up to when the last digest covered. Each digest covers the
    works published after ``covered_until``, so none is sent twice or missed.
    """

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        OFF = "off", "No mail"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest"
    )
    frequency = models.CharField(max_length=10, choices=Frequency, default=Frequency.WEEKLY)
    covered_until = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=["daily", "weekly", "off"]),
                name="library_digest_frequency_valid",
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.get_frequency_display()}"
