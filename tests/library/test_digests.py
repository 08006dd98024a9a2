"""Follows and the digest: what goes in it, when it is sent, and the signed-out unsubscribe link."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from catalog.models import Resource
from library import services
from library.models import DigestSubscription, Follow
from tests.factories import CategoryFactory, ResearchGroupFactory, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def published(title, *, when, tags=(), status="published", **fields):
    resource = ResourceFactory(title=title, tags=list(tags), status=status, **fields)
    Resource.objects.filter(pk=resource.pk).update(published_at=when)
    return resource


@pytest.fixture
def follower(papers):
    user = UserFactory(username="follower", email="follower@example.org")
    surveys = CategoryFactory(name="Surveys", slug="surveys")
    group = ResearchGroupFactory(name="EleutherAI", slug="eleutherai")
    services.follow_add(user=user, target_kind="tag", target=_tag("circuits"))
    services.follow_add(user=user, target_kind="category", target=surveys)
    services.follow_add(user=user, target_kind="group", target=group)
    DigestSubscription.objects.filter(user=user).update(covered_until=NOW - timedelta(days=7))
    user.surveys, user.group = surveys, group
    return user


def _tag(name):
    from taggit.models import Tag

    return Tag.objects.get_or_create(name=name, slug=name)[0]


def send(now=NOW, **kwargs):
    return services.digests_send(now=now, **kwargs)


def test_digest_holds_only_works_published_in_its_window_in_what_is_followed(
    follower, papers, django_capture_on_commit_callbacks
):
    window = NOW - timedelta(days=3)
    published("In window, followed tag", when=window, tags=["circuits"], category=papers)
    published("In window, followed category", when=window, category=follower.surveys)
    grouped = published("In window, followed group", when=window, category=papers)
    grouped.groups.add(follower.group)
    published("Before the window", when=NOW - timedelta(days=8), tags=["circuits"])
    published("After the window", when=NOW + timedelta(minutes=5), tags=["circuits"])
    published("In window, not followed", when=window, tags=["probing"], category=papers)
    published("A draft", when=window, tags=["circuits"], status="draft")
    published("An archived one", when=window, tags=["circuits"], status="archived")
    # Someone else's follow does not reach this member's digest.
    other = UserFactory(email="other@example.org")
    services.follow_add(user=other, target_kind="tag", target=_tag("probing"))

    with django_capture_on_commit_callbacks(execute=True):
        assert send() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["follower@example.org"]
    assert message.subject == "[awesome] 3 new works in what you follow"
    titles = re.findall(r"^- (.+) \(", message.body, flags=re.MULTILINE)
    assert sorted(titles) == [
        "In window, followed category",
        "In window, followed group",
        "In window, followed tag",
    ]
    assert "http://127.0.0.1:8000/resources/in-window-followed-tag/" in message.body
    html = message.alternatives[0].content
    assert "In window, not followed" not in html and "A draft" not in html


def test_next_digest_starts_where_the_last_ended(follower, django_capture_on_commit_callbacks):
    published("First", when=NOW - timedelta(days=1), tags=["circuits"])
    with django_capture_on_commit_callbacks(execute=True):
        send()
    later = NOW + timedelta(days=7)
    published("Second", when=NOW + timedelta(days=2), tags=["circuits"])
    with django_capture_on_commit_callbacks(execute=True):
        assert send(now=later) == 1
    assert "Second" in mail.outbox[1].body
    assert "First" not in mail.outbox[1].body


def test_nothing_is_sent_when_nothing_is_new(follower, django_capture_on_commit_callbacks):
    published("Old news", when=NOW - timedelta(days=30), tags=["circuits"])
    with django_capture_on_commit_callbacks(execute=True):
        assert send() == 0
    assert mail.outbox == []
    assert DigestSubscription.objects.get(user=follower).covered_until == NOW


def test_weekly_waits_a_week_and_daily_a_day(follower, django_capture_on_commit_callbacks):
    DigestSubscription.objects.filter(user=follower).update(covered_until=NOW - timedelta(days=3))
    published("Recent", when=NOW - timedelta(days=1), tags=["circuits"])
    with django_capture_on_commit_callbacks(execute=True):
        assert send() == 0  # weekly: not due yet
    services.digest_set_frequency(user=follower, frequency="daily")
    with django_capture_on_commit_callbacks(execute=True):
        assert send() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send(now=NOW + timedelta(hours=2)) == 0  # the next one is a day away


def test_unsubscribe_link_works_signed_out_and_fails_if_altered(
    follower, django_capture_on_commit_callbacks
):
    published("Fresh", when=NOW - timedelta(days=1), tags=["circuits"])
    with django_capture_on_commit_callbacks(execute=True):
        send()
    message = mail.outbox[0]
    link = re.search(r"Stop these mails \(no login needed\): (\S+)", message.body).group(1)
    assert link.startswith("http://127.0.0.1:8000/digest/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.removeprefix("http://127.0.0.1:8000")

    signed_out = Client(enforce_csrf_checks=True)
    altered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    assert signed_out.get(altered).status_code == 400
    assert signed_out.post(altered).status_code == 400
    other = UserFactory()
    token = services.unsubscribe_token(other)
    forged = f"/digest/unsubscribe/{token[:-1]}{'x' if token[-1] != 'x' else 'y'}/"
    assert signed_out.post(forged).status_code == 400
    assert DigestSubscription.objects.get(user=follower).frequency == "weekly"

    page = signed_out.get(path)
    assert "Unsubscribe" in page.content.decode()
    # GET changes nothing: mail scanners follow links.
    assert DigestSubscription.objects.get(user=follower).frequency == "weekly"
    response = signed_out.post(path)  # the page's button, or a mail client's one-click POST
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert DigestSubscription.objects.get(user=follower).frequency == "off"
    published("Fresher", when=NOW + timedelta(days=8), tags=["circuits"])
    with django_capture_on_commit_callbacks(execute=True):
        assert send(now=NOW + timedelta(days=9)) == 0


def test_mail_stays_well_formed_whatever_the_titles(follower, django_capture_on_commit_callbacks):
    published(
        '<script>alert("x")</script> & </ul>\nSubject: injected',
        when=NOW - timedelta(days=1),
        tags=["circuits"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        send()
    message = mail.outbox[0]
    html = message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;/ul&gt;" in html
    assert html.count("<ul>") == html.count("</ul>") == 1
    assert '<script>alert("x")</script> & </ul>' in message.body  # plain text stays plain
    assert "\n" not in message.subject
    message.message().as_bytes()  # serialises


def test_following_twice_keeps_one_follow_and_the_page_lists_them(client, follower):
    services.follow_add(user=follower, target_kind="tag", target=_tag("circuits"))
    assert Follow.objects.filter(user=follower).count() == 3
    client.force_login(follower)
    page = client.get("/following/").content.decode()
    assert "circuits" in page and "Surveys" in page and "EleutherAI" in page
    client.post("/follow/", {"kind": "tag", "slug": "circuits", "action": "unfollow"})
    assert Follow.objects.filter(user=follower).count() == 2
    client.post("/following/", {"frequency": "daily"})
    assert DigestSubscription.objects.get(user=follower).frequency == "daily"


def test_follow_from_a_tag_page(client, papers):
    member = UserFactory()
    ResourceFactory(category=papers, tags=["circuits"])
    client.force_login(member)
    response = client.post(
        "/follow/", {"kind": "tag", "slug": "circuits", "next": "/tags/circuits/"}
    )
    assert response["Location"] == "/tags/circuits/"
    assert "✓ Following" in client.get("/tags/circuits/").content.decode()
    assert client.post("/follow/", {"kind": "user", "slug": "x"}).status_code == 400
    assert client.post("/follow/", {"kind": "tag", "slug": "nope"}).status_code == 404


def test_send_digests_command_and_task(follower, django_capture_on_commit_callbacks):
    from library.tasks import send_digests

    published("Fresh", when=NOW - timedelta(days=1), tags=["circuits"])
    DigestSubscription.objects.filter(user=follower).update(
        covered_until=timezone.now() - timedelta(days=8)
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", stdout=out)
    assert out.getvalue().strip() == "1 digest sent."
    assert len(mail.outbox) == 1
    DigestSubscription.objects.filter(user=follower).update(
        covered_until=timezone.now() - timedelta(days=8)
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = send_digests.enqueue()
    assert result.return_value == 1
    assert len(mail.outbox) == 2
