"""
What the catalog's templates ask of the library: a member's saved works on a
page (one query, members only), follow state, and the reading paths block.
Anonymous visitors cost no query here and get nothing personal, so their
cached pages stay the same for everyone.
"""

from django import template
from django.db.models import Count, Q

from catalog.cache import cached_for_version
from catalog.models import Resource
from library.models import Follow, ReadingList, ReadingPath, SavedWork

register = template.Library()

HOME_PATHS = 4


@register.simple_tag(takes_context=True)
def saved_resource_ids(context, resources):
    """The ids of ``resources`` the member has in any list; None for anonymous visitors."""
    user = context["request"].user
    if not user.is_authenticated:
        return None
    ids = [resource.pk for resource in resources]
    return set(
        SavedWork.objects.filter(reading_list__owner=user, resource_id__in=ids).values_list(
            "resource_id", flat=True
        )
    )


@register.simple_tag(takes_context=True)
def lists_holding(context, resource):
    """The member's lists that hold ``resource``; None for anonymous visitors."""
    user = context["request"].user
    if not user.is_authenticated:
        return None
    return list(ReadingList.objects.filter(owner=user, entries__resource=resource))


@register.simple_tag(takes_context=True)
def is_following(context, kind, target):
    user = context["request"].user
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(user=user, **{kind: target}).exists()


def _published_paths():
    published = Q(steps__resource__status=Resource.Status.PUBLISHED)
    return list(
        ReadingPath.objects.published().annotate(work_count=Count("steps", filter=published))[
            :HOME_PATHS
        ]
    )


@register.simple_tag(takes_context=True)
def home_reading_paths(context):
    """The first published paths, cached per catalog version (paths change it when edited)."""
    request = context["request"]
    return cached_for_version(
        "library:home-paths", _published_paths, version=getattr(request, "catalog_version", None)
    )
