"""
OpenReview, through its API v2 (``settings.OPENREVIEW_API_URL``, e.g.
https://api2.openreview.net/notes?id=v675Iyu0ta).

In API v2 every content field is an object with a ``value``; dates are
milliseconds since the epoch (``pdate`` when published, ``cdate`` when created).
"""

import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings

from catalog.sources.base import (
    Lookup,
    WorkMetadata,
    clean_text,
    failed,
    found,
    not_found,
    unavailable,
)
from catalog.sources.http import fetch_json

SOURCE = "OpenReview"
YEAR = re.compile(r"\b(19|20)\d{2}\b")


def look_up(note_id: str, *, deadline: float) -> Lookup:
    url = f"{settings.OPENREVIEW_API_URL}/notes?{urlencode({'id': note_id})}"
    result, data = fetch_json(url, deadline=deadline)
    if data is None:
        return failed(result, SOURCE) if not result.ok else unavailable(f"{SOURCE}: not JSON")
    notes = data.get("notes") if isinstance(data, dict) else None
    if not notes or not isinstance(notes[0], dict):
        return not_found(f"{SOURCE} has no note {note_id}")
    return found(parse_note(notes[0], note_id))


def parse_note(note: dict, note_id: str) -> WorkMetadata:
    content = note.get("content") or {}
    forum = note.get("forum") or note.get("id") or note_id
    venue = clean_text(value(content, "venue"))
    authors = value(content, "authors")
    return WorkMetadata(
        canonical_key=f"openreview:{forum}",
        source="openreview",
        url=f"https://openreview.net/forum?id={forum}",
        title=clean_text(value(content, "title")),
        authors=tuple(clean_text(name) for name in authors if isinstance(name, str))
        if isinstance(authors, list)
        else (),
        year=year_of(note, venue),
        # Submissions under review carry "Submitted to ICLR 2025": no venue yet.
        venue="" if venue.lower().startswith("submitted to") else venue,
        code_url=clean_text(value(content, "code")),
        abstract=clean_text(value(content, "abstract")),
    )


def value(content: dict, name: str):
    field = content.get(name)
    return field.get("value", "") if isinstance(field, dict) else (field or "")


def year_of(note: dict, venue: str) -> int | None:
    if match := YEAR.search(venue):
        return int(match[0])
    for name in ("pdate", "odate", "cdate"):
        if isinstance(stamp := note.get(name), int | float):
            return datetime.fromtimestamp(stamp / 1000, tz=UTC).year
    return None
