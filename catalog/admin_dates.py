"""The admin's date drill-down, refusing dates it cannot show instead of failing."""

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect

# datetime's range, less the year after the last that the drill-down adds to it.
MIN_YEAR, MAX_YEAR = date.min.year, date.max.year - 1


class DateDrillDownMixin:
    """
    For a ModelAdmin with ``date_hierarchy``: a year, month or day in the query
    string that is not a date (``?created_at__year=99999999999``, ``²``, month
    13, 31 February) goes back to the list without it, with a message saying
    why. Django's changelist would answer 500 to an impossible year.
    """

    def changelist_view(self, request, extra_context=None):
        if self.date_hierarchy:
            names = [f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day")]
            if not _is_date(*(request.GET.get(name) for name in names)):
                query = request.GET.copy()
                for name in names:
                    query.pop(name, None)
                messages.error(request, "That date is not one the list can show: all dates are.")
                return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        return super().changelist_view(request, extra_context)


def _is_date(year, month, day) -> bool:
    """Whether the drill-down's parts, each a string or None, name a date (or nothing)."""
    parts = [year, month, day]
    given = [part for part in parts if part is not None]
    if not given:
        return True
    # Only a prefix may be given (a month needs its year), each in plain ASCII digits.
    if parts[: len(given)] != given or not all(p.isascii() and p.isdigit() for p in given):
        return False
    if len(given[0]) > 4 or any(len(part) > 2 for part in given[1:]):
        return False
    numbers = [int(part) for part in given] + [1] * (3 - len(given))
    if not MIN_YEAR <= numbers[0] <= MAX_YEAR:
        return False
    try:
        date(*numbers)
    except ValueError:
        return False
    return True


def guard_date_drill_downs(site) -> None:
    """
    Give every ModelAdmin registered on ``site`` with a ``date_hierarchy`` (ours
    and other apps', such as axes' logs) the mixin above. Called once, after
    every admin module has registered its models.
    """
    for model, model_admin in list(site._registry.items()):
        if model_admin.date_hierarchy and not isinstance(model_admin, DateDrillDownMixin):
            admin_class = type(model_admin)
            guarded = type(admin_class.__name__, (DateDrillDownMixin, admin_class), {})
            site.unregister(model)
            site.register(model, guarded)
