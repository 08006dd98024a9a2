"""
The proposal form's look-up in a browser, against arXiv and GitHub served on
loopback from recorded answers: a listed paper is named before anything is
filled, a new one fills the form as its address is pasted (or with the "Look
up" button when JavaScript is off). Also the tool page with its repository facts.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import RepositoryMetadata
from tests.browser.conftest import (
    assert_pages_fit,
    free_port,
    gunicorn_serving,
    save_screenshot,
    site_environment,
)
from tests.factories import TEST_PASSWORD, CategoryFactory, ResourceFactory, UserFactory
from tests.sources.source_server import SourceServer, SourceState

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def lookup_site(django_db_setup, django_db_blocker, collected_static):
    """gunicorn on the test database, its metadata sources pointing at the recorded ones."""
    sources = SourceServer(SourceState()).start()
    env = site_environment(
        WEB_CONCURRENCY="1",
        FETCH_ALLOW_PRIVATE_NETWORKS="1",
        ARXIV_API_URL=f"{sources.url}/arxiv/query",
        CROSSREF_API_URL=f"{sources.url}/crossref",
        OPENREVIEW_API_URL=f"{sources.url}/openreview",
        GITHUB_API_URL=f"{sources.url}/github",
    )
    with gunicorn_serving(env, free_port(), "the look-up tests") as url:
        yield url
    sources.stop()


@pytest.fixture
def catalog():
    papers = CategoryFactory(name="Papers", slug="papers")
    tools = CategoryFactory(name="Tools", slug="tools")
    ResourceFactory(
        category=papers,
        url="https://arxiv.org/abs/2309.08600",
        title="Sparse Autoencoders Find Highly Interpretable Features in Language Models",
    )
    tool = ResourceFactory(
        category=tools,
        url="https://github.com/ai-safety-foundation/sparse_autoencoder",
        title="Sparse Autoencoder",
        year=2023,
        description="A library for training sparse autoencoders on transformer activations.",
        tags=["sparse-autoencoders", "tools"],
    )
    RepositoryMetadata.objects.create(
        resource=tool,
        url=tool.url,
        full_name="ai-safety-foundation/sparse_autoencoder",
        canonical_key="github:ai-safety-foundation/sparse_autoencoder",
        stars=283,
        pushed_at=timezone.now() - timedelta(days=540),
        archived=True,
        license="MIT",
        latest_release="v1.10.0",
        latest_release_at=timezone.now() - timedelta(days=600),
        fetched_at=timezone.now(),
    )
    UserFactory(username="proposer")
    return tool


def log_in(page, site):
    page.goto(f"{site}/accounts/login/")
    page.fill("#id_login", "proposer")
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/proposals/")


def test_pasting_addresses_into_the_proposal_form(page, lookup_site, catalog):
    log_in(page, lookup_site)
    page.goto(f"{lookup_site}/submit/")

    page.fill("#id_url", "https://arxiv.org/pdf/2309.08600v2")
    page.wait_for_selector(".lookup__duplicate")
    assert page.locator(".lookup__duplicate").inner_text().startswith("Already listed")
    assert page.input_value("#id_title") == ""
    save_screenshot(page, "lookup-duplicate-1280")

    page.fill("#id_url", "https://arxiv.org/abs/2408.05147")
    expect(page.locator("#id_title")).not_to_have_value("", timeout=10000)
    assert page.input_value("#id_title").startswith("Gemma Scope")
    assert "János Kramár" in page.input_value("#id_authors")
    assert page.input_value("#id_year") == "2024"
    assert page.input_value("#id_description") == ""
    assert "Sparse autoencoders (SAEs)" in page.locator(".lookup__abstract").inner_text()
    save_screenshot(page, "lookup-filled-1280")
    page.set_viewport_size({"width": 390, "height": 900})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    save_screenshot(page, "lookup-filled-390")
    assert page.console_problems == []


def test_look_up_button_without_javascript(page_without_javascript, lookup_site, catalog):
    page = page_without_javascript
    log_in(page, lookup_site)
    page.goto(f"{lookup_site}/submit/")
    page.fill("#id_url", "https://arxiv.org/abs/2408.05147")
    page.fill("#id_description", "My own words.")

    page.get_by_role("button", name="Look up").click()

    page.wait_for_selector(".lookup__abstract")
    assert page.input_value("#id_title").startswith("Gemma Scope")
    assert page.input_value("#id_description") == "My own words."


def test_tool_page_with_its_repository_fits_the_screen(browser, lookup_site, catalog):
    pages = {"tool-page": catalog.get_absolute_url(), "tool-list": "/resources/?sort=stars"}
    for width in (1280, 390):
        assert_pages_fit(browser, lookup_site, pages, width, "light")
