from django.urls import path

from library import api

app_name = "library_api"

urlpatterns = [
    path("lists/<str:username>/<slug:slug>/", api.list_detail, name="list_detail"),
    path("paths/", api.path_list, name="paths"),
    path("paths/<slug:slug>/", api.path_detail, name="path_detail"),
]
