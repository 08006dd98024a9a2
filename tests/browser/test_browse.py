from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from catalog.services.starting_catalog import catalog_load
from tests.browser.conftest import assert_pages_fit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def starting_catalog():
    catalog_load()


def query_of(page):
    return parse_qs(urlsplit(page.url).query)


def results_heading(page):
    return page.locator("#results-heading").inner_text()


def test_live_filtering_updates_results_and_address_without_a_reload(
    page, live_url, starting_catalog
):
    page.goto(f"{live_url}/resources/")
    assert results_heading(page) == "157 resources"
    page.evaluate("window.notReloaded = true")

    page.get_by_text("circuits", exact=False).first.click()
    page.wait_for_url("**/resources/?*tag=circuits*")
    page.wait_for_function(
        "document.querySelector('#results-heading').textContent !== '157 resources'"
    )
    circuits_only = results_heading(page)

    page.locator("label[for='tag-gpt-2']").click()
    page.wait_for_url("**tag=gpt-2*")
    page.wait_for_function(
        "(before) => document.querySelector('#results-heading').textContent !== before",
        arg=circuits_only,
    )
    both_tags = results_heading(page)

    page.fill("#id_year_min", "2023")
    page.locator("#id_year_min").press("Tab")
    page.wait_for_url("**year_min=2023*")
    page.wait_for_function(
        "(before) => document.querySelector('#results-heading').textContent !== before",
        arg=both_tags,
    )

    query = query_of(page)
    assert sorted(query.pop("tag")) == ["circuits", "gpt-2"]
    assert query == {"year_min": ["2023"]}  # empty fields stay out of the address
    assert results_heading(page) == "3 resources"
    titles = page.locator("#results .resource-item__title").all_inner_texts()
    assert "Towards Automated Circuit Discovery for Mechanistic Interpretability" in titles
    assert page.evaluate("window.notReloaded") is True  # the page was never reloaded
    assert page.console_problems == []

    page.go_back()
    page.wait_for_function("!location.search.includes('year_min=2023')")
    page.wait_for_function(
        "(expected) => document.querySelector('#results-heading').textContent === expected",
        arg=both_tags,
    )
    assert page.locator("#tag-gpt-2").is_checked()
    assert page.locator("#id_year_min").input_value() == ""

    page.go_back()
    page.wait_for_function("!location.search.includes('gpt-2')")
    page.wait_for_function(
        "(expected) => document.querySelector('#results-heading').textContent === expected",
        arg=circuits_only,
    )
    assert not page.locator("#tag-gpt-2").is_checked()


def test_chip_removes_its_filter_and_unticks_the_form(page, live_url, starting_catalog):
    page.goto(f"{live_url}/resources/?tag=circuits&tag=gpt-2")
    before = results_heading(page)
    page.get_by_role("link", name="Remove filter Tag: gpt-2").click()
    page.wait_for_function(
        "(before) => document.querySelector('#results-heading').textContent !== before",
        arg=before,
    )
    assert query_of(page)["tag"] == ["circuits"]
    assert not page.locator("#tag-gpt-2").is_checked()
    assert page.locator("#tag-circuits").is_checked()


def test_filters_work_without_javascript(page_without_javascript, live_url, starting_catalog):
    page = page_without_javascript
    page.goto(f"{live_url}/resources/")
    page.locator("label[for='tag-circuits']").click()
    page.locator("label[for='tag-gpt-2']").click()
    page.fill("#id_year_min", "2023")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**year_min=2023*")
    assert sorted(query_of(page)["tag"]) == ["circuits", "gpt-2"]
    assert results_heading(page) == "3 resources"

    page.get_by_role("link", name="Remove filter From 2023").click()
    page.wait_for_load_state()
    assert "year_min" not in query_of(page)
    assert results_heading(page) == "4 resources"


def test_search_from_the_home_page(page, live_url, starting_catalog):
    page.goto(live_url)
    page.fill("#home-q", "sparse autoencoder")
    page.locator("#home-q").press("Enter")
    page.wait_for_url("**/resources/?q=sparse+autoencoder")
    titles = page.locator("#results .resource-item__title").all_inner_texts()
    assert all("sparse autoencoder" in title.lower() for title in titles[:5])


PAGES = {
    "home": "/",
    "list": "/resources/?tag=circuits",
    "detail": "/resources/toy-models-of-superposition/",
    "tag": "/tags/circuits/",
    "group": "/groups/eleutherai/",
}


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_accessibility_violation(page, live_url, starting_catalog, name):
    page.goto(live_url + PAGES[name])
    violations = Axe().run(page).response["violations"]
    serious = [
        (violation["id"], [node["target"] for node in violation["nodes"]][:3])
        for violation in violations
        if violation["impact"] in {"serious", "critical"}
    ]
    assert serious == []
    assert page.console_problems == []


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_fit_the_screen(browser, live_url, starting_catalog, width, scheme):
    assert_pages_fit(browser, live_url, PAGES, width, scheme)


def test_keyboard_reaches_the_filters_with_a_visible_focus(page, live_url, starting_catalog):
    page.goto(f"{live_url}/resources/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_q":
            break
    assert page.evaluate("document.activeElement.id") == "id_q"
