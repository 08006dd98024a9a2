"""Sign-up, log-in and out, lockout after repeated failures, password change and reset."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import TEST_PASSWORD, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_signup_creates_the_account_and_logs_it_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "grace",
            "email": "grace@example.org",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
        },
        follow=True,
    )
    user = User.objects.get(username="grace")
    assert user.email == "grace@example.org"
    assert response.context["user"] == user
    assert response.redirect_chain[-1][0] == reverse("submissions:mine")
    assert "Welcome, grace" in response.content.decode()


def test_signup_returns_to_the_page_it_was_asked_from(client):
    response = client.post(
        reverse("signup") + "?next=/submit/",
        {
            "username": "grace",
            "email": "grace@example.org",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
            "next": "/submit/",
        },
    )
    assert response.url == "/submit/"


def test_signup_ignores_a_next_address_on_another_site(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "grace",
            "email": "grace@example.org",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
            "next": "https://evil.example.com/",
        },
    )
    assert response.url == reverse("submissions:mine")


def test_signup_with_a_weak_password_explains_and_keeps_what_was_typed(client):
    response = client.post(
        reverse("signup"),
        {"username": "grace", "email": "grace@example.org", "password1": "123", "password2": "123"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert not User.objects.filter(username="grace").exists()
    assert "This password is too short" in page
    assert 'value="grace"' in page and 'value="grace@example.org"' in page
    assert 'aria-invalid="true"' in page


def test_signup_refuses_an_email_address_already_in_use(client):
    UserFactory(email="Grace@Example.org")
    response = client.post(
        reverse("signup"),
        {
            "username": "grace2",
            "email": "grace@example.org",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
        },
    )
    assert "An account already uses this address" in response.content.decode()
    assert not User.objects.filter(username="grace2").exists()


def test_login_with_the_right_password_goes_to_my_proposals(client):
    UserFactory(username="ada")
    response = client.post(reverse("login"), {"username": "ada", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("submissions:mine")


def test_login_with_a_wrong_password_says_so(client):
    UserFactory(username="ada")
    response = client.post(reverse("login"), {"username": "ada", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_is_locked_after_five_failures_with_a_message_saying_how_long(client):
    UserFactory(username="ada")
    for _ in range(4):
        client.post(reverse("login"), {"username": "ada", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "ada", "password": "wrong"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "wait 15 minutes" in page
    # Even the right password is refused during the cool-off.
    response = client.post(reverse("login"), {"username": "ada", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_lockout_counts_failures_per_account_from_several_addresses(client):
    UserFactory(username="ada")
    for number in range(5):
        response = client.post(
            reverse("login"),
            {"username": "ada", "password": "wrong"},
            REMOTE_ADDR=f"203.0.113.{number}",
        )
    assert response.status_code == 429


def test_login_lockout_counts_failures_per_address_across_accounts(client):
    for number in range(5):
        response = client.post(
            reverse("login"), {"username": f"guess{number}", "password": "wrong"}
        )
    assert response.status_code == 429


def test_login_lockout_expires_after_the_cool_off(client, settings):
    UserFactory(username="ada")
    for _ in range(5):
        client.post(reverse("login"), {"username": "ada", "password": "wrong"})
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")
    response = client.post(reverse("login"), {"username": "ada", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_logout_needs_a_post_and_ends_the_session(user_client):
    assert user_client.get(reverse("logout")).status_code == 405
    response = user_client.post(reverse("logout"))
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
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "another long passphrase 7",
            "new_password2": "another long passphrase 7",
        },
        follow=True,
    )
    assert "Password changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("another long passphrase 7")


def test_password_reset_mails_a_link_that_sets_a_new_password(client, user):
    client.post(reverse("password_reset"), {"email": "ada@example.org"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert "Awesome LLM Interpretability" in message.subject
    link = re.search(r"http://testserver(/accounts/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand new passphrase 9", "new_password2": "brand new passphrase 9"},
    )
    user.refresh_from_db()
    assert user.check_password("brand new passphrase 9")


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert mail.outbox == []
    assert "If an account uses that address" in response.content.decode()


def test_log_in_link_returns_to_the_catalog_page_being_read(client):
    resource = ResourceFactory()
    page = client.get(resource.get_absolute_url()).content.decode()
    assert f'href="/accounts/login/?next={resource.get_absolute_url()}">Log in</a>' in page
    page = client.get(reverse("login")).content.decode()
    assert 'href="/accounts/login/">Log in</a>' in page


def test_login_lockout_behind_the_proxy_counts_the_forwarded_address(client):
    for number in range(5):
        client.post(
            reverse("login"),
            {"username": f"guess{number}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.1",
        )
    UserFactory(username="ada")
    response = client.post(
        reverse("login"),
        {"username": "ada", "password": TEST_PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.2",
    )
    assert response.status_code == 302  # another visitor behind the same proxy


def test_login_lockout_ignores_forwarded_addresses_from_untrusted_peers(client):
    for number in range(5):
        response = client.post(
            reverse("login"),
            {"username": f"guess{number}", "password": "wrong"},
            REMOTE_ADDR="192.0.2.10",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}",
        )
    assert response.status_code == 429
