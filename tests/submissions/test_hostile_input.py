"""
Hostile input: markup and script in every text field comes out inert, unsafe
link schemes are refused, and oversized fields or bad encodings give a form
error, never a server error. A corpus of sixty hostile texts (tests/hostile_text.py),
through every field of a proposal and stored past the door, leaves every page,
feed and export whole.
"""

import gc
import json
import re
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import bibtexparser
import pytest
import rispy
from django.core.cache import caches
from django.db import connection
from django.urls import reverse
from markdown_it import MarkdownIt
from taggit.models import Tag

from catalog.cache import catalog_changed
from catalog.markdown import _sanitised_html
from catalog.models import Resource, ResourceLink
from catalog.services.awesome_export import awesome_export
from catalog.text import FORBIDDEN
from submissions.models import Submission
from submissions.services import submission_approve
from tests.factories import (
    CategoryFactory,
    ResearchGroupFactory,
    ResourceFactory,
    SubmissionFactory,
    store_authors,
)
from tests.hostile_text import HOSTILE_CORPUS

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
HANDLER = '<img src=x onerror="alert(1)">'
HOSTILE = f"Title {SCRIPT} {HANDLER}"
RAW_MARKUP = ("<script>alert", "<img src=x")
TEXT_FIELDS = ["title", "description", "authors", "note"]


@pytest.fixture
def papers(db):
    return CategoryFactory(name="Papers", slug="papers")


def proposal(papers, **overrides):
    data = {
        "url": "https://example.org/work",
        "title": "A work",
        "description": "About it.",
        "category": papers.pk,
        "tags": "circuits",
        "year": "2024",
        "authors": "A. Author",
        "code_url": "",
        "note": "",
    }
    return data | overrides


def assert_inert(page):
    for markup in RAW_MARKUP:
        assert markup not in page
    elements = Elements()
    elements.feed(page)
    assert elements.handlers == []
    assert not any(href.lower().startswith(("javascript:", "data:")) for href in elements.links)


class Elements(HTMLParser):
    """What a browser would see as elements: event-handler attributes and link targets."""

    def __init__(self):
        super().__init__()
        self.handlers, self.links = [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in ("href", "src", "action") and value:
                self.links.append(value.strip())


def test_markup_in_every_text_field_is_shown_as_text_everywhere(client, user, moderator, papers):
    hostile = {name: HOSTILE for name in TEXT_FIELDS}
    hostile["description"] = f"{HOSTILE}\n\n[click](javascript:alert(1)) [data](data:text/html,x)"
    client.force_login(user)
    client.post(reverse("submissions:create"), proposal(papers, **hostile))
    submission = Submission.objects.get()
    assert submission.title == HOSTILE  # kept as typed, shown escaped

    mine = client.get(reverse("submissions:mine")).content.decode()
    assert_inert(mine)
    assert "&lt;script&gt;" in mine

    client.force_login(moderator)
    admin_page = client.get(
        reverse("admin:submissions_submission_change", args=[submission.pk])
    ).content.decode()
    assert_inert(admin_page)
    assert 'href="javascript:' not in admin_page and 'href="data:' not in admin_page
    queue = client.get(reverse("admin:submissions_submission_changelist")).content.decode()
    assert_inert(queue)

    resource = submission_approve(submission=submission, reviewer=moderator).resource
    public = client.get(resource.get_absolute_url()).content.decode()
    assert_inert(public)
    assert 'href="javascript:' not in public and 'href="data:' not in public
    home = client.get("/").content.decode()
    assert_inert(home)


def test_markup_in_a_moderator_note_is_shown_as_text_to_the_submitter(client, user):
    SubmissionFactory(submitter=user, changes_requested=True, moderator_note=HOSTILE)
    client.force_login(user)
    assert_inert(client.get(reverse("submissions:mine")).content.decode())


@pytest.mark.parametrize("field", ["url", "code_url"])
@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "ftp://example.org/file",
        "http://127.0.0.1:8000/admin/",
        "http://localhost/",
        "http://10.0.0.5/internal",
        "https://[::1]/",
    ],
)
def test_unsafe_or_local_addresses_are_refused(user_client, papers, field, address):
    response = user_client.post(reverse("submissions:create"), proposal(papers, **{field: address}))
    assert response.status_code == 200
    assert not Submission.objects.exists()
    assert 'id="id_' + field + '_error"' in response.content.decode()


