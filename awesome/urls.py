from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from catalog.admin_views import data_quality
from catalog.sitemaps import SITEMAPS

admin.site.site_header = "awesome curation"
admin.site.site_title = "awesome admin"
admin.site.index_title = "Catalog and review queue"

urlpatterns = [
    # Before the admin's own URLs, whose catch-all would answer first.
    path("admin/data-quality/", admin.site.admin_view(data_quality), name="admin_data_quality"),
    path("admin/", admin.site.urls),
    path("api/", include("catalog.api_urls")),
    path("api/", include("library.api_urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("accounts/", include("submissions.account_urls")),
    path("", include("submissions.urls")),
    path("", include("library.urls")),
    path("", include("catalog.urls")),
]
