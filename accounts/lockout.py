"""
Login lockouts, counted by django-axes per (account, address).

The account is named the same way whatever the form was given (the username
in any case, or one of the account's addresses), so that spelling a name
differently never buys another five guesses.
"""

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.db.models import Q


def login_identity(request, credentials) -> str:
    """The account a login attempt aims at: its username, or what was typed when none matches."""
    credentials = credentials or {}
    typed = credentials.get("username") or credentials.get("email") or credentials.get("login")
    if typed is None and request is not None:
        typed = request.POST.get("login") or request.POST.get("username")
    typed = (typed or "").strip()
    if not typed:
        return ""
    user = (
        get_user_model()
        .objects.filter(
            Q(username__iexact=typed)
            | Q(email__iexact=typed)
            | Q(emailaddress__email__iexact=typed)
        )
        .order_by("pk")
        .only("username")
        .first()
    )
    return (user.username if user else typed).lower()


def lockout_lift(*, user) -> None:
    """Forget every failed login at ``user``'s account, from any address (after a reset)."""
    axes_reset(username=user.get_username().lower())
