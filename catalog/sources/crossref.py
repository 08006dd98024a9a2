"""
DOIs, through Crossref's REST API (``settings.CROSSREF_API_URL``, e.g.
https://api.crossref.org/works/10.1162/coli_a_00422).

arXiv's DOIs (10.48550/arXiv.ID) are registered with DataCite, not Crossref:
``catalog.canonical`` maps them to the arXiv identity before any request, and
the look-up asks arXiv. A Crossref record that names its arXiv preprint
(``relation.has-preprint``) gives that identity as an alias, so the journal
version and the preprint are one work.
"""

import html
import re
from urllib.parse import quote

from django.conf import settings

from catalog.canonical import canonical_key
from catalog.sources.base import (
    Lookup,
    WorkMetadata,
    clean_text,
    failed,
    found,
    unavailable,
)
from catalog.sources.http import fetch_json

SOURCE = "Crossref"
TAG = re.compile(r"<[^>]+>")
DATE_FIELDS = ("published", "issued", "published-print", "published-online", "created")


def look_up(doi: str, *, deadline: float) -> Lookup:
    url = f"{settings.CROSSREF_API_URL}/works/{quote(doi, safe='/')}"
    result, data = fetch_json(url, deadline=deadline)
    if data is None:
        return failed(result, SOURCE) if not result.ok else unavailable(f"{SOURCE}: not JSON")
    record = data.get("message") if isinstance(data, dict) else None
    if not isinstance(record, dict):
        return unavailable(f"{SOURCE} sent no work record")
    return found(parse_work(record, doi), aliases=preprint_keys(record))


def parse_work(record: dict, doi: str) -> WorkMetadata:
    doi = (record.get("DOI") or doi).lower()
    return WorkMetadata(
        canonical_key=f"doi:{doi}",
        source="crossref",
        url=f"https://doi.org/{doi}",
        title=clean_text(first(record.get("title"))),
        authors=tuple(
            name for author in record.get("author") or [] if (name := author_name(author))
        ),
        year=year_of(record),
        venue=clean_text(first(record.get("container-title")) or first(record.get("event"))),
        abstract=clean_text(html.unescape(TAG.sub(" ", record.get("abstract") or ""))),
        doi=doi,
    )


def first(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):  # "event": {"name": ...}
        value = value.get("name", "")
    return value if isinstance(value, str) else ""


def author_name(author: dict) -> str:
    if not isinstance(author, dict):
        return ""
    parts = [author.get("given") or "", author.get("family") or ""]
    return clean_text(" ".join(parts)) or clean_text(author.get("name"))


def year_of(record: dict) -> int | None:
    for name in DATE_FIELDS:
        try:
            year = record[name]["date-parts"][0][0]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(year, int):
            return year
    return None


def preprint_keys(record: dict) -> list[str]:
    """Canonical keys of the preprints a record names (its arXiv version, mostly)."""
    relations = record.get("relation") or {}
    keys = []
    for relation in relations.get("has-preprint") or []:
        if isinstance(relation, dict) and relation.get("id-type") == "doi" and relation.get("id"):
            keys.append(canonical_key(f"https://doi.org/{relation['id']}"))
    return keys
