"""
The look-up behind the proposal form and ``/api/lookup/``: from a pasted
address, whether the work is already listed or proposed, and what its source
says of it (title, authors, year, venue, code link, abstract).

The duplicate check comes first and needs no other server, so the form can
say "already listed" before anything else; only then is the source asked,
within ``settings.LOOKUP_DEADLINE_SECONDS``, and what it says of the work's
identity (an arXiv DOI, a renamed repository, a journal article's preprint)
is checked for duplicates again. These are the only requests a visitor makes
wait on another server.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.cache import cached_for_version
from catalog.canonical import canonical_key
from catalog.models import Resource
from catalog.services.data_quality import SIMILAR_TITLE_RATIO, normalised_title
from catalog.sources.base import Lookup, WorkMetadata
from catalog.sources.lookup import look_up_url
from submissions.forms import WebAddressField
from submissions.services import duplicate_of

LISTED, KNOWN, PROPOSED = "listed", "known", "proposed"
SOURCE_NAMES = {
    "arxiv": "arXiv",
    "doi": "Crossref",
    "openreview": "OpenReview",
    "github": "GitHub",
}
# At most this many near-identical titles are named.
MAX_SIMILAR = 3


@dataclass
class Duplicate:
    kind: str  # listed (published), known (a draft or archived resource), proposed
    message: str
    resource: Resource | None = None  # only when published: nothing else is shown


@dataclass
class ProposalLookup:
    url: str
    error: str = ""  # the address cannot be looked up at all (not a web address)
    duplicate: Duplicate | None = None
    source: Lookup | None = None  # None when the source was not asked
    similar: list[Resource] = field(default_factory=list)  # published, near-identical titles
    throttled: bool = False  # this account looked up too many addresses in the last minute

    @property
    def work(self) -> WorkMetadata | None:
        return self.source.work if self.source and self.source.found else None

    @property
    def canonical_key(self) -> str:
        if self.work:
            return self.work.canonical_key
        return canonical_key(self.url) if self.url and not self.error else ""

    def as_json(self, request) -> dict:
        work = self.work
        duplicate = None
        if self.duplicate:
            duplicate = {"kind": self.duplicate.kind, "message": self.duplicate.message}
            if resource := self.duplicate.resource:
                duplicate |= {
                    "slug": resource.slug,
                    "title": resource.title,
                    "html_url": request.build_absolute_uri(resource.get_absolute_url()),
                    "api_url": request.build_absolute_uri(
                        reverse("api:resource_detail", kwargs={"slug": resource.slug})
                    ),
                }
        return {
            "canonical_key": self.canonical_key or None,
            "title": work.title if work else None,
            "authors": list(work.authors) if work else [],
            "year": work.year if work else None,
            "venue": work.venue if work else None,
            "code_url": work.code_url if work else None,
            "abstract": work.abstract if work else None,
            "duplicate_of": duplicate,
            "status": self.status,
            "detail": self.error or (self.source.detail if self.source else ""),
            "similar_titles": [
                {
                    "title": resource.title,
                    "html_url": request.build_absolute_uri(resource.get_absolute_url()),
                }
                for resource in self.similar
            ],
        }

    @property
    def source_name(self) -> str:
        """Who was asked: arXiv, Crossref, OpenReview, GitHub ("" for other sites)."""
        return SOURCE_NAMES.get(canonical_key(self.url).partition(":")[0], "") if self.url else ""

    @property
    def status(self) -> str:
        if self.error:
            return "invalid"
        if self.duplicate:
            return "duplicate"
        if self.throttled:
            return "throttled"
        return self.source.status.value if self.source else "unsupported"


def proposal_lookup(*, url: str, may_ask: Callable[[], bool] = lambda: True) -> ProposalLookup:
    """
    Look ``url`` up for a proposal of a new resource; see the module docstring.
    ``may_ask()`` is called before the source is asked (and only then): False
    stops there, with ``throttled`` set.
    """
    try:
        url = WebAddressField().clean(url)
    except ValidationError as error:
        return ProposalLookup(url=url, error=error.messages[0])
    result = ProposalLookup(url=url)
    if duplicate := _duplicate(url):
        result.duplicate = duplicate
        return result
    if not may_ask():
        result.throttled = True
        return result
    result.source = look_up_url(url)
    if result.work:
        # The source's identity may name a work listed under another address.
        result.duplicate = _duplicate(url)
        result.similar = [] if result.duplicate else similar_titles(result.work.title)
    return result


def similar_titles(title: str) -> list[Resource]:
    """Published resources whose normalised titles are near-identical to ``title``."""
    wanted = normalised_title(title)
    if not wanted:
        return []
    scored = []
    for pk, other in _published_titles():
        matcher = SequenceMatcher(None, wanted, other, autojunk=False)
        if matcher.real_quick_ratio() < SIMILAR_TITLE_RATIO:
            continue
        if matcher.quick_ratio() < SIMILAR_TITLE_RATIO:
            continue
        if (ratio := matcher.ratio()) >= SIMILAR_TITLE_RATIO:
            scored.append((ratio, pk))
    best = [pk for _, pk in sorted(scored, reverse=True)[:MAX_SIMILAR]]
    by_pk = Resource.objects.in_bulk(best)
    return [by_pk[pk] for pk in best if pk in by_pk]


def _published_titles() -> list[tuple[int, str]]:
    return cached_for_version(
        "normalised-titles",
        lambda: [
            (pk, normalised_title(title))
            for pk, title in Resource.objects.published().values_list("pk", "title")
        ],
    )


def _duplicate(url: str) -> Duplicate | None:
    found = duplicate_of(url)
    if found is None:
        return None
    if found.resource is not None:
        return Duplicate(LISTED, found.message, found.resource)
    if Resource.objects.matching_url(url).exists():
        return Duplicate(KNOWN, found.message)
    return Duplicate(PROPOSED, found.message)


def lookup_allowed(user, *, per_minute: int) -> bool:
    """Count one look-up for ``user``; False past ``per_minute`` in the current minute."""
    key = f"submissions:lookups:{user.pk}:{int(time.time() // 60)}"
    cache.add(key, 0, 90)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 90)
        count = 1
    return count <= per_minute
