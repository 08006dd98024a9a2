from django.urls import path

from library import views

app_name = "library"

urlpatterns = [
    path("lists/", views.my_lists, name="mine"),
    path("lists/new/", views.list_new, name="list_new"),
    path("lists/save/", views.save, name="save"),
    path("lists/unsave/", views.unsave, name="unsave"),
    path("lists/entries/<int:pk>/", views.entry_edit, name="entry_edit"),
    path("lists/entries/<int:pk>/move/", views.entry_move, name="entry_move"),
    path("lists/<str:username>/<slug:slug>/", views.list_detail, name="list_detail"),
    path("lists/<str:username>/<slug:slug>/edit/", views.list_edit, name="list_edit"),
    path("lists/<str:username>/<slug:slug>/delete/", views.list_delete, name="list_delete"),
    path("lists/<str:username>/<slug:slug>/export.bib", views.list_bibtex, name="list_bibtex"),
    path("lists/<str:username>/<slug:slug>/export.ris", views.list_ris, name="list_ris"),
    path("paths/", views.path_index, name="path_index"),
    path("paths/<slug:slug>/", views.path_detail, name="path_detail"),
    path("paths/<slug:slug>/copy/", views.path_copy, name="path_copy"),
    path("follow/", views.follow, name="follow"),
    path("following/", views.following, name="following"),
    path("digest/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/export.json", views.my_data_export, name="my_data_export"),
    path("my-data/delete/", views.account_delete, name="account_delete"),
]
