from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from catalog.sitemaps import SITEMAPS

admin.site.site_header = "awesome curation"
admin.site.site_title = "awesome admin"
admin.site.index_title = "Catalog and review queue"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("accounts/", include("submissions.account_urls")),
    path("", include("submissions.urls")),
    path("", include("catalog.urls")),
]
