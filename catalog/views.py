from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from catalog.cache import cached_for_version
from catalog.citations import bibtex, is_citable
from catalog.filters import SORT_CHOICES
from catalog.list_items import list_items
from catalog.maintenance import MAINTENANCE_CHOICES
from catalog.models import Author, Resource
from catalog.selectors import (
    author_resources,
    category_resources,
    citation_keys_for,
    facet_counts,
    facets_for,
    group_resources,
    home_sections,
    identifier_match,
    listed,
    resource_query,
    tag_resources,
    version_of,
)

RESOURCES_PER_PAGE = 24


def page_notice(asked, page) -> str:
    """What to tell a visitor whose page number could not be used, if anything."""
    # isascii too: "²".isdigit() is true, but int("²") fails.
    if asked is None or (asked.isascii() and asked.strip().isdigit() and int(asked) == page.number):
        return ""
    shown = "the last page" if page.number == page.paginator.num_pages else "the first page"
    if page.paginator.num_pages == 1:
        shown = "the only page"
    return f"There is no page “{Truncator(asked).chars(20)}”, so {shown} is shown."


def paginate(request, queryset):
    """The requested page; a page number that is not one gives the first or last page."""
    return Paginator(queryset, RESOURCES_PER_PAGE).get_page(request.GET.get("page"))


def listing_context(request, page) -> dict:
    """What a page listing works shows of them: the page and its items."""
    return {
        "page_obj": page,
        "items": list_items(page, version=version_of(request)),
        "params": request.GET,
    }


@require_safe
def home(request):
    """What the site is, with ways in: search, categories, featured, new, tags, groups. Public."""
    return render(request, "catalog/home.html", home_sections(facets_for(request)))


def active_filter_chips(filterset, kept):
    """One chip per active filter value, each with the address that removes it."""
    data = filterset.form.cleaned_data
    chips = []

    def without(name, value=None):
        remaining = kept.copy()
        if value is None:
            remaining.pop(name, None)
        else:
            remaining.setlist(name, [item for item in remaining.getlist(name) if item != value])
        query = remaining.urlencode()
        return reverse("catalog:resource_list") + (f"?{query}" if query else "")

    if data.get("q"):
        chips.append((f"Search: {data['q']}", without("q")))
    for slug in data.get("tag", []):
        chips.append((f"Tag: {slug}", without("tag", slug)))
    if data.get("category"):
        category = filterset.facets.categories_by_slug[data["category"]]
        chips.append((f"Category: {category.name}", without("category")))
    if data.get("group"):
        group = filterset.facets.groups_by_slug[data["group"]]
        chips.append((f"Group: {group.name}", without("group")))
    if data.get("year_min") is not None:
        chips.append((f"From {data['year_min']}", without("year_min")))
    if data.get("year_max") is not None:
        chips.append((f"To {data['year_max']}", without("year_max")))
    if data.get("maintenance"):
        label = dict(MAINTENANCE_CHOICES)[data["maintenance"]]
        chips.append((f"Maintenance: {label}", without("maintenance")))
    return chips


