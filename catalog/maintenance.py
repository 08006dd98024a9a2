"""
Whether a repository is looked after: *archived* on GitHub, *unmaintained*
when no push came for ``settings.MAINTENANCE_IDLE_MONTHS`` months, *active*
otherwise; unknown (None) until ``refresh_metadata`` has asked GitHub.
"""

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

ACTIVE, UNMAINTAINED, ARCHIVED = "active", "unmaintained", "archived"
MAINTENANCE_CHOICES = [
    (ACTIVE, "Maintained"),
    (UNMAINTAINED, "Unmaintained (archived or idle)"),
    (ARCHIVED, "Archived"),
]


def idle_cutoff(now: datetime | None = None) -> datetime:
    """The moment ``MAINTENANCE_IDLE_MONTHS`` calendar months before ``now``."""
    now = now or timezone.now()
    months = now.year * 12 + now.month - 1 - settings.MAINTENANCE_IDLE_MONTHS
    year, month = divmod(months, 12)
    month += 1
    # The 31st of a shorter month is its last day.
    for day in (now.day, 30, 29, 28):
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def maintenance_of(repository, now: datetime | None = None) -> str | None:
    if repository is None:
        return None
    if repository.archived:
        return ARCHIVED
    if repository.pushed_at is None:
        return None
    return UNMAINTAINED if repository.pushed_at < idle_cutoff(now) else ACTIVE


def maintenance_condition(state: str, prefix: str = "repository__") -> Q:
    """
    The resources in ``state``: ``unmaintained`` takes in the archived ones too,
    as the definition says; ``archived`` is them alone.
    """
    archived = Q(**{f"{prefix}archived": True})
    idle = Q(**{f"{prefix}pushed_at__lt": idle_cutoff()})
    if state == ARCHIVED:
        return archived
    if state == UNMAINTAINED:
        return archived | idle
    if state == ACTIVE:
        return Q(**{f"{prefix}archived": False, f"{prefix}pushed_at__gte": idle_cutoff()})
    raise ValueError(f"unknown maintenance state {state!r}")
