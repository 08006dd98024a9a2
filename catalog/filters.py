"""The filters of the resource list, every one of them read from the query string."""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Lower
from django.utils.text import slugify

from catalog.maintenance import MAINTENANCE_CHOICES, maintenance_condition
from catalog.models import EARLIEST_YEAR, LATEST_YEAR, Resource, TaggedResource
from catalog.search import parse_query, search_filter, with_relevance

MAX_TAGS = 10

SORT_ADDED, SORT_NEWEST, SORT_TITLE, SORT_YEAR, SORT_RELEVANCE = (
    "added", "newest", "title", "year", "relevance",
)  # fmt: skip
SORT_STARS = "stars"
# Most saved first: the count library.services keeps on library.Popularity, read
# through a join (no count per row); a lag of the page cache's lifetime is accepted.
SORT_POPULAR = "popular"
# What the sort menu offers; "year" is still understood (older links), as "newest".
SORT_CHOICES = [
    (SORT_RELEVANCE, "Best match"),
    (SORT_ADDED, "Recently added"),
    (SORT_NEWEST, "Newest first"),
    (SORT_TITLE, "Title, A to Z"),
    (SORT_STARS, "GitHub stars, most first"),
    (SORT_POPULAR, "Most saved"),
]
ORDERINGS = {
    SORT_ADDED: [F("created_at").desc(), F("id").desc()],
    SORT_NEWEST: [F("year").desc(nulls_last=True), F("created_at").desc(), F("id").desc()],
    SORT_TITLE: [Lower("title"), "id"],
    SORT_YEAR: [F("year").desc(nulls_last=True), Lower("title")],
    # Works without a known repository come last, in title order.
    SORT_STARS: [F("repository__stars").desc(nulls_last=True), Lower("title"), "id"],
    SORT_POPULAR: [F("popularity__members").desc(nulls_last=True), F("created_at").desc(), "-id"],
    SORT_RELEVANCE: [
        "-title_match",
        "-relevance",
        Lower("title"),
    ],  # a name: on SQLite it is an extra select
}


class SlugListField(forms.Field):
    """Every value of a repeated parameter (``?tag=a&tag=b``), as distinct slugs."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        slugs = []
        for item in value:
            slug = slugify(str(item))
            if slug and slug not in slugs:
                slugs.append(slug)
        if len(slugs) > MAX_TAGS:
            raise forms.ValidationError(f"Choose at most {MAX_TAGS} tags.")
        return slugs


class TagsFilter(django_filters.Filter):
    """Resources carrying *every* one of the tags (tags unknown to the catalog are skipped)."""

    field_class = SlugListField

    def filter(self, queryset, value):
        for slug in value:
            tag = self.parent.facets.tags_by_slug.get(slug)
            if tag is None:  # no published resource has it
                return queryset.none()
            # One lookup in the (resource, tag) index per resource, for each tag.
            queryset = queryset.filter(
                Exists(TaggedResource.objects.filter(content_object=OuterRef("pk"), tag_id=tag.pk))
            )
        return queryset


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class SortFilter(django_filters.OrderingFilter):
    """
    ``?sort=``: one of the named orders (the first, if several are given).
    It runs after every other filter, even without a value (then the default
    order applies: best match when searching, most recently added otherwise).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [*SORT_CHOICES, (SORT_YEAR, "Year, newest first")])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return self.parent.ordered(qs)


class ResourceFilter(django_filters.FilterSet):
    """
    The list page's filters. Category, group and tag values are checked against
    the cached facets (``catalog.facets``), which saves a query for each.
    """

    q = django_filters.CharFilter(method="filter_search", label="Search", max_length=200)
    tag = TagsFilter(label="Tags")
    category = django_filters.ChoiceFilter(method="filter_category", label="Category")
    group = django_filters.ChoiceFilter(method="filter_group", label="Research group")
    year_min = YearFilter(
        field_name="year",
        lookup_expr="gte",
        label="From year",
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
    )
    year_max = YearFilter(
        field_name="year",
        lookup_expr="lte",
        label="To year",
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
    )
    # Repository liveness (catalog.maintenance), known once refresh_metadata has run.
    maintenance = django_filters.ChoiceFilter(
        method="filter_maintenance", choices=MAINTENANCE_CHOICES, label="Maintenance"
    )
    sort = SortFilter(label="Sort by")  # declared last: it orders what the others kept

    def __init__(self, data=None, queryset=None, *, facets, **kwargs):
        self.facets = facets
        super().__init__(data, queryset, **kwargs)
        self.filters["category"].extra["choices"] = [
            (category.slug, category.name) for category in facets.categories
        ]
        self.filters["group"].extra["choices"] = [
            (group.slug, group.name) for group in facets.groups
        ]

    def filter_search(self, queryset, name, value):
        return search_filter(queryset, self.parsed_query(value))

    def parsed_query(self, text):
        """The query read once per FilterSet (it looks up synonyms and the vocabulary)."""
        if getattr(self, "_parsed", (None, None))[0] != text:
            self._parsed = (text, parse_query(text, synonyms=self.facets.synonyms))
        return self._parsed[1]

    def ordered(self, queryset):
        """``queryset`` in the chosen order; relevance is worked out only when it orders."""
        sort = self.sort_order
        if sort == SORT_RELEVANCE:
            queryset = with_relevance(queryset, self.parsed_query(self.form.cleaned_data["q"]))
        return queryset.order_by(*ORDERINGS[sort])

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id=self.facets.categories_by_slug[value].pk)

    def filter_group(self, queryset, name, value):
        members = Resource.groups.through.objects.filter(
            researchgroup_id=self.facets.groups_by_slug[value].pk
        )
        return queryset.filter(pk__in=members.values("resource_id"))

    def filter_maintenance(self, queryset, name, value):
        return queryset.filter(maintenance_condition(value))

    def filtered_without(self, *names):
        """
        The queryset with every valid filter applied except ``names`` (and the
        order): what a facet counts under the other active filters.
        """
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name not in names and name != "sort":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def default_sort(self) -> str:
        """Best match first when searching, most recently added first otherwise."""
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        return SORT_RELEVANCE if data.get("q") else SORT_ADDED

    @property
    def sort_order(self) -> str:
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        sort = (data.get("sort") or [None])[0] or self.default_sort
        if sort == SORT_RELEVANCE and not data.get("q"):
            return SORT_ADDED
        return sort

    @property
    def unknown_tags(self) -> list[str]:
        slugs = self.form.cleaned_data.get("tag", []) if self.is_valid() else []
        return [slug for slug in slugs if slug not in self.facets.tags_by_slug]
