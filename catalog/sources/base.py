"""
The one vocabulary of the metadata providers (arXiv, Crossref, OpenReview,
GitHub): what a look-up found, and why there is nothing when there is not.

    lookup = arxiv.look_up("2309.08600", deadline=5.0)
    lookup.status        # LookupStatus.FOUND, or why not (below)
    lookup.work          # WorkMetadata when found
    lookup.retry_after   # seconds to wait, when the source asked us to slow down

Providers never raise for anything a server does: a failure is a status.
"""

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from catalog.sources.http import FetchResult, Outcome


class LookupStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"  # the source answered that it has no such work
    UNSUPPORTED = "unsupported"  # no provider knows this kind of address
    UNAVAILABLE = "unavailable"  # no usable answer: time-out, connection, 5xx, bad body
    RATE_LIMITED = "rate_limited"  # the source asked us to come back later


@dataclass(frozen=True)
class RepositoryInfo:
    """What GitHub says of a repository, as of ``fetched``."""

    full_name: str  # its current owner/name: a renamed repository answers with the new one
    html_url: str
    description: str = ""
    stars: int | None = None
    pushed_at: datetime | None = None
    created_at: datetime | None = None
    archived: bool = False
    license: str = ""  # SPDX identifier when GitHub knows it, else the licence's name
    latest_release: str = ""  # tag name
    latest_release_at: datetime | None = None

    @property
    def canonical_key(self) -> str:
        return f"github:{self.full_name.lower()}"


@dataclass(frozen=True)
class WorkMetadata:
    """One work as its source describes it; empty strings and None where it says nothing."""

    canonical_key: str  # the identity the source gives (arxiv:ID, github:owner/name, ...)
    source: str  # "arxiv", "crossref", "openreview", "github"
    url: str  # the work's page at its source
    title: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    code_url: str = ""
    abstract: str = ""
    doi: str = ""
    # arXiv only: the latest version, the journal reference, whether it was withdrawn.
    version: int | None = None
    journal_ref: str = ""
    withdrawn: bool = False
    repository: RepositoryInfo | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["authors"] = list(self.authors)
        return data

    def but(self, **changes) -> "WorkMetadata":
        return replace(self, **changes)


@dataclass(frozen=True)
class Lookup:
    status: LookupStatus
    work: WorkMetadata | None = None
    detail: str = ""  # a short explanation of a status other than FOUND
    retry_after: float | None = None  # seconds, for RATE_LIMITED
    aliases: tuple[str, ...] = field(default=())  # other keys the source gave for the work

    @property
    def found(self) -> bool:
        return self.status is LookupStatus.FOUND


def found(work: WorkMetadata, aliases=()) -> Lookup:
    return Lookup(LookupStatus.FOUND, work, aliases=tuple(aliases))


def unsupported(detail: str) -> Lookup:
    return Lookup(LookupStatus.UNSUPPORTED, detail=detail)


def not_found(detail: str) -> Lookup:
    return Lookup(LookupStatus.NOT_FOUND, detail=detail)


def unavailable(detail: str) -> Lookup:
    return Lookup(LookupStatus.UNAVAILABLE, detail=detail[:200])


def failed(result: FetchResult, source: str) -> Lookup:
    """
    The look-up for an answer that brought no usable data: rate-limited
    (429, or a 403 that says the quota is spent), not found (404, 410), or
    unavailable (everything else, including no answer at all).
    """
    if result.outcome is not Outcome.ANSWERED:
        return unavailable(f"{source}: {result.detail or result.outcome}")
    status = result.status
    quota_spent = result.headers.get("x-ratelimit-remaining", "").strip() == "0"
    if status == 429 or (status == 403 and (quota_spent or "retry-after" in result.headers)):
        return Lookup(
            LookupStatus.RATE_LIMITED,
            detail=f"{source} asked us to slow down (HTTP {status})",
            retry_after=result.retry_after(),
        )
    if status in (404, 410):
        return not_found(f"{source} has no such work (HTTP {status})")
    return unavailable(f"{source} answered HTTP {status}")


def clean_text(text: str | None) -> str:
    """Collapse the hard line wraps and runs of spaces sources put in titles and abstracts."""
    return " ".join((text or "").split())
