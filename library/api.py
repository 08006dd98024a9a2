"""
Read-only JSON for public lists and published reading paths, in the style of
catalog.api and with its resource serialiser. Only published works appear.

A list can turn private at any moment, so its answers are never cached;
reading paths change the catalog version (library.signals) and are cached
like the rest of the API.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from catalog.api import api_response, iso, resource_data, with_everything
from catalog.models import Resource
from library.models import ReadingList, ReadingPath, ReadingPathStep, SavedWork


def published_works(queryset):
    """Only entries whose work is published, each with everything the serialiser reads."""
    return queryset.filter(resource__status=Resource.Status.PUBLISHED).prefetch_related(
        Prefetch("resource", queryset=with_everything(Resource.objects.all()))
    )


@never_cache
@require_GET
def list_detail(request, username, slug):
    """A public list and its published works in the owner's order. Public; private is a 404."""
    reading_list = (
        ReadingList.objects.public()
        .select_related("owner")
        .filter(owner__username=username, slug=slug)
        .first()
    )
    if reading_list is None:
        return api_response({"detail": "No public list has this address."}, 404)
    entries = published_works(
        SavedWork.objects.filter(reading_list=reading_list).order_by("position", "id")
    )
    return api_response(
        {
            "owner": reading_list.owner.username,
            "slug": reading_list.slug,
            "title": reading_list.title,
            "description": reading_list.description,
            "updated_at": iso(reading_list.updated_at),
            "html_url": request.build_absolute_uri(reading_list.get_absolute_url()),
            "count": len(entries),
            "results": [
                {
                    "position": position,
                    "note": entry.note if reading_list.share_notes else None,
                    "resource": resource_data(request, entry.resource),
                }
                for position, entry in enumerate(entries, start=1)
            ],
        }
    )


def path_data(request, path) -> dict:
    return {
        "slug": path.slug,
        "title": path.title,
        "introduction": path.introduction,
        "updated_at": iso(path.updated_at),
        "html_url": request.build_absolute_uri(path.get_absolute_url()),
        "api_url": request.build_absolute_uri(
            reverse("library_api:path_detail", kwargs={"slug": path.slug})
        ),
    }


@require_GET
def path_list(request):
    """Published reading paths, in the curators' order. Public."""
    paths = [path_data(request, path) for path in ReadingPath.objects.published()]
    return api_response({"count": len(paths), "results": paths})


@require_GET
def path_detail(request, slug):
    """One published reading path with its published works in order. Public."""
    path = ReadingPath.objects.published().filter(slug=slug).first()
    if path is None:
        return api_response({"detail": f"No published reading path has the slug “{slug}”."}, 404)
    steps = published_works(ReadingPathStep.objects.filter(path=path).order_by("position", "id"))
    return api_response(
        path_data(request, path)
        | {
            "count": len(steps),
            "results": [
                {
                    "position": position,
                    "annotation": step.annotation,
                    "resource": resource_data(request, step.resource),
                }
                for position, step in enumerate(steps, start=1)
            ],
        }
    )
