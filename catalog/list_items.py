"""
The items of a list of works (title, facts, byline, summary, tags), rendered
once per catalog version in each process rather than on every request: a list
page shows 24 of them, and rendering them cost more than the rest of the page.
The save control of a member is not part of an item; the templates add it.
"""

from django.core.cache import caches
from django.db.models import QuerySet, prefetch_related_objects
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from catalog.models import Resource
from catalog.selectors import listed

ITEM_TEMPLATE = "includes/resource_item.html"
# Each process keeps its own: no round trip, and an entry is a few kilobytes.
CACHE_ALIAS = "fragments"
TIMEOUT = 3600


def list_items(page, *, version: int, show_category: bool = True, show_popularity: bool = False):
    """
    ``(resource, item HTML)`` for each work of ``page``, whose ``object_list``
    becomes the list of those works. Only works whose item this catalog
    version has not rendered yet have their tags and authors read.
    """
    if isinstance(page.object_list, QuerySet):
        lookups = page.object_list._prefetch_related_lookups
        page.object_list = page.object_list.prefetch_related(None)
    else:  # works already read (a search's ranked page): what a list item shows of them
        lookups = listed(Resource.objects.none())._prefetch_related_lookups
    resources = page.object_list = list(page.object_list)
    keys = [item_key(resource, version, show_category, show_popularity) for resource in resources]
    cache = caches[CACHE_ALIAS]
    items = cache.get_many(keys)
    missing = [
        (key, resource) for key, resource in zip(keys, resources, strict=True) if key not in items
    ]
    if missing:
        prefetch_related_objects([resource for _, resource in missing], *lookups)
        template = get_template(ITEM_TEMPLATE)
        rendered = {
            key: template.render(
                {
                    "resource": resource,
                    "show_category": show_category,
                    "show_popularity": show_popularity,
                }
            )
            for key, resource in missing
        }
        cache.set_many(rendered, TIMEOUT)
        items |= rendered
    return [
        (resource, mark_safe(items[key]))  # noqa: S308 -- rendered by the template, escaped there
        for key, resource in zip(keys, resources, strict=True)
    ]


def item_key(resource, version: int, show_category: bool, show_popularity: bool) -> str:
    """
    Everything an item shows that can change without a new catalog version:
    how many members saved the work, and the repository's maintenance, which
    moves with the date.
    """
    repository = loaded(resource, "repository")
    maintenance = repository.maintenance if repository is not None else None
    popularity = loaded(resource, "popularity") if show_popularity else None
    members = popularity.members if popularity is not None else 0
    return (
        f"item:{version}:{resource.pk}:{show_category:d}{show_popularity:d}:{members}:{maintenance}"
    )


def loaded(resource, name: str):
    """The one-to-one row ``name`` of ``resource`` as the query loaded it; None if it has none."""
    return getattr(type(resource), name).related.get_cached_value(resource, None)
