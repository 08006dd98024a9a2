"""
arXiv, through its Atom export API (``settings.ARXIV_API_URL``, e.g.
https://export.arxiv.org/api/query?id_list=2309.08600).

The API has habits to know: a malformed identifier answers HTTP 200 with a
single entry titled "Error"; an unknown one answers a feed with no entry;
throttling may come as a 503 or as a bare "Rate exceeded." body; titles and
abstracts arrive hard-wrapped. Each entry is the latest version
(``.../abs/2309.08600v3``).
"""

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from django.conf import settings

from catalog.sources.base import (
    Lookup,
    LookupStatus,
    WorkMetadata,
    clean_text,
    failed,
    found,
    not_found,
    unavailable,
)
from catalog.sources.http import fetch

SOURCE = "arXiv"
NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
ENTRY_ID = re.compile(
    r"/abs/(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(?:v(?P<version>\d+))?$", re.IGNORECASE
)
WITHDRAWN = re.compile(r"\b(this (paper|article|submission) (has been|is) withdrawn|withdrawn)\b")
# Batches for the nightly refresh: arXiv asks for few, large requests.
BATCH_SIZE = 50


def look_up(arxiv_id: str, *, deadline: float) -> Lookup:
    """The latest version of one paper (``arxiv_id`` without a version)."""
    lookups = look_up_many([arxiv_id], deadline=deadline)
    return lookups[arxiv_id.lower()]


def look_up_many(arxiv_ids: list[str], *, deadline: float) -> dict[str, Lookup]:
    """
    Several papers in one request: a look-up for each identifier (lower-cased).
    A failed request gives every identifier the same failed look-up.
    """
    ids = list(dict.fromkeys(arxiv_id.lower() for arxiv_id in arxiv_ids))
    query = urlencode({"id_list": ",".join(ids), "max_results": len(ids)})
    result = fetch(f"{settings.ARXIV_API_URL}?{query}", deadline=deadline)
    if result.status == 503 or result.body.strip().startswith(b"Rate exceeded"):
        throttled = Lookup(
            LookupStatus.RATE_LIMITED,
            detail=f"{SOURCE} asked us to slow down (HTTP {result.status})",
            retry_after=result.retry_after(),
        )
        return dict.fromkeys(ids, throttled)
    if not result.ok:
        return dict.fromkeys(ids, failed(result, SOURCE))
    try:
        feed = ET.fromstring(result.body)  # noqa: S314 - expat refuses entity expansion bombs
    except ET.ParseError as error:
        return dict.fromkeys(ids, unavailable(f"{SOURCE} sent a feed that does not parse: {error}"))
    lookups = dict.fromkeys(ids, not_found(f"{SOURCE} has no paper with this identifier"))
    for entry in feed.findall("atom:entry", NS):
        entry_id = clean_text(entry.findtext("atom:id", "", NS))
        match = ENTRY_ID.search(entry_id)
        if match is None:  # the "Error" entry of a malformed identifier
            continue
        work = parse_entry(entry, match["id"].lower(), int(match["version"] or 1))
        lookups[work.canonical_key.removeprefix("arxiv:")] = found(work)
    return lookups


def parse_entry(entry: ET.Element, arxiv_id: str, version: int) -> WorkMetadata:
    published = entry.findtext("atom:published", "", NS)
    comment = clean_text(entry.findtext("arxiv:comment", "", NS))
    abstract = clean_text(entry.findtext("atom:summary", "", NS))
    journal_ref = clean_text(entry.findtext("arxiv:journal_ref", "", NS))
    withdrawn = bool(WITHDRAWN.search(comment.lower())) or abstract.lower().startswith(
        "this paper has been withdrawn"
    )
    return WorkMetadata(
        canonical_key=f"arxiv:{arxiv_id}",
        source="arxiv",
        url=f"https://arxiv.org/abs/{arxiv_id}",
        title=clean_text(entry.findtext("atom:title", "", NS)),
        authors=tuple(
            clean_text(author.findtext("atom:name", "", NS))
            for author in entry.findall("atom:author", NS)
        ),
        year=int(published[:4]) if published[:4].isdigit() else None,
        venue=journal_ref,
        abstract=abstract,
        doi=clean_text(entry.findtext("arxiv:doi", "", NS)),
        version=version,
        journal_ref=journal_ref,
        withdrawn=withdrawn,
    )
