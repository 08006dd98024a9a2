import unicodedata

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from catalog.canonical import canonical_key
from catalog.links import slug_url
from catalog.querysets import ResourceQuerySet
from catalog.text import clean_multiline, validate_single_line

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
# A link counts as broken after failures on this many separate checks (at least
# settings.LINK_BROKEN_MIN_HOURS apart); one success resets the count.
BROKEN_LINK_FAILURES = 3


class CleanText:
    """
    The text rules of catalog.text for a model: ``single_line_fields`` refuse
    line breaks and invisible characters in validation (forms, the admin, the
    loaders' full_clean), and ``multiline_fields`` are normalised on every save.
    """

    single_line_fields: tuple[str, ...] = ()
    multiline_fields: tuple[str, ...] = ()

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name in self.single_line_fields:
            if name in (exclude or ()) or name in errors:
                continue
            try:
                validate_single_line(getattr(self, name))
            except ValidationError as error:
                errors[name] = error.error_list
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        for name in self.multiline_fields:
            setattr(self, name, clean_multiline(getattr(self, name)))
        super().save(*args, **kwargs)


class Category(CleanText, models.Model):
    """A section of the list: Tools, Papers, Articles, Surveys."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Categories are listed by this number, smallest first."
    )

    single_line_fields = ("name",)
    multiline_fields = ("description",)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class ResearchGroup(CleanText, models.Model):
    """A lab or community behind some of the resources (EleutherAI, PAIR, ...)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    website = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True, help_text="Markdown.")

    single_line_fields = ("name",)
    multiline_fields = ("description",)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TaggedResource(TaggedItemBase):
    """Tag to resource, by a plain foreign key rather than taggit's generic one."""

    content_object = models.ForeignKey(
        "Resource", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="catalog_taggedresource_unique_tag"
            )
        ]


class Resource(CleanText, models.Model):
    """One work in the catalog: a tool, paper, article or survey."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class LinkResult(models.TextChoices):
        OK = "ok", "OK"
        REDIRECTED = "redirected", "Moved permanently"
        ERROR = "error", "Error"
        TIMEOUT = "timeout", "Timed out"
        UNKNOWN = "unknown", "Unknown (access refused or rate-limited)"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    url = models.URLField("URL", max_length=500)
    canonical_key = models.CharField(
        max_length=500,
        editable=False,
        help_text="Identifies the work whatever form its URL takes; computed from the URL.",
    )
    description = models.TextField(blank=True, help_text="Markdown; raw HTML is not rendered.")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="resources")
    groups = models.ManyToManyField(
        ResearchGroup, blank=True, related_name="resources", verbose_name="research groups"
    )
    tags = TaggableManager(through=TaggedResource, blank=True)
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(EARLIEST_YEAR), MaxValueValidator(LATEST_YEAR)],
        help_text="Year of publication or first release.",
    )
    authors = models.ManyToManyField(
        "Author", through="ResourceAuthor", blank=True, related_name="resources"
    )
    venue = models.CharField(max_length=200, blank=True, help_text="e.g. NeurIPS 2023.")
    code_url = models.URLField("code URL", max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    featured = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept current by catalog.search on PostgreSQL (GIN-indexed there); unused on SQLite,
    # which searches an FTS5 table instead.
    search_vector = SearchVectorField(null=True, editable=False)
    # Link health, written only by catalog.services.link_check.
    link_checked_at = models.DateTimeField(
        "link last checked", null=True, blank=True, editable=False
    )
    link_status = models.PositiveSmallIntegerField(
        "HTTP status", null=True, blank=True, editable=False
    )
    link_result = models.CharField(
        "link check result", max_length=10, choices=LinkResult, blank=True, editable=False
    )
    link_detail = models.CharField(max_length=200, blank=True, editable=False)
    link_final_url = models.URLField(
        "URL it moved to",
        max_length=500,
        blank=True,
        editable=False,
        help_text="Where a permanent redirect leads: the URL to update to.",
    )
    link_failures = models.PositiveSmallIntegerField(
        "consecutive link failures", default=0, editable=False
    )
    link_failure_counted_at = models.DateTimeField(
        "last failure counted at",
        null=True,
        blank=True,
        editable=False,
        help_text="Start of the check run whose failure was last counted.",
    )
    link_confirmed_at = models.DateTimeField(
        "link last confirmed",
        null=True,
        blank=True,
        editable=False,
        help_text="When a check last found the link answering.",
    )

    objects = ResourceQuerySet.as_manager()

    single_line_fields = ("title", "venue")
    multiline_fields = ("description",)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["canonical_key"], name="catalog_resource_unique_canonical_key"
            ),
            models.CheckConstraint(
                condition=~Q(canonical_key=""), name="catalog_resource_canonical_key_set"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "archived"]),
                name="catalog_resource_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=EARLIEST_YEAR, year__lte=LATEST_YEAR),
                name="catalog_resource_year_in_range",
            ),
        ]
        # Each public order has an index that yields a page without sorting the catalog.
        indexes = [
            # The list's default order, recently added first (catalog.filters.ORDERINGS).
            models.Index(fields=["status", "-created_at", "-id"], name="catalog_res_status_added"),
            models.Index(fields=["status", "year"], name="catalog_res_status_year"),
            # Feeds list the newest published first.
            models.Index(
                fields=["status", "-published_at", "-id"], name="catalog_res_status_published"
            ),
            # The home page's featured works, a few hundred among the whole catalog.
            models.Index(
                fields=["status", "-published_at", "-id"],
                condition=Q(featured=True),
                name="catalog_res_featured",
            ),
            # Tag pages, in title order; category pages, in title order within one category.
            models.Index(fields=["status", "title"], name="catalog_res_status_title"),
            models.Index(fields=["status", "category", "title"], name="catalog_res_category_title"),
            # The list sorted by title (?sort=title).
            models.Index(F("status"), Lower("title"), F("id"), name="catalog_res_lower_title"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.canonical_key = canonical_key(self.url)
        if not self.slug:
            self.slug = unique_slug(self.title, Resource)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("catalog:resource_detail", self.slug)

    def author_names(self) -> list[str]:
        """The authors' names in their order (uses ``authorships`` when prefetched)."""
        return [authorship.author.name for authorship in self.ordered_authorships()]

    def ordered_authorships(self):
        prefetched = getattr(self, "_prefetched_objects_cache", {})
        if "authorships" in prefetched:
            return sorted(prefetched["authorships"], key=lambda authorship: authorship.position)
        return self.authorships.select_related("author").order_by("position")

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def link_broken(self) -> bool:
        return self.link_failures >= BROKEN_LINK_FAILURES

    @property
    def archived_copy_url(self) -> str:
        """The Wayback Machine's captures of the URL: a link for readers, never fetched here."""
        return f"https://web.archive.org/web/*/{self.url}"

    def clean(self):
        super().clean()
        if not self.url:
            return
        # Set here as well as in save() so that constraint validation sees it.
        self.canonical_key = canonical_key(self.url)
        duplicates = Resource.objects.matching_url(self.url).exclude(pk=self.pk)
        if duplicate := duplicates.first():
            raise ValidationError(
                {"url": f"This work is already in the catalog as “{duplicate}” ({duplicate.slug})."}
            )


