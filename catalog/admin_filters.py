from django.contrib import admin
from django.db.models import Q

from catalog.models import BROKEN_LINK_FAILURES, Resource

LINK_HEALTH = {
    "broken": (
        f"Broken ({BROKEN_LINK_FAILURES}+ failures in a row)",
        Q(link_failures__gte=BROKEN_LINK_FAILURES),
    ),
    "failing": (
        "Failing, not yet broken",
        Q(link_failures__gt=0, link_failures__lt=BROKEN_LINK_FAILURES),
    ),
    "moved": ("Moved permanently", Q(link_result=Resource.LinkResult.REDIRECTED)),
    "unknown": ("Unknown (refused or rate-limited)", Q(link_result=Resource.LinkResult.UNKNOWN)),
    "ok": ("OK", Q(link_result=Resource.LinkResult.OK)),
    "unchecked": ("Never checked", Q(link_checked_at__isnull=True)),
}


class LinkHealthFilter(admin.SimpleListFilter):
    """Filter the resource changelist by what the last link checks found."""

    title = "link health"
    parameter_name = "link_health"

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _) in LINK_HEALTH.items()]

    def queryset(self, request, queryset):
        if self.value() in LINK_HEALTH:
            return queryset.filter(LINK_HEALTH[self.value()][1])
        return queryset
