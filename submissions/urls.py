from django.urls import path

from submissions import lookup_views, views

app_name = "submissions"

urlpatterns = [
    path("submit/", views.create, name="create"),
    path("submit/lookup/", lookup_views.lookup, name="lookup"),
    path("submit/correction/<slug:slug>/", views.correct, name="correct"),
    path("submit/broken-link/<slug:slug>/", views.report, name="report"),
    path("proposals/", views.mine, name="mine"),
    path("proposals/<int:pk>/edit/", views.edit, name="edit"),
    path("proposals/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
