"""
Metadata from any address: find the provider that knows it and ask.

    lookup = look_up_url("https://arxiv.org/pdf/2309.08600v2")

The address's canonical key (``catalog.canonical``) says which source to ask:
``arxiv:`` arXiv (an arXiv DOI included), ``doi:`` Crossref, ``openreview:``
OpenReview, ``github:`` GitHub; anything else is ``unsupported`` and nothing is
sent. One deadline covers the whole look-up. What a source found is kept in the
cache for a day, so that the identity it gave (a renamed repository's new
name, a journal article's preprint) is known when the proposal is sent.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from catalog.canonical import canonical_key
from catalog.sources import arxiv, crossref, github, openreview
from catalog.sources.base import Lookup, WorkMetadata, found, unsupported

CACHE_SECONDS = 24 * 3600


def look_up_url(url: str, *, deadline: float | None = None) -> Lookup:
    """What the work's source says of ``url``, within ``deadline`` seconds in all."""
    deadline = settings.LOOKUP_DEADLINE_SECONDS if deadline is None else deadline
    key = canonical_key(url)
    cached = cache.get(_cache_key(key))
    if cached is not None:
        return cached
    lookup = _ask(key, deadline)
    if lookup.found:
        lookup = found(_safe(lookup.work), aliases=_aliases(key, lookup))
        cache.set(_cache_key(key), lookup, CACHE_SECONDS)
    return lookup


def identity_keys(url: str) -> set[str]:
    """
    Every key the work at ``url`` is known by: its canonical key, and what a
    recent look-up learnt (the current key and aliases). Never asks a source.
    """
    key = canonical_key(url)
    keys = {key}
    cached = cache.get(_cache_key(key))
    if cached is not None and cached.found:
        keys.add(cached.work.canonical_key)
        keys.update(cached.aliases)
    return keys


def _ask(key: str, deadline: float) -> Lookup:
    scheme, _, identifier = key.partition(":")
    if scheme == "arxiv":
        return arxiv.look_up(identifier, deadline=deadline)
    if scheme == "doi":
        return crossref.look_up(identifier, deadline=deadline)
    if scheme == "openreview":
        return openreview.look_up(identifier, deadline=deadline)
    if scheme == "github":
        owner, _, name = identifier.partition("/")
        # The release is for the nightly refresh; a proposal needs one request only.
        return github.look_up(owner, name, deadline=deadline, with_release=False)
    return unsupported("Metadata can be looked up for arXiv, DOI, OpenReview and GitHub addresses.")


def _aliases(key: str, lookup: Lookup) -> tuple[str, ...]:
    keys = {key, *lookup.aliases}
    keys.discard(lookup.work.canonical_key)
    return tuple(sorted(keys))


def _safe(work: WorkMetadata) -> WorkMetadata:
    """Drop a code link that is not a web address (a source's free text field)."""
    if work.code_url and not work.code_url.startswith(("https://", "http://")):
        return work.but(code_url="")
    return work


def _cache_key(key: str) -> str:
    # Hashed: a key may hold characters a cache refuses.
    return "sources:lookup:" + hashlib.sha256(key.encode()).hexdigest()