def wants_fragment(request) -> bool:
    """An htmx request for fresh results, rather than a whole page (history restores get one)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@require_safe
def resource_list(request):
    """
    Published resources, filtered, searched, sorted and paginated by the query
    string, with facet counts that follow the filters. A search that names a
    listed work (an arXiv ID, a URL) goes to it. htmx requests get only the
    results fragment (and the filter form when a link, not the form, asked). Public.
    """
    query = resource_query(request.GET, facets=facets_for(request))
    data = query.data
    if data.get("q") and (work := identifier_match(data["q"])):
        if wants_fragment(request):  # htmx would put the whole page in the results
            return HttpResponse(headers={"HX-Redirect": work.get_absolute_url()})
        return redirect(work)
    page = paginate(request, query.results(version=version_of(request)))
    notices = query.notices
    if notice := page_notice(request.GET.get("page"), page):
        notices.append(notice)
    if data.get("year_min") and data.get("year_max") and data["year_min"] > data["year_max"]:
        notices.append(
            f"The “from” year {data['year_min']} comes after the “to” year {data['year_max']}, "
            "so no year fits: swap them."
        )
    facets = facet_counts(query, version=version_of(request))
    filterset = query.filterset
    context = {
        "filterset": filterset,
        "page_obj": page,
        "items": list_items(page, version=version_of(request), show_popularity=True),
        "notices": notices,
        "params": query.params,
        "chips": active_filter_chips(filterset, query.params),
        "selected_tags": data.get("tag", []),
        "tag_facets": facets.tags,
        "tags_selected_count": sum(option.selected for option in facets.tags),
        "categories": facets.categories,
        "groups": facets.groups,
        "selected_category": data.get("category"),
        "selected_group": data.get("group"),
        "sort_choices": SORT_CHOICES,
        "sort_order": filterset.sort_order,
        "default_sort": filterset.default_sort,
        "searching": bool(data.get("q")),
        "maintenance_choices": MAINTENANCE_CHOICES,
        "selected_maintenance": data.get("maintenance"),
    }
    template = "catalog/resource_list.html"
    if wants_fragment(request):
        from_form = request.headers.get("HX-Trigger") == "filters"
        template += "#results" if from_form else "#results-and-filters"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


@require_safe
def resource_detail(request, slug):
    """One published resource; drafts and archived resources are a 404. Public."""
    resource = get_object_or_404(
        listed(Resource.objects.published()).prefetch_related("groups", "links"), slug=slug
    )
    tag_ids = [tag.pk for tag in resource.tags.all()]
    # The most expensive query of the page, and the same until the catalog changes.
    related = cached_for_version(
        f"related:{resource.pk}",
        lambda: list(
            Resource.objects.published()
            .exclude(pk=resource.pk)
            .filter(tagged_items__tag_id__in=tag_ids)
            .annotate(shared_tags=Count("tagged_items"))
            .order_by("-shared_tags", "-year", "title")
            .select_related("category")[:5]
        ),
        version=version_of(request),
    )
    return render(
        request,
        "catalog/resource_detail.html",
        {
            "resource": resource,
            "related": related,
            "bibtex": (
                bibtex(resource, key=citation_keys_for(request).get(resource.pk))
                if is_citable(resource)
                else ""
            ),
        },
    )


@require_safe
def author_detail(request, slug):
    """An author's published works; an author with none is a 404. Public."""
    author = get_object_or_404(Author, slug=slug)
    resources = author_resources(author)
    page = paginate(request, resources)
    if not page.paginator.count:
        raise Http404("No published work credits this author.")
    return render(
        request,
        "catalog/author_detail.html",
        {"author": author, **listing_context(request, page)},
    )


@require_safe
def tag_index(request):
    """Every tag in use on a published resource, with counts. Public."""
    tags = sorted(facets_for(request).tags, key=lambda tag: tag.name)
    return render(request, "catalog/tag_index.html", {"tags": tags})


@require_safe
def tag_detail(request, slug):
    """Published resources with one tag. Public; a tag no published resource has is a 404."""
    tag = facets_for(request).tags_by_slug.get(slug)
    if tag is None:
        raise Http404("No published resource has this tag.")
    return render(
        request,
        "catalog/tag_detail.html",
        {"tag": tag, **listing_context(request, paginate(request, tag_resources(tag)))},
    )


@require_safe
def category_detail(request, slug):
    """Published resources of one category. Public."""
    category = facets_for(request).categories_by_slug.get(slug)
    if category is None:
        raise Http404("No such category.")
    return render(
        request,
        "catalog/category_detail.html",
        {
            "category": category,
            **listing_context(request, paginate(request, category_resources(category))),
        },
    )


@require_safe
def group_index(request):
    """The research groups, with how many published resources each has. Public."""
    return render(request, "catalog/group_index.html", {"groups": facets_for(request).groups})


@require_safe
def group_detail(request, slug):
    """A research group and its published resources. Public."""
    group = facets_for(request).groups_by_slug.get(slug)
    if group is None:
        raise Http404("No such research group.")
    return render(
        request,
        "catalog/group_detail.html",
        {
            "group": group,
            **listing_context(request, paginate(request, group_resources(group))),
        },
    )


@require_safe
def robots_txt(request):
    sitemap_url = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        f"Sitemap: {sitemap_url}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the real one."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def health(request):
    """For load balancers and start-up scripts: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
