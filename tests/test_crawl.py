"""Walk the public site from the home page as a visitor would, following every link."""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from catalog.facets import published_tags
from catalog.models import Category, ResearchGroup, Resource
from catalog.services.starting_catalog import catalog_load

LINK = re.compile(r'<(?:a|link)\b[^>]*\bhref="([^"]+)"')
SKIPPED_PREFIXES = ("/admin/", "/accounts/")


def internal_links(page_url, html):
    for href in LINK.findall(html):
        url = urljoin(page_url, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or parts.path.startswith(SKIPPED_PREFIXES):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.django_db(transaction=True)  # response.close() ends the connection
def test_every_link_works_and_every_page_is_a_few_clicks_from_home(client):
    catalog_load()
    depth = {"/": 0}
    queue = deque(["/"])
    broken = []
    while queue:
        url = queue.popleft()
        response = client.get(url)
        response.close()  # static files stream from open files
        if response.status_code != 200:
            broken.append((url, response.status_code))
            continue
        content_type = response.get("Content-Type", "")
        # Pages are read for links; feeds, static files and the sitemap are only fetched.
        if not content_type.startswith("text/html") or depth[url] >= 3:
            continue
        for link in internal_links(url, response.content.decode()):
            if link not in depth:
                depth[link] = depth[url] + 1
                queue.append(link)

    assert broken == []
    within_two_clicks = {url for url, clicks in depth.items() if clicks <= 2}
    within_three_clicks = {url for url, clicks in depth.items() if clicks <= 3}
    # The home page lists a bounded number of works, so a work may take a third click
    # (a category's or tag's second page).
    works = {resource.get_absolute_url() for resource in Resource.objects.published()}
    assert works - within_three_clicks == set()
    expected_pages = (
        {f"/tags/{tag.slug}/" for tag in published_tags()}
        | {f"/categories/{category.slug}/" for category in Category.objects.all()}
        | {f"/groups/{group.slug}/" for group in ResearchGroup.objects.all()}
        | {"/resources/", "/tags/", "/groups/", "/feeds/latest.rss", "/sitemap.xml"}
    )
    assert expected_pages - within_two_clicks == set()
