from django.shortcuts import render
from django.views.decorators.http import require_safe

from catalog import stats
from catalog.models import Resource
from submissions.stats import proposal_activity


@require_safe
def stats_page(request):
    """Charts of the published catalog, each with a table of its figures. Public."""
    return render(
        request,
        "catalog/stats.html",
        {
            "resource_count": Resource.objects.published().count(),
            "stats_per_category": stats.resources_per_category(),
            "stats_per_year": stats.resources_per_year(),
            "stats_top_tags": stats.top_tags(),
            "proposals": proposal_activity(),
        },
    )
