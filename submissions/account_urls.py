"""Accounts: sign-up here, the rest (log in and out, password change and reset) from Django."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from submissions import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    # The reset mail names the site, not the host it was asked from.
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(extra_email_context={"site_name": settings.SITE_NAME}),
        name="password_reset",
    ),
    path("", include("django.contrib.auth.urls")),
]
