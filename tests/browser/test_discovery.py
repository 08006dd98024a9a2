"""Home, list, search and author pages in a browser: accessible, fitting, filters folding."""

import importlib

import pytest
from axe_playwright_python.sync_playwright import Axe

from catalog.models import SearchSynonym
from catalog.services.starting_catalog import catalog_load
from tests.browser.conftest import assert_pages_fit, open_page

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {
    "discovery-home": "/",
    "discovery-list": "/resources/?category=papers&tag=sparse-autoencoders",
    "discovery-search": "/resources/?q=SAE",
    "discovery-author": "/authors/neel-nanda/",
}


@pytest.fixture
def starting_catalog():
    # Transactional tests empty every table between tests, the migration's synonyms too.
    seeded = importlib.import_module("catalog.migrations.0014_seed_search_synonyms").SYNONYMS
    for terms in seeded:
        SearchSynonym.objects.get_or_create(terms=terms)
    catalog_load()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_discovery_pages_fit_and_have_no_serious_violation(
    browser, live_url, starting_catalog, width, scheme
):
    assert_pages_fit(browser, live_url, PAGES, width, scheme)
    context, page = open_page(browser, color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 900})
    for name, path in PAGES.items():
        page.goto(live_url + path)
        violations = Axe().run(page).response["violations"]
        serious = [
            (violation["id"], [node["target"] for node in violation["nodes"]][:3])
            for violation in violations
            if violation["impact"] in {"serious", "critical"}
        ]
        assert serious == [], name
    assert page.console_problems == []
    context.close()


def test_search_for_an_abbreviation_lists_the_work(page, live_url, starting_catalog):
    page.goto(f"{live_url}/resources/?q=SAE")
    titles = page.locator("#results .resource-item__title").all_inner_texts()
    assert "Sparse Autoencoders Find Highly Interpretable Features in Language Models" in titles[:3]


def test_filters_fold_behind_one_button_on_a_phone(browser, live_url, starting_catalog):
    context, page = open_page(browser)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_url}/resources/?tag=circuits")
    assert not page.locator("#id_q").is_visible()
    assert page.locator("#results-heading").is_visible()
    page.locator("#filters-fold > summary").click()
    assert page.locator("#id_q").is_visible()
    context.close()


def test_filters_stay_open_beside_the_results_on_a_wide_screen(page, live_url, starting_catalog):
    page.goto(f"{live_url}/resources/")
    assert page.locator("#id_q").is_visible()
    assert not page.locator("#filters-fold > summary").is_visible()


def test_tag_box_filters_as_you_type_and_keeps_chosen_tags(page, live_url, starting_catalog):
    page.goto(f"{live_url}/resources/?tag=gpt-2")
    page.fill("#tag-filter", "circ")
    visible = page.locator("#tag-options li:visible label").all_inner_texts()
    names = sorted(text.rsplit(" ", 1)[0] for text in visible)
    assert names == ["circuits", "gpt-2"]  # the match, and the chosen tag
    assert "tag=gpt-2" in page.url and "circ" not in page.url  # the box filters no results
    page.fill("#tag-filter", "zzzz")
    assert page.locator("#tag-filter-none").is_visible() is False  # gpt-2 is still shown
    assert page.console_problems == []