def test_markup_in_tags_is_refused(user_client, papers):
    response = user_client.post(
        reverse("submissions:create"), proposal(papers, tags=f"circuits, {SCRIPT}")
    )
    page = response.content.decode()
    assert "is not a tag" in page
    assert_inert(page)
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("field", "size"),
    [
        ("url", 501),
        ("title", 301),
        ("description", 5001),
        ("authors", 1001),
        ("note", 2001),
        ("tags", 501),
        ("code_url", 501),
    ],
)
def test_oversized_fields_give_a_form_error(user_client, papers, field, size):
    value = "x" * size
    if field.endswith("url"):
        value = "https://example.org/" + "a" * size
    response = user_client.post(reverse("submissions:create"), proposal(papers, **{field: value}))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Submission.objects.exists()


def test_a_huge_request_body_is_refused_without_a_server_error(user_client, papers):
    response = user_client.post(
        reverse("submissions:create"), proposal(papers, description="x" * 3_000_000)
    )
    assert response.status_code in (200, 400)
    assert not Submission.objects.exists()


@pytest.mark.parametrize("field", ["url", "title", "description", "tags", "authors", "note"])
def test_nul_bytes_give_a_form_error(user_client, papers, field):
    value = "https://example.org/a\x00b" if field == "url" else "before\x00after"
    response = user_client.post(reverse("submissions:create"), proposal(papers, **{field: value}))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize("field", ["category", "year", "groups"])
def test_nul_bytes_in_choices_and_numbers_give_a_form_error(user_client, papers, field):
    response = user_client.post(reverse("submissions:create"), proposal(papers, **{field: "1\x00"}))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()


