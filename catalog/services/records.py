"""
One upsert and one validation path for every loader of resources: the
starting catalog, the markdown import and the approval of proposals.

A loader describes each work as a ResourceRecord; ResourceUpsert finds it by
canonical key (main and extra links), creates or, when asked, updates it, and
says which. Every row is validated by ``record_validate`` before it is
written. New resources are written in batches, with their links, tags,
groups and authors, and without a signal per row: ``finish`` brings the
search index and the catalog's version up to date once, at the end, so that a
file of 100,000 items loads in linear time and in seconds.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone
from django.utils.text import slugify

from catalog.cache import catalog_changed
from catalog.canonical import canonical_key
from catalog.models import Category, Resource, ResourceLink, free_slug
from catalog.search import index_resources
from catalog.services.authors import (
    resource_set_authors,
    resources_credit_authors,
    split_author_names,
)
from catalog.services.common import links_differ, validation_summary
from catalog.services.tags import resources_add_tags
from catalog.text import clean_multiline

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
BATCH_SIZE = 500
SLUG_LENGTH = 80
# What a new resource takes from the clock or the model's defaults, never from a record
# (dates, link health, the search vector): nothing a loader gives, so nothing to check.
UNSET_BY_RECORDS = frozenset(
    field.name
    for field in Resource._meta.concrete_fields
    if not field.editable and field.name != "canonical_key"
)


class RecordInvalid(Exception):
    """A record cannot be written; the message names it and each invalid field."""

    def __init__(self, where: str, summary: str):
        self.where, self.summary = where, summary
        super().__init__(f"{where}: {summary}" if where else summary)


def record_validate(instance: models.Model, where: str = "", exclude=None) -> models.Model:
    """
    Check every field of ``instance`` against its model (lengths, URLs,
    choices, ranges) before it is written. Sameness of works is the upsert's
    business, by canonical key, so no query is made here.
    """
    if hasattr(instance, "canonical_key") and getattr(instance, "url", ""):
        instance.canonical_key = canonical_key(instance.url)
    # A foreign key holding a row already read from the database needs no query to check it.
    exclude = set(exclude or ()) | {
        field.name
        for field in instance._meta.concrete_fields
        if field.many_to_one
        and field.is_cached(instance)
        and getattr(field.get_cached_value(instance), "pk", None) is not None
    }
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        raise RecordInvalid(where, validation_summary(error)) from error
    return instance


@dataclass
class ResourceRecord:
    """A work as a loader read it. ``None`` for tags, groups or links: leave them as they are."""

    title: str
    url: str
    category: Category
    description: str = ""
    year: int | None = None
    authors: str | list[str] = ""  # names in order, or an author list as text ("A, B and C")
    venue: str = ""
    code_url: str = ""
    featured: bool | None = None
    slug: str = ""
    tags: list[str] | None = None
    groups: list[int] | None = None
    links: list[tuple[str, str]] | None = None
    added: date | None = None  # the day it joined the catalog, for a new resource
    where: str = ""  # how messages name it: "line 12", "resources entry 3"
    # Fields an update may rewrite; the others are kept as curators left them.
    update_fields: tuple[str, ...] = (
        "title", "description", "category", "year", "authors", "venue", "code_url", "featured",
    )  # fmt: skip
    keys: list[str] = field(init=False)

    def __post_init__(self):
        if isinstance(self.authors, str):
            self.authors = split_author_names(self.authors)
        self.keys = [canonical_key(self.url)] + [canonical_key(url) for _, url in self.links or []]

    def values(self) -> dict:
        values = {
            "title": self.title[:300],
            "description": self.description,
            "category": self.category,
            "year": self.year,
            "venue": self.venue[:200],
            "code_url": self.code_url,
        }
        if self.featured is not None:
            values["featured"] = self.featured
        return values


class ResourceUpsert:
    """
    Create or update resources from records, in one transaction that the caller
    holds. ``preload`` reads every canonical key and slug once (for files of
    many records); without it each record costs a couple of indexed queries.
    Call ``finish()`` at the end: new resources are written in batches, and
    indexed for search and announced to the caches once.
    """

    def __init__(self, *, status: str, update: bool = False, preload: bool = True):
        self.status, self.update = status, update
        self.preloaded = preload
        self.pending: list[tuple[Resource, ResourceRecord]] = []
        self.created: list[Resource] = []
        self.keys: dict[str, int | None] = {}
        self.slugs: set[str] = set()
        if preload:
            self.keys = dict(Resource.objects.values_list("canonical_key", "pk"))
            self.keys.update(
                (key, pk)
                for key, pk in ResourceLink.objects.values_list("canonical_key", "resource_id")
                if key not in self.keys
            )
            self.slugs = set(Resource.objects.values_list("slug", flat=True))

    def find(self, record: ResourceRecord) -> Resource | None:
        """The resource ``record`` describes, matched by any of its links, if it exists."""
        for key in record.keys:
            if self.preloaded:
                if key in self.keys and self.keys[key] is None:
                    self.flush()  # taken by a resource of this load not written yet
                pk = self.keys.get(key)
            else:
                pk = (
                    Resource.objects.filter(
                        models.Q(canonical_key=key) | models.Q(links__canonical_key=key)
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
            if pk is not None:
                return Resource.objects.get(pk=pk)
        return None

    def upsert(self, record: ResourceRecord) -> tuple[str, Resource | None]:
        """Create, update or leave alone the resource of ``record``; says which."""
        existing = self.find(record)
        if existing is None:
            return CREATED, self._create(record)
        if not self.update:
            return UNCHANGED, existing
        return (UPDATED if self._update(existing, record) else UNCHANGED), existing

    def _create(self, record: ResourceRecord) -> Resource:
        resource = Resource(
            url=record.url,
            slug=record.slug or self._slug(record.title),
            status=self.status,
            **record.values(),
        )
        if self.status == Resource.Status.PUBLISHED:
            resource.published_at = timezone.now()
        record_validate(resource, record.where, exclude=UNSET_BY_RECORDS)
        links = [
            # Its resource is not written yet: the link is checked without it.
            record_validate(ResourceLink(label=label, url=url), record.where, exclude=["resource"])
            for label, url in record.links or []
        ]
        resource.new_links = links
        for key in record.keys:
            self.keys[key] = None  # taken, by a resource not yet written
        self.pending.append((resource, record))
        if len(self.pending) >= BATCH_SIZE:
            self.flush()
        return resource

    def _slug(self, title: str) -> str:
        if not self.preloaded:
            base = slugify(title)[:SLUG_LENGTH].strip("-") or "item"
            self.slugs.update(
                Resource.objects.filter(slug__startswith=base).values_list("slug", flat=True)
            )
        slug = free_slug(title, self.slugs.__contains__, SLUG_LENGTH)
        self.slugs.add(slug)
        return slug

    def flush(self) -> None:
        """Write the new resources waiting, with their links, tags, groups and authors."""
        if not self.pending:
            return
        now = timezone.now()
        resources = []
        for resource, record in self.pending:
            resource.created_at = resource.updated_at = now
            if record.added:
                # Dated from the day it joined the catalog, not the day of the load.
                resource.created_at = datetime.combine(record.added, time.min, tzinfo=UTC)
                if resource.published_at:
                    resource.published_at = resource.created_at
            resources.append(resource)
        _insert(resources)
        links, groups, tagged, credited = [], [], [], []
        for resource, record in self.pending:
            for link in resource.new_links:
                link.resource = resource
                links.append(link)
            for key in record.keys:
                self.keys[key] = resource.pk
            groups += [
                Resource.groups.through(resource_id=resource.pk, researchgroup_id=group_id)
                for group_id in record.groups or []
            ]
            if record.tags:
                tagged.append((resource, record.tags))
            if record.authors:
                credited.append((resource, record.authors))
        ResourceLink.objects.bulk_create(links)
        Resource.groups.through.objects.bulk_create(groups)
        resources_credit_authors(credited)
        resources_add_tags(tagged)
        self.created += resources
        self.pending = []

    def finish(self) -> None:
        """
        Write what is waiting, then index the new resources for search and mark
        the catalog changed, once: their rows were written without signals.
        Updated resources were saved one by one, their signals did both.
        """
        self.flush()
        if self.created:
            index_resources([resource.pk for resource in self.created])
            catalog_changed()

    def _update(self, resource: Resource, record: ResourceRecord) -> bool:
        values = record.values()
        values = {name: values[name] for name in record.update_fields if name in values}
        changed = False
        for name, value in values.items():
            if getattr(resource, name) != value:
                setattr(resource, name, value)
                changed = True
        if changed:
            record_validate(resource, record.where).save()
        if "authors" in record.update_fields and resource_set_authors(resource, record.authors):
            changed = True
        if record.tags is not None:
            current = sorted(tag.name.lower() for tag in resource.tags.all())
            if current != sorted(record.tags):
                resource.tags.set(record.tags, clear=True)
                changed = True
        groups = record.groups
        if groups is not None and set(resource.groups.values_list("pk", flat=True)) != set(groups):
            resource.groups.set(groups)
            changed = True
        if record.links is not None and links_differ(resource.links, record.links):
            resource.links.all().delete()
            for label, url in record.links:
                record_validate(ResourceLink(resource=resource, label=label, url=url)).save()
            changed = True
        return changed


def _insert(resources: list[Resource]) -> None:
    """
    Insert new ``resources`` and give each its primary key: the rows
    ``bulk_create`` would write, with descriptions made clean as ``save()``
    makes them, without the ORM compiling each of the many values one by one
    (most of a large load's time). The keys are read back by slug, unique.
    """
    fields = [field for field in Resource._meta.concrete_fields if not field.primary_key]
    database = connections[DEFAULT_DB_ALIAS]  # looked up once, not once a value
    quote = database.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join("%s" for _ in fields)
    sql = f"INSERT INTO {quote(Resource._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 -- the model's own names; values are parameters

    def prepared(field, resource):
        value = getattr(resource, field.attname)
        # Text, numbers and NULL go as they are; dates and the like through their field.
        if value is None or type(value) in (str, int, bool):
            return value
        return field.get_db_prep_save(value, database)

    rows = []
    for resource in resources:
        for name in Resource.multiline_fields:
            setattr(resource, name, clean_multiline(getattr(resource, name)))
        rows.append([prepared(field, resource) for field in fields])
    with database.cursor() as cursor:
        cursor.executemany(sql, rows)
    keys = {}
    for start in range(0, len(resources), BATCH_SIZE):
        slugs = [resource.slug for resource in resources[start : start + BATCH_SIZE]]
        keys.update(Resource.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    for resource in resources:
        resource.pk = keys[resource.slug]
        resource._state.adding, resource._state.db = False, database.alias
