from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog.models import Category, Resource


def home(request):
    """The categories with their published resources. Public."""
    published = Resource.objects.published().order_by("title").prefetch_related("tags")
    categories = (
        Category.objects.annotate(
            published_count=Count(
                "resources", filter=Q(resources__status=Resource.Status.PUBLISHED)
            )
        )
        .order_by("order", "name")  # Meta.ordering is dropped from aggregate queries
        .prefetch_related(Prefetch("resources", queryset=published, to_attr="published_resources"))
    )
    return render(
        request,
        "catalog/home.html",
        {
            "categories": categories,
            "resource_count": sum(category.published_count for category in categories),
        },
    )


def resource_detail(request, slug):
    """One published resource; drafts and archived resources are a 404. Public."""
    resource = get_object_or_404(
        Resource.objects.published().with_related().prefetch_related("links"), slug=slug
    )
    return render(request, "catalog/resource_detail.html", {"resource": resource})


def health(request):
    """For load balancers and start-up scripts: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