def normalised_name(name: str) -> str:
    """What makes two author names the same person: case, accents' forms and spacing aside."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class Author(CleanText, models.Model):
    """A person or team credited with works; one record across all their works."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    normalised_name = models.CharField(max_length=200, unique=True, editable=False)

    single_line_fields = ("name",)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalised_name = normalised_name(self.name)
        if not self.slug:
            self.slug = unique_slug(unidecode_name(self.name), Author)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("catalog:author_detail", self.slug)


def unidecode_name(name: str) -> str:
    """ASCII letters for a slug: "Adrià" gives "Adria"."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or name


class ResourceAuthor(models.Model):
    """One author of one work, at their place in the author list (0 first)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["resource", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "position"], name="catalog_resourceauthor_unique_position"
            ),
            models.UniqueConstraint(
                fields=["resource", "author"], name="catalog_resourceauthor_unique_author"
            ),
        ]
        indexes = [models.Index(fields=["author", "resource"], name="catalog_resauthor_author")]

    def __str__(self):
        return f"{self.author} on {self.resource}"


class SearchSynonym(models.Model):
    """
    Words that mean the same to a reader of the field ("SAE", "sparse
    autoencoder"): a search for any of them finds works using any other.
    """

    terms = models.CharField(
        max_length=500,
        unique=True,
        help_text="Two or more equivalent terms separated by commas, e.g. "
        "“SAE, sparse autoencoder”. Case does not matter.",
    )

    class Meta:
        ordering = ["terms"]

    def __str__(self):
        return self.terms

    def term_list(self) -> list[str]:
        return [term.strip() for term in self.terms.split(",") if term.strip()]

    def clean(self):
        super().clean()
        terms = self.term_list()
        if len(terms) < 2:
            raise ValidationError({"terms": "Give at least two terms, separated by commas."})
        self.terms = ", ".join(terms)


class SearchTerm(models.Model):
    """
    A word found in the indexed text: the vocabulary that a misspelt or
    run-together query word is matched against by trigram similarity.
    """

    word = models.CharField(max_length=100, unique=True)

    def __str__(self):
        return self.word


class ExternalLink(CleanText, models.Model):
    """A further link beside the main one: an OpenReview page, a thread, a Discord."""

    label = models.CharField(max_length=50, help_text="What the link is, e.g. OpenReview.")
    url = models.URLField("URL", max_length=500)

    single_line_fields = ("label",)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return f"{self.label}: {self.url}"


class ResourceLink(ExternalLink):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="links")
    # Indexed so that a proposal of this link is recognised as the same work.
    canonical_key = models.CharField(max_length=500, editable=False, db_index=True)

    def save(self, *args, **kwargs):
        self.canonical_key = canonical_key(self.url)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.canonical_key = canonical_key(self.url)


class ResearchGroupLink(ExternalLink):
    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE, related_name="links")


