from django.urls import path

from catalog import export_views, feeds, stats_views, views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("resources/", views.resource_list, name="resource_list"),
    path("resources/export.bib", export_views.resources_bibtex, name="resources_bibtex"),
    path("resources/export.ris", export_views.resources_ris, name="resources_ris"),
    path("resources/<slug:slug>/", views.resource_detail, name="resource_detail"),
    path("resources/<slug:slug>/cite.bib", export_views.resource_bibtex, name="resource_bibtex"),
    path("resources/<slug:slug>/cite.ris", export_views.resource_ris, name="resource_ris"),
    path("authors/<slug:slug>/", views.author_detail, name="author_detail"),
    path("tags/", views.tag_index, name="tag_index"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag_detail"),
    path("categories/<slug:slug>/", views.category_detail, name="category_detail"),
    path("groups/", views.group_index, name="group_index"),
    path("groups/<slug:slug>/", views.group_detail, name="group_detail"),
    path("feeds/latest.rss", feeds.LatestResourcesFeed(), name="feed_rss"),
    path("feeds/latest.atom", feeds.LatestResourcesAtomFeed(), name="feed_atom"),
    path("feeds/tags/<slug:slug>.rss", feeds.TagFeed(), name="tag_feed_rss"),
    path("feeds/tags/<slug:slug>.atom", feeds.TagAtomFeed(), name="tag_feed_atom"),
    path("feeds/categories/<slug:slug>.rss", feeds.CategoryFeed(), name="category_feed_rss"),
    path("feeds/categories/<slug:slug>.atom", feeds.CategoryAtomFeed(), name="category_feed_atom"),
    path("stats/", stats_views.stats_page, name="stats"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz/", views.health, name="health"),
]
