"""
A member saves three works into a new list from the list page without a
reload, reorders them, makes the list public; signed out, anyone reads it
and its BibTeX parses.
"""

import bibtexparser
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_pages_fit, open_page, save_screenshot
from tests.factories import TEST_PASSWORD, CategoryFactory, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORKS = [
    ("Alpha Features in Small Models", "Ada Alpha", 2021),
    ("Beta Circuits Revisited", "Ben Beta", 2022),
    ("Gamma Probes and Their Limits", "Gina Gamma", 2023),
]


@pytest.fixture
def reader():
    papers = CategoryFactory(name="Papers", slug="papers")
    for title, authors, year in WORKS:
        ResourceFactory(title=title, authors=authors, year=year, category=papers)
    ResourceFactory(title="Delta Archived Work", category=papers, archived=True)
    return UserFactory(username="reader")


def log_in(page, live_url, username, password=TEST_PASSWORD):
    """Sign in through the site's login page (the one place to adapt if accounts change)."""
    page.goto(f"{live_url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="My lists").is_visible()


def titles_in(page):
    return page.locator("#entries .resource-item__title").all_inner_texts()


def test_save_reorder_share_and_export_a_list(page, live_url, reader, browser):
    log_in(page, live_url, "reader")

    # Save three works into a new list, from the list page, without a reload.
    page.goto(f"{live_url}/resources/?sort=title")
    page.evaluate("window.notReloaded = true")
    for title, _, _ in WORKS:
        item = page.locator(".resource-item", has_text=title)
        item.get_by_text("Add to a list").click()
        item.get_by_placeholder("A list’s name, new or yours").fill("SAE reading")
        item.get_by_role("button", name="Add").click()
        item.locator(".save__message").filter(has_text="Saved in SAE reading.").wait_for()
        assert item.locator(".save__state").inner_text() == "✓ Saved"
    assert page.evaluate("window.notReloaded") is True
    save_screenshot(page, "library-saved-from-list")

    # The list holds them in the order they were saved; move the last one to the top.
    page.get_by_role("link", name="My lists").click()
    page.get_by_role("link", name="SAE reading").click()
    page.wait_for_url("**/lists/reader/sae-reading/")
    assert titles_in(page) == [title for title, _, _ in WORKS]
    page.evaluate("window.notReloaded = true")
    titles = page.locator("#entries .resource-item__title")
    page.get_by_role("button", name="Move “Gamma Probes and Their Limits” up").click()
    expect(titles.nth(1)).to_have_text("Gamma Probes and Their Limits")
    page.get_by_role("button", name="Move “Gamma Probes and Their Limits” up").click()
    expect(titles.first).to_have_text("Gamma Probes and Their Limits")
    assert page.evaluate("window.notReloaded") is True
    page.reload()
    order = ["Gamma Probes and Their Limits", "Alpha Features in Small Models",
             "Beta Circuits Revisited"]  # fmt: skip
    assert titles_in(page) == order

    # Make it public.
    page.get_by_label("Public: anyone with the address can read it").check()
    page.get_by_role("button", name="Save the settings").click()
    page.wait_for_url("**/lists/reader/sae-reading/")
    assert "The list is public." in page.locator(".messages").inner_text()
    save_screenshot(page, "library-list-owner")

    # Signed out, anyone reads it, in the member's order, and exports its BibTeX.
    context, visitor = open_page(browser)
    visitor.goto(f"{live_url}/lists/reader/sae-reading/")
    assert titles_in(visitor) == order
    assert visitor.get_by_role("button", name="Save the settings").count() == 0
    save_screenshot(visitor, "library-list-public")
    bibtex_url = visitor.get_by_role("link", name="BibTeX").get_attribute("href")
    response = visitor.request.get(live_url + bibtex_url)
    assert response.ok
    library = bibtexparser.parse_string(response.text())
    assert library.failed_blocks == []
    assert [entry["title"].strip("{}") for entry in library.entries] == order
    assert "Delta Archived Work" not in response.text()
    assert visitor.console_problems == []
    context.close()
    assert page.console_problems == []


def test_library_pages_fit_small_screens(browser, live_url, reader):
    from library import services
    from library.models import ReadingPath

    reading_list = services.list_create(owner=reader, title="Shared list", is_public=True)
    path = ReadingPath.objects.create(title="A first path", slug="first", is_published=True)
    from catalog.models import Resource

    for resource in Resource.objects.published():
        services.work_save(user=reader, resource=resource, reading_list=reading_list)
        path.steps.create(resource=resource, annotation="Why read it.")
    pages = {
        "library-path": "/paths/first/",
        "library-paths": "/paths/",
        "library-public-list": reading_list.get_absolute_url(),
    }
    for width in (390, 1280):
        assert_pages_fit(browser, live_url, pages, width, "light")
