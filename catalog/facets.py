"""
The catalog's facets, with counts of published resources: categories,
research groups and tags. Computed once per catalog version and cached, since
every list page shows them and they change only when the catalog does.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from taggit.models import Tag

from catalog.cache import cached_for_version
from catalog.models import Category, ResearchGroup, Resource, TaggedResource
from catalog.search import synonym_groups

PUBLISHED = Q(resources__status=Resource.Status.PUBLISHED)


def published_tags() -> list[Tag]:
    """
    Tags of published resources, most used first (ties by name), each with
    its ``resource_count``. Counted from the published resources' tag links
    (an index search), then matched to tags: one query joining every tag link
    to its resource row is several times slower at 10,000 resources.
    """
    published = Resource.objects.filter(status=Resource.Status.PUBLISHED).values("pk")
    counts = dict(
        TaggedResource.objects.filter(content_object__in=published)
        .order_by()
        .values_list("tag_id")
        .annotate(count=Count("pk"))
    )
    tags = [tag for tag in Tag.objects.order_by("name") if tag.pk in counts]
    for tag in tags:
        tag.resource_count = counts[tag.pk]
    tags.sort(key=lambda tag: -tag.resource_count)  # stable: ties keep the database's name order
    return tags


def categories_with_counts():
    """
    Categories with a published resource, with how many: a category holding
    only drafts (an import's, say) or nothing never shows on a public page.
    """
    # Meta.ordering is dropped from aggregate queries, hence order_by.
    return (
        Category.objects.annotate(resource_count=Count("resources", filter=PUBLISHED))
        .filter(resource_count__gt=0)
        .order_by("order", "name")
    )


def groups_with_counts():
    return ResearchGroup.objects.annotate(
        resource_count=Count("resources", filter=PUBLISHED)
    ).order_by("name")


@dataclass(frozen=True)
class Facets:
    categories: list[Category]
    groups: list[ResearchGroup]
    tags: list[Tag]  # only tags of published resources, most used first
    synonyms: list = field(default_factory=list)  # the search's, as synonym_groups gives them
    categories_by_slug: dict = field(init=False, repr=False)
    groups_by_slug: dict = field(init=False, repr=False)
    tags_by_slug: dict = field(init=False, repr=False)

    def __post_init__(self):
        for name in ("categories", "groups", "tags"):
            by_slug = {item.slug: item for item in getattr(self, name)}
            object.__setattr__(self, f"{name}_by_slug", by_slug)


def catalog_facets(version: int | None = None) -> Facets:
    return cached_for_version(
        "facets",
        lambda: Facets(
            categories=list(categories_with_counts()),
            groups=list(groups_with_counts()),
            tags=published_tags(),
            synonyms=synonym_groups(),
        ),
        version=version,
    )
