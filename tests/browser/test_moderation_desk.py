"""
The curator's desk, clicked through: a moderator fixes a proposal on its own
page and approves it, landing on the next; a clean one is decided in two clicks
from the queue; a bulk approval shows every description before publishing.
Clicks are counted: typing is not a click.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Resource
from submissions.emails import send_decision
from submissions.models import Submission, SubmissionEvent
from tests.browser.conftest import assert_pages_fit, open_page, save_screenshot
from tests.factories import (
    TEST_PASSWORD,
    CategoryFactory,
    ResearchGroupFactory,
    ResourceFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

TRACING = "Tracing the thoughts of a large language model"
CLEAN_URL = "https://anthropic.com/research/tracing-thoughts-language-model"


class Clicks:
    """Counts the clicks a moderator makes."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def check(self, locator):
        self.count += 1
        locator.check()


@pytest.fixture
def desk():
    articles = CategoryFactory(name="Articles", slug="articles")
    group = ResearchGroupFactory(name="Anthropic Interpretability")
    UserFactory(username="moderator", moderator=True)
    submitter = UserFactory(username="proposer", email="proposer@example.org")
    now = timezone.now()
    proposals = [
        # Sent before URLs were cleaned on arrival: the tracking URL as pasted.
        SubmissionFactory(
            submitter=submitter,
            title=TRACING,
            url="https://www.anthropic.com/news/tracing-thoughts?utm_source=twitter",
            description="How Claude plans ahead, read from its attribution graphs.",
            category=articles,
            tags="circuits",
            venue="",
        ),
        SubmissionFactory(
            title="A clean proposal", category=articles, description="Nothing to fix here."
        ),
        SubmissionFactory(
            title="Another clean proposal", category=articles, description="Fine as sent."
        ),
    ]
    for age, proposal in enumerate(proposals):
        Submission.objects.filter(pk=proposal.pk).update(created_at=now - timedelta(hours=10 - age))
    return {"group": group, "proposals": proposals}


def log_in(browser, live_url, width=1280):
    context, page = open_page(browser)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_url}/admin/")
    page.fill("#id_username", "moderator")
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return context, page


def test_moderator_fixes_then_approves_and_lands_on_the_next(browser, live_url, desk):
    tracing, clean, other = desk["proposals"]
    context, page = log_in(browser, live_url)
    assert "3 proposals waiting for review" in page.locator(".pending-count").inner_text()
    page.get_by_role("link", name="3 proposals waiting for review").click()
    save_screenshot(page, "moderation-queue-1280")
    clicks = Clicks(page)

    # Fix-then-approve: open it, type the URL and venue, tick a group, approve and next.
    clicks.click(page.get_by_role("link", name=TRACING))
    page.fill("#id_url", CLEAN_URL.replace("https://", "https://www.") + "?utm_campaign=x#top")
    page.fill("#id_venue", "Anthropic research blog")
    clicks.check(page.get_by_label("Anthropic Interpretability"))
    save_screenshot(page, "moderation-change-page-1280")
    clicks.click(page.get_by_role("button", name="Approve and next").first)

    page.wait_for_url(f"**/admin/submissions/submission/{clean.pk}/change/")
    assert clicks.count <= 4, clicks.count
    assert f"Approved: “{TRACING}”." in page.locator(".messagelist").inner_text()

    # A clean proposal: two clicks from the queue.
    page.goto(f"{live_url}/admin/submissions/submission/")
    clicks = Clicks(page)
    clicks.click(page.get_by_role("link", name="Another clean proposal"))
    clicks.click(page.get_by_role("button", name="Approve", exact=True).first)
    page.wait_for_url("**/admin/submissions/submission/")
    assert clicks.count == 2
    assert "Approved: “Another clean proposal”." in page.locator(".messagelist").inner_text()
    assert Submission.objects.get(pk=other.pk).state == "approved"
    context.close()

    # The public page shows the clean URL and the venue.
    resource = Resource.objects.get(title=TRACING)
    assert resource.url == CLEAN_URL
    assert list(resource.groups.values_list("name", flat=True)) == ["Anthropic Interpretability"]
    public, visitor = open_page(browser)
    visitor.goto(f"{live_url}{resource.get_absolute_url()}")
    assert visitor.locator(f'a[href="{CLEAN_URL}"]').count() >= 1
    assert "utm_" not in visitor.content()
    assert "Anthropic research blog" in visitor.content()
    public.close()

    # The decision mail (rendered from what the server recorded) says what was changed.
    event = SubmissionEvent.objects.get(submission=tracing, action="approved")
    send_decision(event_id=event.pk)
    body = mail.outbox[-1].body
    assert "Before deciding, a curator changed your proposal" in body
    assert f"became: {CLEAN_URL}" in body
    assert "- Venue: (empty)" in body and "became: Anthropic research blog" in body
    assert "became: Anthropic Interpretability" in body
    # The URL as typed stays in the review log.
    edit = SubmissionEvent.objects.get(submission=tracing, action="edited")
    assert "utm_campaign=x#top" in edit.changes["url_as_typed"][0]


def test_bulk_approval_shows_each_description_before_publishing(browser, live_url, desk):
    context, page = log_in(browser, live_url)
    page.goto(f"{live_url}/admin/submissions/submission/")
    for title in ("A clean proposal", "Another clean proposal"):
        link = page.get_by_role("link", name=title, exact=True)
        row = page.locator("#result_list tbody tr").filter(has=link)
        row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "approve")
    page.get_by_role("button", name="Run").click()

    assert page.locator("h1").inner_text() == "Approve these proposals?"
    items = page.locator(".confirm-item")
    assert items.count() == 2
    assert "Nothing to fix here." in items.nth(0).inner_text()
    assert "Fine as sent." in items.nth(1).inner_text()
    assert "Automatic checks" in items.nth(0).inner_text()
    assert not Resource.objects.exists()  # nothing published yet
    save_screenshot(page, "moderation-bulk-confirm-1280")

    page.get_by_role("button", name="Approve and publish 2").click()
    # The message is on the change list the approval leads back to, once it has loaded.
    expect(page.locator(".messagelist")).to_contain_text(
        "Approved: “A clean proposal”, “Another clean proposal”."
    )
    assert Resource.objects.published().count() == 2
    context.close()


LONG_URL = "https://example.org/" + "a" * 280


@pytest.mark.parametrize("width", [390])
def test_pages_fit_a_phone_with_a_300_character_url_in_a_description(
    browser, live_url, desk, width
):
    resource = ResourceFactory(
        title="A resource with a long link",
        description=f"See {LONG_URL} for the data, or <{LONG_URL}>.",
    )
    pages = {
        "long-url-home": "/",
        "long-url-list": "/resources/",
        "long-url-detail": resource.get_absolute_url(),
        "long-url-category": f"/categories/{resource.category.slug}/",
        "propose-logged-out": "/submit/",
    }
    for scheme in ("light", "dark"):
        assert_pages_fit(browser, live_url, pages, width, scheme)

    # The moderator's pages, with the long URL in a proposal.
    SubmissionFactory(title="Long", description=f"Read {LONG_URL} now.", url=LONG_URL[:400])
    context, page = log_in(browser, live_url, width=width)
    for name, path in {
        "moderation-queue": "/admin/submissions/submission/",
        "moderation-change": f"/admin/submissions/submission/{desk['proposals'][0].pk}/change/",
    }.items():
        page.goto(live_url + path)
        save_screenshot(page, f"{name}-{width}")
    context.close()
