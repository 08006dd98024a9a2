import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Resource
from catalog.services.starting_catalog import catalog_load
from tests.browser.conftest import assert_pages_fit, open_page, save_screenshot

pytestmark = pytest.mark.django_db(transaction=True)

BROKEN_SLUG = "toy-models-of-superposition"
PAGES = {"stats": "/stats/", "broken-link": f"/resources/{BROKEN_SLUG}/"}


@pytest.fixture
def curated_catalog():
    """The starting catalog with one link that failed its last three checks."""
    catalog_load()
    Resource.objects.filter(slug=BROKEN_SLUG).update(
        link_failures=3, link_result="error", link_status=404, link_checked_at=timezone.now()
    )


def serious_violations(page):
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]][:3])
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("name", PAGES)
def test_curation_page_has_no_serious_accessibility_violation(
    page, live_url, curated_catalog, name
):
    page.goto(live_url + PAGES[name])

    assert serious_violations(page) == []
    assert page.console_problems == []  # the CSP refused nothing


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_curation_pages_fit_the_screen(browser, live_url, curated_catalog, width, scheme):
    assert_pages_fit(browser, live_url, PAGES, width, scheme)


def test_stats_charts_draw_a_bar_per_row(page, live_url, curated_catalog):
    page.goto(f"{live_url}/stats/")

    assert page.locator("#per-category-title + svg .chart__bar").count() == 4
    assert page.locator("#top-tags-title + svg .chart__bar").count() == 15
    widths = page.locator("#per-category-title + svg .chart__bar").evaluate_all(
        "bars => bars.map(bar => bar.getBoundingClientRect().width)"
    )
    assert max(widths) == widths[1]  # Papers, the largest category
    assert all(width > 0 for width in widths)


def test_broken_link_notice_links_to_the_wayback_machine(page, live_url, curated_catalog):
    page.goto(f"{live_url}/resources/{BROKEN_SLUG}/")

    notice = page.locator("#link-health")
    assert "This link may be broken" in notice.inner_text()
    url = Resource.objects.get(slug=BROKEN_SLUG).url
    archive = notice.get_by_role("link", name="Look for an archived copy on the Wayback Machine")
    assert archive.get_attribute("href") == f"https://web.archive.org/web/*/{url}"


@pytest.mark.parametrize("width", [390, 1280])
def test_data_quality_report_in_the_admin(browser, live_url, curated_catalog, width):
    get_user_model().objects.create_superuser("curator", "c@example.org", "a-long-passphrase-1")
    context, page = open_page(browser)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_url}/admin/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", "a-long-passphrase-1")
    page.click("input[type=submit]")
    save_screenshot(page, f"admin-index-{width}")

    page.get_by_role("link", name="Data-quality report").click()

    assert page.locator("h1").inner_text() == "Data-quality report"
    assert "Links broken (1)" in page.locator("#broken-links").inner_text()
    save_screenshot(page, f"data-quality-{width}")
    context.close()
