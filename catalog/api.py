"""
The public read API: published resources, tags, categories and research groups as JSON.

Everything goes through ``published()``; drafts and archived resources never
appear, not even in counts. The resource list reads the same query-string
filters as the list page, through the same code, and like it never fails on a
value it cannot use: the value is ignored and a ``notices`` entry says so.
"""

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from catalog.facets import categories_with_counts, groups_with_counts, published_tags
from catalog.maintenance import maintenance_of
from catalog.models import Resource
from catalog.selectors import (
    facet_counts,
    facets_for,
    resource_query,
    version_of,
    with_everything,
)

DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100


def api_response(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def iso(moment):
    return moment.isoformat() if moment else None


def link_health(resource) -> dict:
    return {
        "result": resource.link_result or None,
        "broken": resource.link_broken,
        "http_status": resource.link_status,
        "checked_at": iso(resource.link_checked_at),
    }


def repository_data(resource) -> dict | None:
    """What GitHub last said of the resource's repository; None before any refresh."""
    repository = getattr(resource, "repository", None)
    if repository is None:
        return None
    return {
        "full_name": repository.full_name,
        "stars": repository.stars,
        "pushed_at": iso(repository.pushed_at),
        "archived": repository.archived,
        "license": repository.license or None,
        "latest_release": repository.latest_release or None,
        "checked_at": iso(repository.fetched_at),
    }


def resource_data(request, resource) -> dict:
    return {
        "slug": resource.slug,
        "title": resource.title,
        "url": resource.url,
        "description": resource.description,
        "category": {"slug": resource.category.slug, "name": resource.category.name},
        "tags": [tag.slug for tag in resource.tags.all()],
        "groups": [{"slug": group.slug, "name": group.name} for group in resource.groups.all()],
        "year": resource.year,
        "authors": [
            {"name": authorship.author.name, "slug": authorship.author.slug}
            for authorship in resource.ordered_authorships()
        ],
        "venue": resource.venue,
        "code_url": resource.code_url,
        "links": [{"label": link.label, "url": link.url} for link in resource.links.all()],
        "link_health": link_health(resource),
        "repository": repository_data(resource),
        "maintenance": maintenance_of(getattr(resource, "repository", None)),
        "published_at": iso(resource.published_at),
        "updated_at": iso(resource.updated_at),
        "html_url": request.build_absolute_uri(resource.get_absolute_url()),
        "api_url": request.build_absolute_uri(
            reverse("api:resource_detail", kwargs={"slug": resource.slug})
        ),
    }


def page_size_from(params, notices) -> int:
    value = params.get("page_size")
    if value in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        notices.append(
            f"“{value[:20]}” is not a page size from 1 to {MAX_PAGE_SIZE}, "
            f"so {DEFAULT_PAGE_SIZE} resources a page are shown."
        )
        return DEFAULT_PAGE_SIZE
    return size


def page_from(paginator, params, notices):
    value = params.get("page")
    if value in (None, ""):
        return paginator.page(1)
    try:
        number = int(value)
    except ValueError:
        notices.append(f"“{value[:20]}” is not a page number, so the first page is shown.")
        return paginator.page(1)
    if number < 1:
        notices.append(f"There is no page {number}, so the first page is shown.")
        return paginator.page(1)
    if number > paginator.num_pages:
        notices.append(f"There is no page {number}, so the last page is shown.")
        return paginator.page(paginator.num_pages)
    return paginator.page(number)


@require_safe
def api_root(request):
    """What the API offers. Public."""
    return api_response(
        {
            name: request.build_absolute_uri(reverse(f"api:{name}"))
            for name in ("resources", "tags", "categories", "groups")
        }
    )


@require_safe
def resource_list(request):
    """
    Published resources, filtered and sorted like the list page (q, tag,
    category, group, year_min, year_max, sort) and paginated (page, page_size).
    Public.
    """
    query = resource_query(request.GET, facets=facets_for(request))
    notices, kept = query.notices, query.params
    kept.pop("page_size", None)
    page_size = page_size_from(request.GET, notices)
    paginator = Paginator(with_everything(query.filterset.qs), page_size)
    page = page_from(paginator, request.GET, notices)

    def page_url(number):
        params = kept.copy()
        params["page"] = number
        if page_size != DEFAULT_PAGE_SIZE:
            params["page_size"] = page_size
        return request.build_absolute_uri(f"{reverse('api:resources')}?{params.urlencode()}")

    return api_response(
        {
            "count": paginator.count,
            "page": page.number,
            "page_size": page_size,
            "num_pages": paginator.num_pages,
            "next": page_url(page.next_page_number()) if page.has_next() else None,
            "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
            "notices": notices,
            "facets": facet_counts(query, version=version_of(request)).as_dict(),
            "results": [resource_data(request, resource) for resource in page.object_list],
        }
    )


@require_safe
def resource_detail(request, slug):
    """One published resource; any other is a 404. Public."""
    resource = with_everything(Resource.objects.published()).filter(slug=slug).first()
    if resource is None:
        return api_response({"detail": f"No published resource has the slug “{slug}”."}, 404)
    return api_response(resource_data(request, resource))


@require_safe
def tag_list(request):
    """Tags of published resources with their counts, most used first. Public."""
    tags = [
        {
            "slug": tag.slug,
            "name": tag.name,
            "resource_count": tag.resource_count,
            "resources_url": request.build_absolute_uri(
                f"{reverse('api:resources')}?tag={tag.slug}"
            ),
        }
        for tag in published_tags()
    ]
    return api_response({"count": len(tags), "results": tags})


@require_safe
def category_list(request):
    """Categories in their order, with their published resource counts. Public."""
    categories = [
        {
            "slug": category.slug,
            "name": category.name,
            "description": category.description,
            "order": category.order,
            "resource_count": category.resource_count,
        }
        for category in categories_with_counts()
    ]
    return api_response({"count": len(categories), "results": categories})


@require_safe
def group_list(request):
    """Research groups with their links and published resource counts. Public."""
    groups = [
        {
            "slug": group.slug,
            "name": group.name,
            "website": group.website,
            "description": group.description,
            "links": [{"label": link.label, "url": link.url} for link in group.links.all()],
            "resource_count": group.resource_count,
        }
        for group in groups_with_counts().prefetch_related("links")
    ]
    return api_response({"count": len(groups), "results": groups})
