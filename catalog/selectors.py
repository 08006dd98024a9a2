"""
The catalog's read path: what the list page, its htmx fragment, the API and
the citation exports show for a query string, and what the home and author
pages list. One FilterSet is built per request, here; views only render.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch
from django.utils.text import Truncator

from catalog.cache import cached_for_version, catalog_version
from catalog.canonical import canonical_key
from catalog.citations import catalog_citation_keys
from catalog.facets import Facets, catalog_facets
from catalog.filters import SORT_RELEVANCE, ResourceFilter
from catalog.models import Resource, ResourceAuthor, ResourceLink, TaggedResource

# What a visitor is told when a filter value cannot be used; the filter is then ignored.
FILTER_NOTICES = {
    "q": "The search text was ignored: keep it under 200 characters, without control characters.",
    "tag": "The tags were ignored: {error}",
    "category": "There is no category “{value}”, so every category is shown.",
    "group": "There is no research group “{value}”, so every group is shown.",
    "year_min": "“{value}” is not a year from 1900 to 2100, so the “from” year was ignored.",
    "year_max": "“{value}” is not a year from 1900 to 2100, so the “to” year was ignored.",
    "sort": "“{value}” is not a way to sort, so the default order is used.",
    "maintenance": "“{value}” is not a maintenance state (active, unmaintained or archived), "
    "so it was ignored.",
}
# The filters that narrow the list (sort and page only arrange it).
NARROWING = ("q", "tag", "category", "group", "year_min", "year_max", "maintenance")
ARXIV_ID = re.compile(r"^(?:arxiv:\s*)?(\d{4}\.\d{4,5})(?:v\d+)?$", re.IGNORECASE)
HOME_FEATURED = 12
HOME_RECENT = 12
HOME_TAGS = 20
HOME_GROUPS = 12
# How many of a search's results are kept in ranked order per catalog version:
# ten pages, so that paging through them does not rank every match again.
RANKED_IDS_KEPT = 240
# A tag on more works than this is read in title order (``tag_resources``).
COMMON_TAG = 1000


@dataclass
class ResourceQuery:
    """A request's filters: the FilterSet, what was ignored and why, and what was kept."""

    filterset: ResourceFilter
    notices: list[str]
    params: object  # a QueryDict of the usable parameters, page excluded
    facets: Facets
    _counts: dict | None = field(default=None, init=False, repr=False)

    @property
    def data(self) -> dict:
        return self.filterset.form.cleaned_data

    @property
    def narrowed(self) -> bool:
        return any(self.data.get(name) not in (None, "", []) for name in NARROWING)

    @property
    def resources(self):
        """The filtered, ordered resources, with what a list item shows loaded."""
        return listed(self.filterset.qs)

    @property
    def filters_key(self) -> str:
        """The narrowing filters as a short digest: a cache key for what depends on them."""
        data = self.data
        key = "&".join(
            f"{name}={value}"
            for name in NARROWING
            for value in (data.get(name) if name == "tag" else [data.get(name)]) or []
            if value not in (None, "")
        )
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    def counts(self, *, version: int | None = None) -> dict:
        """
        Counts by primary key (tags, categories, groups) and by year under the
        other active filters (``raw_facet_counts``), read once per request and
        cached per catalog version and filters.
        """
        if self._counts is None:
            if self.narrowed:
                self._counts = cached_for_version(
                    f"facet-counts:{self.filters_key}",
                    lambda: raw_facet_counts(self),
                    version=version,
                )
            else:  # the whole catalog: its cached counts, and the years'
                facets = self.facets
                self._counts = {
                    "tags": {tag.pk: tag.resource_count for tag in facets.tags},
                    "categories": {
                        category.pk: category.resource_count for category in facets.categories
                    },
                    "groups": {group.pk: group.resource_count for group in facets.groups},
                    "years": cached_for_version(
                        "facet-years",
                        lambda: raw_facet_counts(self, only="years"),
                        version=version,
                    )["years"],
                }
        return self._counts

    def count(self, *, version: int | None = None) -> int:
        """
        How many resources the filters give, read from the category counts
        rather than counted again: every resource has one category, and those
        counts are taken under every filter but the category.
        """
        by_category = self.counts(version=version)["categories"]
        if chosen := self.data.get("category"):
            return by_category.get(self.facets.categories_by_slug[chosen].pk, 0)
        return sum(by_category.values())

    def results(self, *, version: int | None = None) -> "CountedResults":
        """What the list pages through: ``resources``, its size known, a search's ranking kept."""
        resources = self.resources
        ranked_ids = None
        if self.filterset.sort_order == SORT_RELEVANCE:
            ranked_ids = cached_for_version(
                f"ranked-ids:{self.filters_key}",
                lambda: list(self.filterset.qs.values_list("pk", flat=True)[:RANKED_IDS_KEPT]),
                version=version,
            )
        return CountedResults(resources, self.count(version=version), ranked_ids)


