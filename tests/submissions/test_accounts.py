"""
Sign-up with a confirmed address, log-in and out, lockout after repeated
failures, password change and reset: django-allauth and django-axes as set up
in awesome/settings.py and accounts/.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import TEST_PASSWORD, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
SIGNUP = {
    "username": "grace",
    "email": "grace@example.org",
    "password1": "correct horse battery staple",
    "password2": "correct horse battery staple",
}


def mailed_link(message, path_prefix):
    """The path of the link under SITE_URL in ``message`` that starts with ``path_prefix``."""
    return re.search(rf"http://127\.0\.0\.1:8000({re.escape(path_prefix)}\S+)", message.body)[1]


def login(client, username, password, **extra):
    return client.post(reverse("account_login"), {"login": username, "password": password}, **extra)


def test_signup_creates_the_account_and_mails_a_link_that_confirms_and_logs_in(client):
    response = client.post(reverse("account_signup"), SIGNUP, follow=True)
    user = User.objects.get(username="grace")
    assert user.email == "grace@example.org"
    assert "Check your email" in response.content.decode()
    assert "_auth_user_id" not in client.session  # not before the address is confirmed
    assert not EmailAddress.objects.get(user=user).verified

    (message,) = mail.outbox
    assert message.to == ["grace@example.org"]
    assert "Awesome LLM Interpretability" in message.subject
    link = mailed_link(message, "/accounts/confirm-email/")
    page = client.get(link).content.decode()
    assert "grace@example.org" in page
    response = client.post(link, follow=True)
    assert EmailAddress.objects.get(user=user).verified
    assert response.context["user"] == user
    assert response.redirect_chain[-1][0] == reverse("submissions:mine")
    assert "you can now send proposals" in response.content.decode()


def test_signup_returns_to_the_page_it_was_asked_from_once_confirmed(client):
    client.post(reverse("account_signup") + "?next=/submit/", {**SIGNUP, "next": "/submit/"})
    link = mailed_link(mail.outbox[0], "/accounts/confirm-email/")
    response = client.post(link)
    assert response.url == "/submit/"


def test_signup_ignores_a_next_address_on_another_site(client):
    client.post(reverse("account_signup"), {**SIGNUP, "next": "https://evil.example.com/"})
    link = mailed_link(mail.outbox[0], "/accounts/confirm-email/")
    response = client.post(link)
    assert response.url == reverse("submissions:mine")


def test_signup_with_a_weak_password_explains_and_keeps_what_was_typed(client):
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "password1": "123", "password2": "123"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert not User.objects.filter(username="grace").exists()
    assert "This password is too short" in page
    assert 'value="grace"' in page and 'value="grace@example.org"' in page
    assert 'aria-invalid="true"' in page


def test_login_with_the_right_password_goes_to_my_proposals(client):
    UserFactory(username="ada")
    response = login(client, "ada", TEST_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("submissions:mine")


def test_login_accepts_the_account_address_too(client):
    UserFactory(username="ada", email="ada@example.org")
    response = login(client, "ADA@example.org", TEST_PASSWORD)
    assert response.url == reverse("submissions:mine")


def test_login_with_a_wrong_password_says_so(client):
    UserFactory(username="ada")
    response = login(client, "ada", "nope")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_of_an_unconfirmed_account_sends_the_link_again_instead(client):
    UserFactory(username="ada", email="ada@example.org", verified=False)
    EmailAddress.objects.create(
        user=User.objects.get(username="ada"), email="ada@example.org", primary=True
    )
    response = login(client, "ada", TEST_PASSWORD, follow=True)
    assert "_auth_user_id" not in client.session
    assert "Check your email" in response.content.decode()
    assert mail.outbox[0].to == ["ada@example.org"]


def test_login_is_locked_after_five_failures_with_a_message_saying_how_long(client):
    UserFactory(username="ada")
    for _ in range(4):
        login(client, "ada", "wrong")
    response = login(client, "ada", "wrong")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "wait 15 minutes" in page
    # Even the right password is refused during the cool-off.
    response = login(client, "ada", TEST_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_lockout_counts_the_account_however_it_is_spelled(client):
    UserFactory(username="ada", email="ada@example.org")
    for spelling in ("ada", "ADA", "Ada", "ada@example.org"):
        login(client, spelling, "wrong")
    response = login(client, "ADA@EXAMPLE.ORG", "wrong")
    assert response.status_code == 429


def test_login_lockout_expires_after_the_cool_off(client):
    UserFactory(username="ada")
    for _ in range(5):
        login(client, "ada", "wrong")
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")
    response = login(client, "ada", TEST_PASSWORD)
    assert response.status_code == 302


def test_logout_asks_first_then_ends_the_session_on_post(user_client):
    page = user_client.get(reverse("account_logout"))
    assert "_auth_user_id" in user_client.session  # a GET changes nothing
    assert 'method="post"' in page.content.decode()
    response = user_client.post(reverse("account_logout"))
    assert response.url == reverse("catalog:home")
    assert "_auth_user_id" not in user_client.session


def test_account_nav_offers_log_in_to_visitors_and_log_out_to_members(client, user):
    page = client.get(reverse("catalog:home")).content.decode()
    assert "Log in" in page and "Sign up" in page and "Log out" not in page
    client.force_login(user)
    page = client.get(reverse("catalog:home")).content.decode()
    assert "My proposals" in page
    assert re.search(r'<form[^>]*method="post"[^>]*action="/accounts/logout/"', page)


def test_password_change_keeps_the_user_logged_in(user_client, user):
    response = user_client.post(
        "/accounts/password_change/",
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "another long passphrase 7",
            "password2": "another long passphrase 7",
        },
        follow=True,
    )
    assert "Password changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("another long passphrase 7")
    assert "_auth_user_id" in user_client.session


def test_password_reset_mails_a_link_that_sets_a_new_password(client, user):
    response = client.post("/accounts/password_reset/", {"email": "ada@example.org"}, follow=True)
    assert "If an account uses that address" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    assert "Awesome LLM Interpretability" in message.subject
    link = mailed_link(message, "/accounts/password/reset/key/")

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "brand new passphrase 9", "password2": "brand new passphrase 9"},
    )
    user.refresh_from_db()
    assert user.check_password("brand new passphrase 9")


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(
        "/accounts/password_reset/", {"email": "nobody@example.org"}, follow=True
    )
    assert mail.outbox == []
    assert "If an account uses that address" in response.content.decode()


def test_log_in_link_returns_to_the_catalog_page_being_read(client):
    resource = ResourceFactory()
    page = client.get(resource.get_absolute_url()).content.decode()
    assert f'href="/accounts/login/?next={resource.get_absolute_url()}">Log in</a>' in page
    page = client.get(reverse("account_login")).content.decode()
    assert 'href="/accounts/login/">Log in</a>' in page


def test_login_lockout_behind_the_proxy_counts_the_forwarded_address(client, settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    UserFactory(username="ada")
    for _ in range(5):
        login(client, "ada", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.1")
    assert login(client, "ada", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    # Another visitor behind the same proxy is not the guesser.
    response = login(client, "ada", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert response.status_code == 302


def test_unconfirmed_account_cannot_propose_and_is_offered_the_link_again(client):
    user = UserFactory(username="ada", email="ada@example.org", verified=False)
    EmailAddress.objects.create(user=user, email="ada@example.org", primary=True)
    client.force_login(user)
    for url in ("/submit/", f"/submit/correction/{ResourceFactory().slug}/"):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 403
        assert "Before your first proposal, confirm your email address" in page
        assert 'name="action_send"' in page and 'action="/accounts/email/"' in page
    response = client.post(
        "/accounts/email/", {"email": "ada@example.org", "action_send": "1"}, follow=True
    )
    assert mail.outbox[0].to == ["ada@example.org"]
    assert "http://127.0.0.1:8000/accounts/confirm-email/" in mail.outbox[0].body


PROVIDERS_PAGE = """
from django.test import Client
page = Client().get("/accounts/login/").content.decode()
print("GitHub</button>" in page, "/accounts/github/" in page, "/accounts/orcid/" in page)
"""
PROJECT_DIR = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    """manage.py in a fresh process, whose settings read ``env`` (providers come from it)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GITHUB_", "ORCID_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**environment, "ENV_FILE": "", "DEBUG": "1", "ALLOWED_HOSTS": "testserver", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    path = tmp_path_factory.mktemp("providers") / "db.sqlite3"
    result = manage("migrate", "--verbosity", "0", DATABASE_URL=f"sqlite:///{path}")
    assert result.returncode == 0, result.stderr
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({}, "False False False"),
        ({"GITHUB_CLIENT_ID": "id", "GITHUB_CLIENT_SECRET": "secret"}, "True True False"),
        (
            {
                "GITHUB_CLIENT_ID": "id",
                "GITHUB_CLIENT_SECRET": "secret",
                "ORCID_CLIENT_ID": "id",
                "ORCID_CLIENT_SECRET": "secret",
            },
            "True True True",
        ),
        ({"GITHUB_CLIENT_ID": "id"}, "False False False"),  # half a key is none
    ],
)
def test_login_offers_github_and_orcid_only_when_their_keys_are_set(
    migrated_database, keys, expected
):
    result = manage(
        "shell", "--no-imports", "-c", PROVIDERS_PAGE, DATABASE_URL=migrated_database, **keys
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