@pytest.mark.parametrize(
    "encoded",
    [
        "%ED%A0%80",  # a lone surrogate, as UTF-8 would encode one
        "%FF%FE",  # bytes that are not UTF-8 at all
        "%C3%28",  # a broken two-byte sequence
    ],
)
@pytest.mark.parametrize("field", ["title", "description", "authors"])
def test_bad_encodings_give_a_form_error(user_client, papers, field, encoded):
    data = proposal(papers)
    data[field] = "PLACEHOLDER"
    body = urlencode(data).replace("PLACEHOLDER", f"before{encoded}after")
    response = user_client.post(
        reverse("submissions:create"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert "could not be read" in page
    assert not Submission.objects.exists()


def test_broken_link_note_with_nul_bytes_gives_a_form_error(user_client):
    resource = ResourceFactory()
    response = user_client.post(
        reverse("submissions:report", args=[resource.slug]),
        {"problem": "moved", "note": "a\x00b"},
    )
    assert response.status_code == 200
    assert 'id="id_note_error"' in response.content.decode()


@pytest.mark.parametrize("field", ["username", "email", "password1"])
def test_signup_with_nul_bytes_gives_a_form_error(client, field):
    data = {
        "username": "grace",
        "email": "grace@example.org",
        "password1": "correct horse battery staple",
        "password2": "correct horse battery staple",
    }
    data[field] = data[field][:3] + "\x00" + data[field][3:]
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()


def test_login_with_nul_bytes_is_refused_without_a_server_error(client):
    response = client.post(reverse("account_login"), {"login": "ad\x00a", "password": "x\x00y"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_moderator_note_with_nul_bytes_is_refused_in_the_admin(moderator_client):
    submission = SubmissionFactory()
    response = moderator_client.post(
        reverse("admin:submissions_submission_changelist"),
        {
            "action": "reject",
            "_selected_action": [submission.pk],
            "index": 0,
            "apply": "1",
            "note": "bad\x00note",
        },
    )
    assert response.status_code == 200
    assert "could not be read" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == "pending"


# The hostile corpus: sixty payloads through every field of a proposal, approved,
# and the same payloads stored as old data could hold them. Every page, feed and
# export must then hold.

CORPUS_TEXT_FIELDS = ["title", "description", "authors", "tags", "note", "url", "code_url"]
# The door's limits, for storing payloads past it as old data could hold them.
STORED_LENGTHS = {"title": 300, "authors": 1000, "venue": 200, "label": 50, "name": 100}
# Uncached render time per page: the target is 100 ms; the bound, ten times that,
# in CPU time of this process, cannot be reached by a busy machine alone.
PAGE_CPU_BOUND = 1.0


def urlencoded(data: dict) -> str:
    """A form body as a browser would send it; lone surrogates become bytes that are not UTF-8."""
    return "&".join(
        f"{quote(name)}={quote(str(value).encode('utf-8', 'surrogatepass'))}"
        for name, value in data.items()
    )


def storable(text: str) -> str:
    """What a database can hold of ``text``: no lone surrogate, and no NUL on PostgreSQL."""
    text = re.sub("[\ud800-\udfff]", "", text)
    return text.replace("\x00", "") if connection.vendor == "postgresql" else text


def refused_fields(page: str) -> set[str]:
    return set(re.findall(r'id="id_(\w+)_error"', page))


def propose_everywhere(client, papers, group, number, payload):
    """Propose ``payload`` in every text field; send again with what the door refused replaced."""
    data = proposal(
        papers,
        **{name: payload for name in ("title", "description", "authors", "tags", "note")},
        url=f"https://example.org/work/{number}/{payload}",
        code_url=f"https://example.org/code/{number}?q={payload}",
        groups=group.pk,
    )
    body = urlencoded(data)
    response = client.post(
        reverse("submissions:create"), body, content_type="application/x-www-form-urlencoded"
    )
    refused = set()
    if response.status_code == 200:
        page = response.content.decode()
        refused = refused_fields(page)
        assert refused <= set(CORPUS_TEXT_FIELDS)
        for name in refused:  # each refusal says what to fix
            error = re.search(f'id="id_{name}_error"[^>]*>(.*?)</', page, re.S)
            assert error and error[1].strip()
        benign = proposal(
            papers,
            url=f"https://example.org/work/{number}",
            code_url=f"https://example.org/code/{number}",
            description="Benign.",
        )
        data |= {name: benign[name] for name in refused}
        response = client.post(
            reverse("submissions:create"),
            urlencoded(data),
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 302, refused_fields(response.content.decode())
    return refused


def store_as_old_data(papers, group, number, payload):
    """A published resource whose every text field holds ``payload``, written past the door."""
    text = storable(payload)
    resource = ResourceFactory(
        category=papers, url=f"https://example.org/old/{number}", tags=["circuits"]
    )
    resource.groups.add(group)
    link = ResourceLink.objects.create(
        resource=resource, label="Code", url=f"https://example.org/old/{number}/code"
    )
    tag = Tag.objects.create(name=f"old tag {number}", slug=f"old-tag-{number}")
    resource.tags.add(tag)
    Resource.objects.filter(pk=resource.pk).update(
        title=text[: STORED_LENGTHS["title"]],
        description=text,
        venue=text[: STORED_LENGTHS["venue"]],
    )
    store_authors(resource, [text[: STORED_LENGTHS["authors"]]])
    ResourceLink.objects.filter(pk=link.pk).update(label=text[: STORED_LENGTHS["label"]])
    Tag.objects.filter(pk=tag.pk).update(name=f"{number} {text}"[: STORED_LENGTHS["name"]])


def strict_bibtex_entries(text: str):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert len(library.blocks) == len(library.entries) + len(library.comments)
    return library.entries


@pytest.fixture
def hostile_catalog(client, user, moderator, papers, settings):
    """The corpus proposed and approved, then stored again past the door."""
    settings.SUBMISSIONS_DAILY_LIMIT = settings.SUBMISSIONS_PENDING_LIMIT = 1000
    group = ResearchGroupFactory(name="Lab", slug="lab")
    client.force_login(user)
    refusals = {}
    for number, payload in enumerate(HOSTILE_CORPUS):
        refusals[number] = propose_everywhere(client, papers, group, number, payload)
    for submission in Submission.objects.order_by("pk"):
        submission_approve(submission=submission, reviewer=moderator)
    for number, payload in enumerate(HOSTILE_CORPUS):
        store_as_old_data(papers, group, number, payload)
    catalog_changed()
    client.logout()
    return refusals


def test_hostile_corpus_is_refused_with_a_message_or_leaves_every_output_whole(
    client, hostile_catalog
):
    refusals = hostile_catalog
    # The door refuses what it must, field by field, and what it lets in is clean.
    for number, payload in enumerate(HOSTILE_CORPUS):
        # Forms strip the spaces and line breaks around a value first.
        if FORBIDDEN.search(payload.strip()):
            assert {"title", "authors"} <= refusals[number], payload[:40]
    assert Resource.objects.published().count() == 2 * len(HOSTILE_CORPUS)
    for resource in Resource.objects.filter(url__startswith="https://example.org/work/"):
        assert not FORBIDDEN.search(" ".join([resource.title, *resource.author_names()]))
        assert not FORBIDDEN.search(resource.description.replace("\n", "").replace("\t", ""))

    resources = list(Resource.objects.published().order_by("pk"))
    pages = [
        "/", "/resources/", "/resources/?page=2", "/resources/?page=5", "/resources/?q=paper",
        "/resources/?q=%5B%5B%5B", "/resources/?tag=circuits", "/tags/", "/tags/circuits/",
        "/categories/papers/", "/groups/", "/groups/lab/", "/stats/",
        *(f"/tags/old-tag-{number}/" for number in range(len(HOSTILE_CORPUS))),
        *(resource.get_absolute_url() for resource in resources),
    ]  # fmt: skip
    slowest = (0.0, "")
    timings = []
    for address in pages[:3]:
        client.get(address)  # templates compiled: then every page is rendered uncached
    # As in gunicorn's workers (gunicorn.conf.py), what was there before the pages is
    # frozen: a full collection then costs what the pages left, not the test run's heap.
    gc.collect()
    gc.freeze()
    try:
        for address in pages:
            for cache in caches.all():
                cache.clear()
            _sanitised_html.cache_clear()
            start = time.process_time()
            wall = time.perf_counter()
            response = client.get(address)
            elapsed = time.process_time() - start
            timings.append((elapsed, time.perf_counter() - wall, address))
            slowest = max(slowest, (elapsed, address))
            assert response.status_code == 200, address
            assert_inert(response.content.decode())
    finally:
        gc.unfreeze()
    assert slowest[0] < PAGE_CPU_BOUND, slowest
    # Shown with pytest -s: the figures behind the bound.
    for cpu, wall, address in sorted(timings, reverse=True)[:10]:
        print(f"{cpu * 1000:6.1f} ms CPU {wall * 1000:6.1f} ms wall  {address}")

    for address in [
        "/sitemap.xml", "/feeds/latest.rss", "/feeds/latest.atom", "/feeds/tags/circuits.rss",
        "/feeds/tags/circuits.atom", "/feeds/categories/papers.rss",
        "/feeds/categories/papers.atom", "/feeds/tags/old-tag-3.rss", "/feeds/tags/old-tag-6.atom",
    ]:  # fmt: skip
        response = client.get(address)
        assert response.status_code == 200, address
        ET.fromstring(response.content)

    assert len(strict_bibtex_entries(client.get("/resources/export.bib").content.decode())) == len(
        resources
    )
    assert len(rispy.loads(client.get("/resources/export.ris").content.decode())) == len(resources)
    for resource in resources:
        cite = client.get(f"{resource.get_absolute_url()}cite.bib").content.decode()
        assert len(strict_bibtex_entries(cite)) == 1
        cite = client.get(f"{resource.get_absolute_url()}cite.ris").content.decode()
        assert len(rispy.loads(cite)) == 1
        detail = json.loads(client.get(f"/api/resources/{resource.slug}/").content)
        assert detail["slug"] == resource.slug

    listed = []
    for page in range(1, 3):
        data = json.loads(client.get(f"/api/resources/?page_size=100&page={page}").content)
        listed += data["results"]
    assert len(listed) == len(resources)
    for address in ["/api/", "/api/tags/", "/api/categories/", "/api/groups/"]:
        json.loads(client.get(address).content)

    tokens = MarkdownIt("commonmark").parse(awesome_export())
    items = [token for token in tokens if token.type == "list_item_open"]
    # The contents (Papers, Research groups), each resource, and the group with a website.
    assert len(items) == 2 + len(resources) + 1