class CountedResults:
    """
    A list of resources for the paginator, whose size is known without a
    COUNT over the catalog. For a search ordered by relevance, ``ranked_ids``
    holds the first results in order, so that their pages are read by primary
    key instead of ranking every match again; later pages run the query.
    """

    def __init__(self, queryset, count: int, ranked_ids: list[int] | None = None):
        self.queryset = queryset
        self.size = count
        self.ranked_ids = ranked_ids

    @property
    def model(self):
        return self.queryset.model

    def count(self) -> int:
        return self.size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index):
        if not isinstance(index, slice) or self.ranked_ids is None:
            return self.queryset[index]
        stop = self.size if index.stop is None else index.stop
        if stop > len(self.ranked_ids) and len(self.ranked_ids) < self.size:
            return self.queryset[index]
        ids = self.ranked_ids[index]
        by_id = {
            resource.pk: resource
            # What an item shows beyond the row is read for the items not yet rendered.
            for resource in listed(
                Resource.objects.published().filter(pk__in=ids)
            ).prefetch_related(None)
        }
        return [by_id[pk] for pk in ids if pk in by_id]


def resource_query(params, *, facets: Facets) -> ResourceQuery:
    """
    The one FilterSet for ``params`` with every unusable value dropped, the
    notices saying what was dropped, and the parameters that were kept.
    """
    kept = params.copy()
    kept.pop("page", None)
    notices = []
    base = Resource.objects.published()
    filterset = ResourceFilter(kept, queryset=base, facets=facets)
    if not filterset.is_valid():
        for name, errors in filterset.errors.items():
            value = Truncator(", ".join(kept.getlist(name))).chars(60)
            notices.append(FILTER_NOTICES[name].format(value=value, error=errors[0]))
            kept.pop(name, None)
        filterset = ResourceFilter(kept, queryset=base, facets=facets)
    if unknown := filterset.unknown_tags:
        notices.append(
            "No resource has the tag "
            + ", ".join(f"“{slug}”" for slug in unknown)
            + "; it was ignored."
        )
        kept.setlist(
            "tag", [slug for slug in filterset.form.cleaned_data["tag"] if slug not in unknown]
        )
        filterset = ResourceFilter(kept, queryset=base, facets=facets)
    filterset.is_valid()
    return ResourceQuery(filterset=filterset, notices=notices, params=kept, facets=facets)


def listed(queryset):
    """
    ``queryset`` with what a list item shows: category, tags, authors in order,
    the repository's liveness (catalog.maintenance) and how many members saved
    it (library app).
    """
    return queryset.select_related("category", "repository", "popularity").prefetch_related(
        "tags",
        Prefetch(
            "authorships",
            queryset=ResourceAuthor.objects.select_related("author").order_by("position"),
        ),
    )


def with_everything(queryset):
    """``listed`` plus groups and extra links: what the API gives of each resource."""
    return listed(queryset).prefetch_related(
        "groups", Prefetch("links", queryset=ResourceLink.objects.order_by("id"))
    )


def identifier_match(text: str) -> Resource | None:
    """The published work that a query naming an arXiv ID or a URL points at, if listed."""
    text = (text or "").strip()
    if match := ARXIV_ID.match(text):
        url = f"https://arxiv.org/abs/{match.group(1)}"
    elif re.match(r"^https?://\S+$", text, re.IGNORECASE):
        url = text
    else:
        return None
    if not canonical_key(url):
        return None
    return Resource.objects.published().matching_url(url).order_by("pk").first()


# Per-request reads of what every page needs, each read once per request.


def version_of(request) -> int:
    """The catalog version for this request, read once (the page cache may have read it)."""
    if not hasattr(request, "catalog_version"):
        request.catalog_version = catalog_version()
    return request.catalog_version


def facets_for(request):
    return catalog_facets(version=version_of(request))


def citation_keys_for(request) -> dict[int, str]:
    """Every citable work's key, worked out over the whole catalog once per version."""
    return cached_for_version(
        "citation-keys",
        catalog_citation_keys,
        version=version_of(request),
    )


# Facets whose counts follow the other active filters.


@dataclass(frozen=True)
class FacetOption:
    slug: str
    name: str
    count: int
    selected: bool

    def as_dict(self) -> dict:
        return {
            "slug": self.slug,
            "name": self.name,
            "count": self.count,
            "selected": self.selected,
        }


@dataclass(frozen=True)
class FacetCounts:
    """Each facet's options with the number of results choosing it would give."""

    tags: list[FacetOption]
    categories: list[FacetOption]
    groups: list[FacetOption]
    years: list[FacetOption]

    def as_dict(self) -> dict:
        return {
            name: [option.as_dict() for option in getattr(self, name)]
            for name in ("tags", "categories", "groups", "years")
        }


