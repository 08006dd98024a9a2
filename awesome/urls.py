from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from catalog.admin_dates import guard_date_drill_downs
from catalog.admin_views import data_quality
from catalog.sitemaps import SITEMAPS
from submissions import lookup_views

admin.site.site_header = "awesome curation"
admin.site.site_title = "awesome admin"
admin.site.index_title = "Catalog and review queue"
guard_date_drill_downs(admin.site)

urlpatterns = [
    # Before the admin's own URLs, whose catch-all would answer first.
    path("admin/data-quality/", admin.site.admin_view(data_quality), name="admin_data_quality"),
    path("admin/", admin.site.urls),
    # The one API address that asks another server, for logged-in accounts (submissions).
    path("api/lookup/", lookup_views.api_lookup, name="api_lookup"),
    path("api/", include("catalog.api_urls")),
    path("api/", include("library.api_urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("accounts/", include("accounts.urls")),
    path("", include("submissions.urls")),
    path("", include("library.urls")),
    path("", include("catalog.urls")),
]
