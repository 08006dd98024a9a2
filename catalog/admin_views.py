from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from catalog.services.data_quality import MIN_TAGS, data_quality_report


@require_safe
def data_quality(request):
    """The data-quality report, for staff who may view resources (wrapped in admin_view)."""
    if not request.user.has_perm("catalog.view_resource"):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": "Data-quality report",
        "report": data_quality_report(),
        "min_tags": MIN_TAGS,
        "idle_months": settings.MAINTENANCE_IDLE_MONTHS,
    }
    return TemplateResponse(request, "admin/catalog/data_quality.html", context)
