"""
Every output holds whatever text a resource carries: arbitrary Unicode with
controls, lone surrogates, braces, line breaks, references and bidi overrides.

The writers are tested on resources in memory, where anything can stand, and
the pages, feeds, API and exports on resources stored as old data could be
(written past the door with ``update()``), where anything a database can hold
can stand.
"""

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import bibtexparser
import pytest
import rispy
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from catalog.cache import catalog_changed
from catalog.citations import LATEX_ESCAPES, VERBATIM_ESCAPES, author_names, bibtex, ris
from catalog.markdown import render_markdown
from catalog.models import Resource, ResourceLink
from catalog.services.awesome_export import awesome_export
from catalog.text import FORBIDDEN, clean_multiline, clean_single_line
from tests.factories import CategoryFactory, ResourceFactory, authors_in_memory, store_authors

# Modest counts: the suite runs twice in CI.
PROPERTY = settings(max_examples=100, deadline=None, database=None)
STORED_PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,
    # The database is reset by hand in each example (update, then check).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What breaks formats, mixed into arbitrary text.
TRICKY = [
    "{", "}", "}}", "\\", "\\}", "@misc{forged,", "@comment{", "%", "#", "&", "~", "^", "_", "$",
    '"', ",", " and ", "others", "\r", "\n", "\r\n", "\t", "\x00", "\x08", "\x0b", "\x0c", "\x1b",
    "\x85", "\u2028", "\u2029", "\ufffe", "\uffff", "\ufdd0", "\U0010ffff", "\ud800", "\udfff",
    "TY  - JOUR", "ER  - ", "\r\nUR  - https://evil.example/\r\n", "&#8;", "&#xFFFE;", "&#0;",
    "&amp;", "&lt;", "\u202e", "\u2066", "\u200b", "\ufeff", "]]>", "<![CDATA[", "<script>",
    "[", "](", "*", "`", "- ", "\n- [Forged](https://evil.example/)", "## ", "\u0430",
]  # fmt: skip


def hostile_text(max_pieces: int = 8):
    """Arbitrary Unicode, surrogates included, with what breaks formats mixed in."""
    piece = st.one_of(
        st.text(st.characters(exclude_categories=()), max_size=8), st.sampled_from(TRICKY)
    )
    return st.lists(piece, max_size=max_pieces).map("".join)


def storable(text: str) -> str:
    """``text`` as a database can hold it: no lone surrogate, and no NUL on PostgreSQL."""
    text = re.sub("[\ud800-\udfff]", "", text)
    return text.replace("\x00", "") if connection.vendor == "postgresql" else text


LATEX_UNESCAPES = {escaped: character for character, escaped in LATEX_ESCAPES.items()}
LATEX_SEQUENCE = re.compile("|".join(map(re.escape, LATEX_UNESCAPES)))
VERBATIM_SEQUENCE = re.compile("|".join(map(re.escape, VERBATIM_ESCAPES.values())))


def latex_unescape(text: str) -> str:
    return LATEX_SEQUENCE.sub(lambda match: LATEX_UNESCAPES[match[0]], text)


def verbatim_unescape(text: str) -> str:
    by_escape = {escaped: character for character, escaped in VERBATIM_ESCAPES.items()}
    return VERBATIM_SEQUENCE.sub(lambda match: by_escape[match[0]], text)


def in_memory(title, authors, venue, url_path) -> Resource:
    resource = Resource(
        title=title,
        venue=venue,
        year=2024,
        slug="a-work",
        url=f"https://example.org/{url_path}",
    )
    return authors_in_memory(resource, authors.split(","))


def strict_bibtex(text: str):
    """The entries of ``text``, which must parse without a failed or stray block."""
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert len(library.blocks) == len(library.entries) + len(library.comments)
    return library.entries


@PROPERTY
@given(title=hostile_text(), authors=hostile_text(), venue=hostile_text(), path=hostile_text(3))
def test_bibtex_of_any_resource_is_one_entry_with_its_fields(title, authors, venue, path):
    resource = in_memory(title, authors, venue, path)

    entries = strict_bibtex(bibtex(resource))

    assert len(entries) == 1
    fields = entries[0].fields_dict
    assert fields["title"].value.startswith("{") and fields["title"].value.endswith("}")
    assert latex_unescape(fields["title"].value[1:-1]) == clean_single_line(title)
    names = [
        "others" if name.lower() in {"et al.", "et al", "others"} else name
        for name in author_names(resource)
    ]
    assert latex_unescape(fields["author"].value if names else "") == " and ".join(names)
    venue_line = clean_single_line(venue).strip()
    assert latex_unescape(fields["note"].value if venue_line else "") == venue_line
    assert verbatim_unescape(fields["url"].value) == verbatim_unescape(
        clean_single_line(resource.url)
    )


