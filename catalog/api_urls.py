from django.urls import path

from catalog import api

app_name = "api"

urlpatterns = [
    path("", api.api_root, name="root"),
    path("resources/", api.resource_list, name="resources"),
    path("resources/<slug:slug>/", api.resource_detail, name="resource_detail"),
    path("tags/", api.tag_list, name="tags"),
    path("categories/", api.category_list, name="categories"),
    path("groups/", api.group_list, name="groups"),
]
