"""
GitHub repositories, through the REST API v3 (``settings.GITHUB_API_URL``,
e.g. https://api.github.com/repos/owner/name, and ``/releases/latest``), with
``settings.GITHUB_TOKEN`` when set (5,000 requests an hour instead of 60).

A renamed or transferred repository answers with a 301 to
``/repositories/<id>``, whose answer carries the current ``full_name``: the
look-up follows it, and only within the API's own origin, so the token never
goes anywhere else. Rate limits come as 403 or 429 with
``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset`` (or ``retry-after``).
"""

import time
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.dateparse import parse_datetime

from catalog.sources.base import (
    Lookup,
    LookupStatus,
    RepositoryInfo,
    WorkMetadata,
    clean_text,
    failed,
    found,
    unavailable,
)
from catalog.sources.http import REDIRECT_STATUSES, FetchResult, Outcome, fetch

SOURCE = "GitHub"
MAX_REDIRECTS = 3


def look_up(owner: str, name: str, *, deadline: float, with_release: bool = True) -> Lookup:
    """
    The repository ``owner/name`` as a work, with its liveness facts in
    ``work.repository``; the latest release only ``with_release`` (one more request).
    """
    ends_at = time.monotonic() + deadline
    result, data = _get(f"/repos/{owner}/{name}", ends_at)
    if not isinstance(data, dict) or not data.get("full_name"):
        if result.ok:
            return unavailable(f"{SOURCE} sent no repository")
        return failed(result, SOURCE)
    release_tag, release_at = "", None
    if with_release and ends_at > time.monotonic():
        release = repository_release(data["full_name"], ends_at)
        if isinstance(release, Lookup):
            if release.status is LookupStatus.RATE_LIMITED:
                return release
        else:
            release_tag, release_at = release
    repository = parse_repository(data, release_tag, release_at)
    work = WorkMetadata(
        canonical_key=repository.canonical_key,
        source="github",
        url=repository.html_url,
        title=clean_text(data.get("name")),
        year=repository.created_at.year if repository.created_at else None,
        code_url=repository.html_url,
        abstract=repository.description,
        repository=repository,
    )
    return found(work)


def repository_release(full_name: str, ends_at: float):
    """``(tag, published_at)`` of the latest release, ("", None) when there is none."""
    result, data = _get(f"/repos/{full_name}/releases/latest", ends_at)
    if result.status == 404:
        return "", None
    if not isinstance(data, dict):
        lookup = failed(result, SOURCE)
        # A repository without its release is still worth recording.
        return lookup if lookup.status is LookupStatus.RATE_LIMITED else ("", None)
    return clean_text(data.get("tag_name") or data.get("name")), _moment(data.get("published_at"))


def parse_repository(data: dict, release_tag: str, release_at: datetime | None) -> RepositoryInfo:
    licence = data.get("license") or {}
    spdx = licence.get("spdx_id") or ""
    return RepositoryInfo(
        full_name=data["full_name"],
        html_url=data.get("html_url") or f"https://github.com/{data['full_name']}",
        description=clean_text(data.get("description")),
        stars=stars if isinstance(stars := data.get("stargazers_count"), int) else None,
        pushed_at=_moment(data.get("pushed_at")),
        created_at=_moment(data.get("created_at")),
        archived=bool(data.get("archived")),
        # GitHub says NOASSERTION for a licence file it cannot identify.
        license=spdx if spdx and spdx != "NOASSERTION" else clean_text(licence.get("name")),
        latest_release=release_tag[:100],
        latest_release_at=release_at,
    )


def _get(path: str, ends_at: float):
    """GET an API path, following redirects only within the API's origin."""
    base = settings.GITHUB_API_URL.rstrip("/")
    origin = urlsplit(base)[:2]
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if settings.GITHUB_TOKEN:
        headers["Authorization"] = f"Bearer {settings.GITHUB_TOKEN}"
    url = base + path
    for _hop in range(MAX_REDIRECTS + 1):
        left = ends_at - time.monotonic()
        if left <= 0:
            return _timed_out(url), None
        result = fetch(url, headers=headers, deadline=left, follow_redirects=False)
        location = result.headers.get("location")
        if result.status in REDIRECT_STATUSES and location:
            url = urljoin(url, location)
            if urlsplit(url)[:2] != origin:
                return result, None
            continue
        data = None
        if result.ok:
            try:
                data = result.json()
            except ValueError:
                data = None
        return result, data
    return result, None


def _timed_out(url: str) -> FetchResult:
    return FetchResult(url=url, outcome=Outcome.TIMEOUT, detail="deadline passed", final_url=url)


def _moment(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None
