"""
The attacks of issue 9 that concern accounts and requests, each replayed
against the site: findings 1 and 2 (login lockouts), 7 (odd query strings),
8 (cache poisoning through X-Forwarded-Proto), 9 (links in mail built from
the request), 10 (sign-up abuse) and HEAD on public pages.
"""

import re
import runpy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.names import skeleton
from tests.factories import (
    TEST_PASSWORD,
    CategoryFactory,
    ResearchGroupFactory,
    ResourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.20"


def login(client, username, password, address=ATTACKER, **extra):
    return client.post(
        reverse("account_login"),
        {"login": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def signup(client, username, email, address=ATTACKER, **extra):
    return client.post(
        reverse("account_signup"),
        {
            "username": username,
            "email": email,
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
        },
        REMOTE_ADDR=address,
        **extra,
    )


# Finding 1: a login to one's own account wiped the failures at everyone else's.


def test_interleaved_guessing_locks_attacker_after_five_guesses(client):
    UserFactory(username="victim")
    UserFactory(username="mallory")
    guesses = 0
    for _ in range(4):
        for _ in range(4):
            if guesses == 5:
                break
            response = login(client, "victim", f"guess-{guesses}")
            guesses += 1
        # The attacker logs in to an account of their own, from the same address.
        assert login(client, "mallory", TEST_PASSWORD).status_code == 302
        client.post(reverse("account_logout"), REMOTE_ADDR=ATTACKER)
    assert guesses == 5
    assert response.status_code == 429
    # The right password is refused too: the guesser learns nothing more.
    response = login(client, "victim", TEST_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_victims_own_successful_login_does_not_clear_the_guessers_failures(client):
    UserFactory(username="victim")
    for number in range(4):
        login(client, "victim", f"guess-{number}")
    assert login(client, "victim", TEST_PASSWORD, address=ELSEWHERE).status_code == 302
    client.post(reverse("account_logout"), REMOTE_ADDR=ELSEWHERE)
    assert login(client, "victim", "guess-4").status_code == 429


# Finding 2: five wrong passwords locked the account's owner out everywhere, and a
# forged X-Forwarded-For escaped the per-address count.


def test_guesses_from_one_address_do_not_lock_the_owner_out_elsewhere(client):
    UserFactory(username="mod", moderator=True)
    for number in range(6):
        response = login(client, "mod", f"guess-{number}")
    assert response.status_code == 429
    response = login(client, "mod", TEST_PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302
    assert response.url == reverse("submissions:mine")


def test_password_reset_lifts_the_lockout(client):
    UserFactory(username="ada", email="ada@example.org")
    for number in range(5):
        login(client, "ada", f"forgotten-{number}")
    assert login(client, "ada", TEST_PASSWORD).status_code == 429

    client.post("/accounts/password_reset/", {"email": "ada@example.org"}, REMOTE_ADDR=ATTACKER)
    path = urlsplit(
        re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body)[0]
    )
    form_page = client.get(path.path, follow=True, REMOTE_ADDR=ATTACKER)
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "brand new passphrase 9", "password2": "brand new passphrase 9"},
        REMOTE_ADDR=ATTACKER,
    )
    response = login(client, "ada", "brand new passphrase 9")
    assert response.status_code == 302


def test_forged_x_forwarded_for_does_not_escape_the_lockout(client, settings):
    assert settings.FORWARDED_ALLOW_IPS == []  # the default: no proxy is trusted
    UserFactory(username="victim")
    for number in range(5):
        response = login(
            client,
            "victim",
            f"guess-{number}",
            address="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
        )
    assert response.status_code == 429


def test_forwarded_headers_count_only_from_a_trusted_proxy(client, settings):
    ResourceFactory()
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    forged = {"HTTP_X_FORWARDED_PROTO": "https", "REMOTE_ADDR": "127.0.0.1"}
    page = client.get("/resources/", **forged).content.decode()
    assert '<link rel="canonical" href="http://testserver/resources/">' in page
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    page = client.get("/resources/", **forged).content.decode()
    assert '<link rel="canonical" href="https://testserver' in page


def test_proxies_are_trusted_by_nobody_unless_configured(monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    gunicorn_settings = runpy.run_path(str(Path(django_settings.BASE_DIR) / "gunicorn.conf.py"))
    assert gunicorn_settings["forwarded_allow_ips"] == ""
    assert django_settings.FORWARDED_ALLOW_IPS == []


# Finding 7: a page number in Unicode digits, and an impossible year in the admin, gave 500.

ODD_VALUES = ["²", "١", "𝟙", "-1", "1e3", "0x10", " 2 ", "9" * 400, "\x00", "%ff", ""]


@pytest.mark.parametrize("value", ODD_VALUES)
@pytest.mark.parametrize(
    "path",
    [
        "/resources/?page={}",
        "/resources/?year_min={}&year_max={}&sort={}",
        "/resources/?tag={}&category={}&group={}",
        "/resources/?q={}",
        "/api/resources/?page={}&page_size={}",
        "/api/resources/?year_min={}",
        "/resources/export.bib?page={}&year_min={}",
        "/sitemap.xml?p={}",
        "/tags/?page={}",
        "/proposals/?page={}",
    ],
)
def test_odd_query_strings_never_give_a_server_error(user_client, path, value):
    ResourceFactory(tags=["circuits"])
    response = user_client.get(path.replace("{}", value))
    assert response.status_code in (200, 404)


def test_unicode_page_number_shows_the_first_page_and_says_so(client):
    ResourceFactory()
    response = client.get("/resources/?page=²")
    assert response.status_code == 200
    assert "There is no page “²”, so the only page is shown." in response.content.decode()


def date_hierarchy_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model_admin.date_hierarchy
    ]


@pytest.mark.parametrize(
    "drill_down",
    [
        {"year": "999999999999999999999999999999"},
        {"year": "9999"},
        {"year": "0"},
        {"year": "²"},
        {"year": "2024", "month": "13"},
        {"year": "2024", "month": "99999999999999999999"},
        {"year": "2023", "month": "2", "day": "29"},
        {"year": "2024", "month": "1", "day": "99999999999999999999"},
        {"month": "1"},
    ],
)
def test_admin_date_drill_down_refuses_impossible_dates_with_a_message(staff_client, drill_down):
    assert len(date_hierarchy_admins()) >= 3  # resources, proposals, the review log, ...
    for model, model_admin in date_hierarchy_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        query = {f"{model_admin.date_hierarchy}__{part}": v for part, v in drill_down.items()}
        response = staff_client.get(url, {**query, "o": "1"})
        assert response.status_code == 302, model
        assert response.url == f"{url}?o=1"
        page = staff_client.get(response.url).content.decode()
        assert "That date is not one the list can show" in page


def test_admin_date_drill_down_still_narrows_to_real_dates(staff_client):
    ResourceFactory(title="Listed in the drill-down")
    year = ResourceFactory._meta.model.objects.get().created_at.year
    response = staff_client.get(
        reverse("admin:catalog_resource_changelist"), {"created_at__year": str(year)}
    )
    assert response.status_code == 200
    assert "Listed in the drill-down" in response.content.decode()


# Finding 8: an https page cached under a key without the scheme was served to http visitors.


def test_https_page_is_never_served_from_the_cache_to_http_visitors(client, settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]  # behind a proxy, where the header counts
    ResourceFactory()
    for path in ("/resources/", "/robots.txt", "/api/resources/?page_size=1"):
        # As through a proxy: the same Host header whichever scheme the visitor used.
        secure = client.get(path, HTTP_HOST="testserver", HTTP_X_FORWARDED_PROTO="https")
        assert "https://testserver" in secure.content.decode()
        plain = client.get(path, HTTP_HOST="testserver")
        assert "https://testserver" not in plain.content.decode(), path
        assert "http://testserver" in plain.content.decode(), path


def test_forged_https_from_an_untrusted_peer_never_reaches_the_cache(client):
    ResourceFactory()
    client.get("/resources/", HTTP_HOST="testserver", HTTP_X_FORWARDED_PROTO="https")
    page = client.get("/resources/", HTTP_HOST="testserver").content.decode()
    assert "https://testserver" not in page


# Finding 9: the reset link was built from the request's Host, port included.


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://awesome.example.org"
    return settings.SITE_URL


def test_reset_link_uses_site_url_whatever_the_host_header(client, user, site_url):
    client.post(
        "/accounts/password_reset/", {"email": "ada@example.org"}, HTTP_HOST="127.0.0.1:31337"
    )
    (message,) = mail.outbox
    assert f"{site_url}/accounts/password/reset/key/" in message.body
    assert "31337" not in message.body and "127.0.0.1" not in message.body


def test_every_account_mail_links_to_site_url_whatever_the_host_header(client, user, site_url):
    host = {"HTTP_HOST": "127.0.0.1:31337"}
    signup(client, "hopper", "hopper@example.org", **host)  # the link to confirm
    signup(client, "hopper2", "ada@example.org", **host)  # the owner told of it
    client.post("/accounts/password_reset/", {"email": "ada@example.org"}, **host)
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert f"{site_url}/accounts/" in message.body
        assert "31337" not in message.body and "127.0.0.1" not in message.body


def test_account_mail_is_sent_by_the_task_worker_not_the_request(client, user, settings):
    # A reset must not wait on the mail server: the request only queues the rendered mail.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    response = client.post("/accounts/password_reset/", {"email": "ada@example.org"})

    assert response.status_code == 302
    assert mail.outbox == []
    (queued,) = default_task_backend.results
    assert queued.task.name == "send_account_mail"
    queued.task.call(*queued.args, **queued.kwargs)  # what the worker does
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    assert "/accounts/password/reset/key/" in message.body


# Finding 10: unlimited sign-ups, no confirmed address, enumeration, look-alike names.


def test_signup_is_rate_limited_per_address(client):
    for number in range(5):
        assert signup(client, f"bulk{number}", f"bulk{number}@example.org").status_code == 302
    response = signup(client, "bulk5", "bulk5@example.org")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert not User.objects.filter(username="bulk5").exists()
    # Another address is not held back.
    assert signup(client, "other", "other@example.org", address=ELSEWHERE).status_code == 302


def test_login_is_rate_limited_per_address(client):
    UserFactory(username="ada")
    for number in range(20):
        login(client, f"sprayed{number}", "password")
    response = login(client, "sprayed-more", "password")
    assert "Too many failed logins from your network address" in response.content.decode()


def test_password_reset_is_rate_limited_per_account_and_address(client, user):
    for _ in range(3):
        client.post("/accounts/password_reset/", {"email": "ada@example.org"})
    response = client.post("/accounts/password_reset/", {"email": "ada@example.org"})
    assert response.status_code == 429
    assert len(mail.outbox) == 3
    for number in range(2):
        client.post("/accounts/password_reset/", {"email": f"x{number}@example.org"})
    response = client.post("/accounts/password_reset/", {"email": "y@example.org"})
    assert response.status_code == 429  # five an hour from one address


def test_signup_with_a_taken_address_answers_as_for_a_new_one_and_mails_the_owner(user):
    answers = []
    for username, email in (("grace", "grace@example.org"), ("grace2", "ADA@example.org")):
        visitor = Client()
        response = signup(visitor, username, email, address=ELSEWHERE)
        page = visitor.get(response.url).content.decode()
        answers.append((response.status_code, response.url, page.replace(email.lower(), "…")))
    assert answers[0] == answers[1]
    assert not User.objects.filter(username="grace2").exists()
    to_owner = [message for message in mail.outbox if message.to == ["ada@example.org"]]
    assert len(to_owner) == 1
    assert "An account already uses it" in to_owner[0].body


def test_unconfirmed_account_cannot_send_a_proposal(client):
    user = UserFactory(username="fresh", verified=False)
    client.force_login(user)
    category = CategoryFactory()
    response = client.post(
        "/submit/",
        {
            "url": "https://example.org/new-work",
            "title": "A new work",
            "description": "Worth reading.",
            "category": category.pk,
        },
    )
    assert response.status_code == 403
    assert not user.submissions.exists()


@pytest.mark.parametrize(
    "name",
    [
        "\u0430dmin",  # Cyrillic a
        "ADMIN",
        "\uff41dmin",  # fullwidth a
        "adm\u0456n",  # Ukrainian i
        "\u0430d\u0430",  # like the existing "ada"
        "Ada",
    ],
)
def test_lookalike_username_is_refused(client, name):
    UserFactory(username="ada")
    response = signup(client, name, "new@example.org")
    assert response.status_code == 200
    page = response.content.decode()
    assert "looks too much like one that is taken" in page or "This name is taken" in page
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "name", ["ada\u202e", "a\u200bda", "ada\x08", "ad a", "ad\u2028a", "\u00adada"]
)
def test_username_with_control_or_invisible_characters_is_refused(client, name):
    response = signup(client, name, "new@example.org")
    assert response.status_code == 200
    assert 'id="id_username_error"' in response.content.decode()
    assert not User.objects.exists()


SAME = [
    ("admin", "\u0430dmin"),
    ("admin", "ADMIN"),
    ("admin", "\uff41\uff44\uff4d\uff49\uff4e"),
    ("modern", "rnodern"),
    ("olive", "0live"),
    ("modern", "\uff4dodern"),
    ("bill", "b\u0456ll"),
    ("paypal", "p\u0430yp\u0430l"),
    ("ian", "\u2160an"),
    ("scope", "\u0455\u0441\u043e\u0440\u0435"),
]
DIFFERENT = [("admin", "admins"), ("ada", "adam"), ("grace", "grade"), ("bob", "b0x")]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_skeleton_is_shared_by_look_alike_names(one, other):
    assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_skeleton_tells_different_names_apart(one, other):
    assert skeleton(one) != skeleton(other)


def test_existing_names_are_compared_too(client):
    UserFactory(username="moderator2")
    response = signup(client, "m\u043ederator2", "new@example.org")
    assert "looks too much like" in response.content.decode()


# HEAD: some public pages answered 405.


def test_every_public_page_answers_head(client):
    resource = ResourceFactory(tags=["circuits"], category__slug="papers")
    group = ResearchGroupFactory()
    paths = [
        "/",
        "/resources/",
        resource.get_absolute_url(),
        f"{resource.get_absolute_url()}cite.bib",
        f"{resource.get_absolute_url()}cite.ris",
        "/resources/export.bib",
        "/resources/export.ris",
        "/tags/",
        "/tags/circuits/",
        "/categories/papers/",
        "/groups/",
        f"/groups/{group.slug}/",
        "/feeds/latest.rss",
        "/feeds/latest.atom",
        "/feeds/tags/circuits.rss",
        "/feeds/categories/papers.atom",
        "/sitemap.xml",
        "/robots.txt",
        "/stats/",
        "/api/",
        "/api/resources/",
        f"/api/resources/{resource.slug}/",
        "/api/tags/",
        "/api/categories/",
        "/api/groups/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password_reset/",
    ]
    for path in paths:
        head = client.head(path)  # first: a cached copy of the GET would answer it
        got = client.get(path)
        assert got.status_code == 200, path
        assert head.status_code == 200, path
        assert head.content == b"", path
        assert head["Content-Type"] == got["Content-Type"], path
