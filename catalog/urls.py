from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("resources/<slug:slug>/", views.resource_detail, name="resource_detail"),
    path("healthz/", views.health, name="health"),
]
