"""
A newcomer signs up and proposes a resource; it waits, unseen by the public;
a moderator approves it in the admin; it appears in the list, in search and
in the feed; the newcomer sees "Approved".
"""

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC

from tests.browser.conftest import save_screenshot
from tests.factories import TEST_PASSWORD, CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Zebrafish Circuits in Small Transformers"


@pytest.fixture
def catalog_and_moderator():
    CategoryFactory(name="Papers", slug="papers")
    return UserFactory(username="moderator", moderator=True)


def test_proposal_from_sign_up_to_publication(page, live_url, catalog_and_moderator):
    # Sign up, from the "Sign up" link in the header.
    page.goto(f"{live_url}/")
    page.get_by_role("link", name="Sign up").click()
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "newcomer@example.org")
    page.fill("#id_password1", "correct horse battery staple")
    page.fill("#id_password2", "correct horse battery staple")
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert "Check your email" in page.content()

    # Open the link the mail carries (the server prints its mail; the key is derived
    # from the address and the secret key, so it is computed here the same way).
    address = EmailAddress.objects.get(email="newcomer@example.org")
    page.goto(f"{live_url}/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/proposals/")
    assert "you can now send proposals" in page.content()

    # Propose a resource: the quota shows above the form.
    page.get_by_role("link", name="Propose", exact=True).click()
    page.wait_for_url("**/submit/")
    assert "You can send 10 more proposals today" in page.locator("#quota").inner_text()
    page.fill("#id_url", "https://arxiv.org/abs/2501.00001")
    page.fill("#id_title", TITLE)
    page.fill("#id_description", "Finds *zebrafish-like* circuits in small models.")
    page.select_option("#id_category", label="Papers")
    page.fill("#id_tags", "circuits, Zebra Stripes")
    assert "New tags: circuits, zebra-stripes" in page.locator("#tag-hint").inner_text()
    page.fill("#id_year", "2025")
    page.fill("#id_venue", "ICLR 2025")
    page.fill("#id_links-0-label", "OpenReview")
    page.fill("#id_links-0-url", "https://openreview.net/forum?id=zebra&utm_source=x")
    page.get_by_role("button", name="Send the proposal").click()
    page.wait_for_url("**/proposals/")
    proposal = page.locator(".proposal", has_text=TITLE)
    assert proposal.locator(".state").inner_text() == "Pending review"
    save_screenshot(page, "proposal-flow-pending")

    # Pending: not on the list, in search or in the feed.
    page.goto(f"{live_url}/resources/?q=zebrafish")
    assert TITLE not in page.content()
    assert TITLE not in page.request.get(f"{live_url}/feeds/latest.rss").text()

    # A moderator approves it in the admin, in a browser of their own.
    moderator_context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    admin = moderator_context.new_page()
    admin.goto(f"{live_url}/admin/")
    admin.fill("#id_username", "moderator")
    admin.fill("#id_password", TEST_PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.goto(f"{live_url}/admin/submissions/submission/?state__exact=pending")
    row = admin.locator("#result_list tbody tr", has_text=TITLE)
    row.locator("input[name=_selected_action]").check()
    admin.select_option("select[name=action]", "approve")
    admin.get_by_role("button", name="Run").click()
    assert "Finds zebrafish-like circuits" in admin.locator(".confirm-item").inner_text()
    admin.get_by_role("button", name="Approve and publish 1").click()
    assert f"Approved: “{TITLE}”." in admin.locator(".messagelist").inner_text()
    moderator_context.close()

    # Now public: in the list, in search and in the feed, with its tags.
    page.goto(f"{live_url}/resources/")
    assert TITLE in page.content()
    page.goto(f"{live_url}/resources/?q=zebrafish")
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_url("**/resources/zebrafish-circuits-in-small-transformers/")
    assert "zebra-stripes" in page.locator(".tags").first.inner_text()
    assert TITLE in page.request.get(f"{live_url}/feeds/latest.rss").text()

    # The submitter sees the outcome and the way to the published page.
    page.goto(f"{live_url}/proposals/")
    proposal = page.locator(".proposal", has_text=TITLE)
    assert proposal.locator(".state").inner_text() == "Approved"
    proposal.get_by_role("link", name="See it in the catalog").click()
    page.wait_for_url("**/resources/zebrafish-circuits-in-small-transformers/")
    save_screenshot(page, "proposal-flow-published")
    assert page.console_problems == []


def test_propose_logged_out_explains_and_leads_to_sign_up(page, live_url, catalog_and_moderator):
    page.goto(f"{live_url}/")
    page.get_by_role("link", name="Propose", exact=True).click()
    page.wait_for_url("**/submit/")
    assert "needs an account" in page.locator("main").inner_text()
    page.get_by_role("link", name="Sign up").last.click()
    page.wait_for_url("**/signup/?next=/submit/")
    assert page.console_problems == []


def test_tags_complete_from_the_vocabulary(page, live_url, catalog_and_moderator):
    from tests.factories import ResourceFactory

    ResourceFactory(tags=["sparse-autoencoders", "circuits"])
    UserFactory(username="tagger")
    page.goto(f"{live_url}/accounts/login/?next=/submit/")
    page.fill("#id_login", "tagger")
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/submit/")
    page.fill("#id_tags", "circuits, spa")
    options = page.locator("#tag-vocabulary option").evaluate_all(
        "options => options.map(option => option.value)"
    )
    assert options == ["circuits, sparse-autoencoders"]
    assert page.locator("#tag-hint").is_hidden() or "spa" in page.locator("#tag-hint").inner_text()
    page.fill("#id_tags", "circuits, sparse-autoencoders")
    assert page.locator("#tag-hint").is_hidden()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        save_screenshot(page, f"propose-form-{width}")
    assert page.console_problems == []