@PROPERTY
@given(title=hostile_text(), authors=hostile_text(), venue=hostile_text(), path=hostile_text(3))
def test_ris_of_any_resource_is_one_record_with_its_fields(title, authors, venue, path):
    resource = in_memory(title, authors, venue, path)

    records = rispy.loads(ris(resource))

    assert len(records) == 1
    record = records[0]
    assert record["title"] == clean_single_line(title).strip()
    assert record.get("authors", []) == author_names(resource)
    assert record.get("secondary_title", "") == clean_single_line(venue).strip()
    # One address, its ";" percent-encoded: readers split UR at ";".
    assert record["urls"] == [clean_single_line(resource.url).strip().replace(";", "%3B")]
    assert record["year"] == "2024"


@PROPERTY
@given(text=hostile_text(20))
def test_markdown_of_any_text_holds_no_forbidden_character(text):
    html = render_markdown(text)

    assert not FORBIDDEN.search(html.replace("\n", "").replace("\t", ""))
    assert "\ufffd" not in html or "\ufffd" in text


@pytest.fixture
def stored(db):
    """A published paper with a link and a tag, whose text each example overwrites."""
    resource = ResourceFactory(
        category=CategoryFactory(name="Papers", slug="papers"), tags=["circuits"]
    )
    ResourceLink.objects.create(resource=resource, label="Code", url="https://example.org/code")
    return resource


def children(element, name):
    return [child for child in element.iter() if child.tag.rsplit("}", 1)[-1] == name]


@STORED_PROPERTY
@given(
    title=hostile_text(),
    description=hostile_text(12),
    authors=hostile_text(),
    venue=hostile_text(),
    label=hostile_text(3),
)
def test_stored_text_of_any_kind_leaves_every_output_whole(
    client, stored, title, description, authors, venue, label
):
    title, description, authors = storable(title)[:300], storable(description), storable(authors)
    venue, label = storable(venue)[:200], storable(label)[:50]
    Resource.objects.filter(pk=stored.pk).update(title=title, description=description, venue=venue)
    store_authors(stored, authors.split(","))
    ResourceLink.objects.filter(resource=stored).update(label=label)
    catalog_changed()

    for address in ("/feeds/latest.rss", "/feeds/latest.atom", "/feeds/tags/circuits.rss"):
        response = client.get(address)
        assert response.status_code == 200
        feed = ET.fromstring(response.content)
        items = children(feed, "item") + children(feed, "entry")
        assert len(items) == 1
        assert (children(items[0], "title")[0].text or "") == clean_multiline(title)

    api = json.loads(client.get(f"/api/resources/{stored.slug}/").content)
    assert (api["title"], api["description"], api["venue"]) == (title, description, venue)
    assert api["links"] == [{"label": label, "url": "https://example.org/code"}]

    assert len(strict_bibtex(client.get("/resources/export.bib").content.decode())) == 1
    assert (
        len(strict_bibtex(client.get(f"/resources/{stored.slug}/cite.bib").content.decode())) == 1
    )
    assert len(rispy.loads(client.get("/resources/export.ris").content.decode())) == 1
    assert len(rispy.loads(client.get(f"/resources/{stored.slug}/cite.ris").content.decode())) == 1

    assert client.get(stored.get_absolute_url()).status_code == 200

    tokens = MarkdownIt("commonmark").parse(awesome_export())
    items = [token for token in tokens if token.type == "list_item_open"]
    # One for the contents (one category), one for the resource.
    assert len(items) == 2


def test_a_url_path_of_any_text_is_quoted_in_the_markdown_export(db):
    resource = ResourceFactory(url=f"https://example.org/{quote('a b')}")
    Resource.objects.filter(pk=resource.pk).update(url="https://example.org/a b>\nc")

    tokens = MarkdownIt("commonmark").parse(awesome_export())

    assert len([token for token in tokens if token.type == "list_item_open"]) == 2
