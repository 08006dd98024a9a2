"""
How django-allauth behaves here: look-alike usernames refused, every mailed
link built from SITE_URL, the client's address taken as the rest of the site
takes it, and the site's own wording.
"""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from accounts.models import AccountName
from accounts.names import RESERVED_NAMES, skeleton
from accounts.tasks import send_account_mail
from awesome.proxies import client_ip


def site_url(location: str) -> str:
    """``location`` (a path, or a URL whose host is ignored) under SITE_URL."""
    parts = urlsplit(location)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return settings.SITE_URL + path


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": (
            "Please enter a correct username and password. Both are case-sensitive."
        ),
        "email_password_mismatch": (
            "Please enter a correct email address and password. The password is case-sensitive."
        ),
        "username_taken": "This name is taken: choose another.",
        "username_lookalike": (
            "This name looks too much like one that is taken or reserved: choose another."
        ),
        "username_blacklisted": "This name is reserved: choose another.",
        "too_many_login_attempts": (
            "Too many failed logins from your network address: wait 15 minutes, then try again."
        ),
        "rate_limited": (
            "Too many attempts from your network address: wait a while, then try again."
        ),
    }

    def clean_username(self, username: str, shallow: bool = False) -> str:
        """allauth's checks, then: no name whose skeleton an account or a reserved name has."""
        username = super().clean_username(username, shallow=shallow)
        if not shallow:
            shape = skeleton(username)
            if shape in {skeleton(name) for name in RESERVED_NAMES}:
                raise self.validation_error("username_lookalike")
            if AccountName.objects.filter(skeleton=shape).exists():
                raise self.validation_error("username_lookalike")
        return username

    def get_client_ip(self, request) -> str:
        # The same rule as the lockouts and gunicorn: X-Forwarded-For from a trusted proxy only.
        return client_ip(request)

    # Mailed links: SITE_URL, never the Host header of the request that caused the mail.

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return site_url(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return site_url(super().get_reset_password_from_key_url(key))

    def send_account_already_exists_mail(self, email: str) -> None:
        context = {
            "signup_url": site_url(reverse("account_signup")),
            "password_reset_url": site_url(reverse("account_reset_password")),
            "login_url": site_url(reverse("account_login")),
        }
        self.send_mail("account/email/account_already_exists", email, context)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth's own templates name current_site, which is otherwise built from
        # the request's Host: here it is the configured site.
        site = SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)
        context = {
            "email": email,
            **context,
            "current_site": site,
            "SITE_URL": settings.SITE_URL,
        }
        message = self.render_mail(template_prefix, email, context)
        if message.content_subtype == "html":  # allauth found no text template
            message.alternatives, message.body = [(message.body, "text/html")], ""
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", [])
             if mimetype == "text/html"),
            "",
        )  # fmt: skip
        # Rendered here (the links need this request's keys), sent by the task worker;
        # with the database backend the task waits for this request's transaction.
        send_account_mail.enqueue(
            subject=message.subject,
            body=message.body,
            from_email=message.from_email,
            to=list(message.to),
            html=html,
        )