def facet_counts(query: ResourceQuery, *, version: int | None = None) -> FacetCounts:
    """
    Every facet's counts under all the other active filters: a tag's count is
    the number of results once it is added; a category's, group's or year's is
    the number with it instead of the chosen one. Cached per catalog version
    and filters.
    """
    data = query.data
    selected_tags = data.get("tag") or []
    year_min, year_max = data.get("year_min"), data.get("year_max")
    facets = query.facets
    counts = query.counts(version=version)
    tags = [
        FacetOption(tag.slug, tag.name, counts["tags"].get(tag.pk, 0), tag.slug in selected_tags)
        for tag in facets.tags
    ]
    # Chosen first, then those that would leave results, the most results first.
    tags.sort(key=lambda option: (not option.selected, option.count == 0, -option.count))
    categories = single_choice_options(
        facets.categories, counts["categories"], data.get("category")
    )
    groups = single_choice_options(facets.groups, counts["groups"], data.get("group"))
    years = [
        FacetOption(
            str(year),
            str(year),
            count,
            (year_min is not None or year_max is not None)
            and (year_min is None or year >= year_min)
            and (year_max is None or year <= year_max),
        )
        for year, count in sorted(counts["years"].items(), reverse=True)
    ]
    return FacetCounts(tags=tags, categories=categories, groups=groups, years=years)


def single_choice_options(records, counted: dict, chosen: str | None) -> list[FacetOption]:
    """A facet of which one value is chosen at a time (a category, a group), in its order."""
    return [
        FacetOption(record.slug, record.name, counted.get(record.pk, 0), record.slug == chosen)
        for record in records
    ]


def raw_facet_counts(query: ResourceQuery, only: str | None = None) -> dict:
    """Counts by primary key (tags, categories, groups) and by year; four queries (or one)."""
    filterset = query.filterset

    def ids(*without):
        return filterset.filtered_without(*without).values("pk")

    # Resources are grouped straight from the filtered query (no filter joins a
    # table that could repeat a row); COUNT(*) lets the (status, year) index alone
    # answer for the whole catalog.
    years = (
        filterset.filtered_without("year_min", "year_max")
        .filter(year__isnull=False)
        .values("year")
        .annotate(count=Count("*"))
        .order_by()
    )
    if only == "years":
        return {"years": {row["year"]: row["count"] for row in years}}

    tags = (
        TaggedResource.objects.filter(content_object_id__in=ids())
        .values("tag_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    categories = (
        filterset.filtered_without("category")
        .values("category_id")
        .annotate(count=Count("*"))
        .order_by()
    )
    groups = (
        Resource.groups.through.objects.filter(resource_id__in=ids("group"))
        .values("researchgroup_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {
        "tags": {row["tag_id"]: row["count"] for row in tags},
        "categories": {row["category_id"]: row["count"] for row in categories},
        "groups": {row["researchgroup_id"]: row["count"] for row in groups},
        "years": {row["year"]: row["count"] for row in years},
    }


# The home page: a bounded number of items whatever the catalog's size.


def home_sections(facets: Facets) -> dict:
    published = Resource.objects.published()
    return {
        # Cards show title, category and year only.
        "featured": list(
            published.filter(featured=True)
            .select_related("category")
            .order_by("-published_at", "-id")[:HOME_FEATURED]
        ),
        "recent": list(
            published.select_related("category").order_by("-created_at", "-id")[:HOME_RECENT]
        ),
        "categories": facets.categories,
        "resource_count": sum(category.resource_count for category in facets.categories),
        "top_tags": facets.tags[:HOME_TAGS],
        "tag_count": len(facets.tags),
        "groups": sorted(facets.groups, key=lambda group: -group.resource_count)[:HOME_GROUPS],
        "group_count": len(facets.groups),
    }


# The pages of one tag, category or group: their sizes are the facets' counts.


def tag_resources(tag) -> CountedResults:
    """Published resources with ``tag`` (one of the cached facets' tags), by title."""
    published = Resource.objects.published()
    if tag.resource_count > COMMON_TAG:
        # Walking the titles in order meets a page of a common tag's works soonest.
        tagged = TaggedResource.objects.filter(content_object=OuterRef("pk"), tag_id=tag.pk)
        resources = published.filter(Exists(tagged))
    else:
        # A rarer tag's few works are read through the tag and sorted. (PostgreSQL
        # chooses so by itself; SQLite's statistics know only the average tag.)
        resources = published.filter(tagged_items__tag_id=tag.pk)
    return CountedResults(listed(resources).order_by("title"), tag.resource_count)


def category_resources(category) -> CountedResults:
    """Published resources of ``category`` (one of the cached facets'), by title."""
    resources = listed(category.resources.published()).order_by("title")
    return CountedResults(resources, category.resource_count)


def group_resources(group) -> CountedResults:
    """Published resources of ``group`` (one of the cached facets'), the newest first."""
    resources = listed(group.resources.published()).order_by("-year", "title")
    return CountedResults(resources, group.resource_count)


def author_resources(author):
    """An author's published works, the newest first."""
    return listed(Resource.objects.published().filter(authorships__author=author)).order_by(
        "-year", "title"
    )
