"""
Accounts, served by django-allauth under /accounts/. The reset and change
pages keep the addresses they had before allauth: listed after allauth's, so
that its names reverse to them.
"""

from allauth.account import views as allauth_views
from django.urls import include, path

urlpatterns = [
    path("", include("allauth.urls")),
    path("password_reset/", allauth_views.password_reset, name="account_reset_password"),
    path("password_change/", allauth_views.password_change, name="account_change_password"),
]