def unique_slug(text: str, model: type[models.Model], max_length: int = 80) -> str:
    """A slug for ``text`` not yet used by ``model``, numbered if need be (-2, -3...)."""
    return free_slug(
        text, lambda slug: model._default_manager.filter(slug=slug).exists(), max_length
    )


def free_slug(text: str, taken, max_length: int = 80) -> str:
    """The slug of ``text``, numbered if need be (-2, -3...) until ``taken(slug)`` is false."""
    base = slugify(text)[:max_length].strip("-") or "item"
    slug, number = base, 1
    while taken(slug):
        number += 1
        slug = f"{base[: max_length - len(str(number)) - 1]}-{number}"
    return slug


class RepositoryMetadata(models.Model):
    """
    What GitHub last said of a resource's repository (the resource's own URL
    for a tool, else its code link). Written only by
    catalog.services.metadata_refresh; a resource without one was never looked up.
    """

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, related_name="repository")
    url = models.URLField("repository URL asked about", max_length=500)
    full_name = models.CharField(
        max_length=200, help_text="owner/name as GitHub gives it now (a renamed one's new name)."
    )
    # The repository's identity now, so that a proposal of its new address is known.
    canonical_key = models.CharField(max_length=250, db_index=True)
    stars = models.PositiveIntegerField(null=True, blank=True)
    pushed_at = models.DateTimeField("last push", null=True, blank=True)
    archived = models.BooleanField(default=False)
    license = models.CharField("licence", max_length=100, blank=True)
    latest_release = models.CharField(max_length=100, blank=True)
    latest_release_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField("last refreshed")

    class Meta:
        verbose_name = "repository metadata"
        verbose_name_plural = "repository metadata"
        indexes = [models.Index(fields=["archived", "pushed_at"], name="catalog_repo_maintenance")]

    def __str__(self):
        return self.full_name

    @property
    def html_url(self) -> str:
        return f"https://github.com/{self.full_name}"

    @property
    def moved(self) -> bool:
        """GitHub gives another name than the address the catalog holds."""
        return self.canonical_key != canonical_key(self.url)

    @property
    def maintenance(self) -> str | None:
        """archived, unmaintained (idle longer than the setting), active, or None if unknown."""
        from catalog.maintenance import maintenance_of  # it imports this module

        return maintenance_of(self)


class PaperMetadata(models.Model):
    """
    What arXiv last said of a paper in the catalog: its latest version, a
    journal reference, a withdrawal. Nothing here changes the resource: the
    data-quality report shows a curator what differs.
    """

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, related_name="paper")
    arxiv_id = models.CharField("arXiv identifier", max_length=40)
    latest_version = models.PositiveSmallIntegerField(null=True, blank=True)
    journal_ref = models.CharField("journal reference", max_length=500, blank=True)
    withdrawn = models.BooleanField(default=False)
    fetched_at = models.DateTimeField("last refreshed")

    class Meta:
        verbose_name = "paper metadata"
        verbose_name_plural = "paper metadata"

    def __str__(self):
        return f"arXiv:{self.arxiv_id}v{self.latest_version or '?'}"


class CatalogVersion(models.Model):
    """
    One row whose number changes, to a new random value, whenever anything
    public in the catalog changes. Cached pages and lists are keyed by it, so
    every process sees a change at once; random values never repeat, even
    after the table is emptied.
    """

    number = models.BigIntegerField(default=0)

    def __str__(self):
        return f"catalog version {self.number}"


class LinkCheckRun(models.Model):
    """
    One run of the link checker. An inconclusive run (the checker itself could
    not reach the network) changed no resource; its counts say what it saw.
    """

    started_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    inconclusive = models.BooleanField(default=False, editable=False)
    note = models.CharField(max_length=300, blank=True, editable=False)
    checked = models.PositiveIntegerField("links checked", default=0, editable=False)
    ok = models.PositiveIntegerField(default=0, editable=False)
    redirected = models.PositiveIntegerField(default=0, editable=False)
    error = models.PositiveIntegerField(default=0, editable=False)
    timeout = models.PositiveIntegerField(default=0, editable=False)
    unknown = models.PositiveIntegerField(default=0, editable=False)
    unreachable = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Links whose server could not be reached at all (name look-up or connection).",
    )
    newly_broken = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self):
        state = "inconclusive" if self.inconclusive else f"{self.checked} checked"
        return f"link check of {self.started_at:%Y-%m-%d %H:%M} ({state})"


class LinkCheckExemption(models.Model):
    """A host the link checker leaves alone (it refuses robots): its links are `unknown`."""

    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="A host name, e.g. example.org; its subdomains are exempt too.",
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = "link-check exception"

    def __str__(self):
        return self.domain

    def clean(self):
        super().clean()
        self.domain = self.domain.strip().lower().rstrip(".").removeprefix("www.")
        if not self.domain or "/" in self.domain or " " in self.domain:
            raise ValidationError({"domain": "Give a host name only, e.g. example.org."})

    def covers(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host == self.domain or host.endswith("." + self.domain)
