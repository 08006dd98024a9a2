"""
Keep what the sources say of the catalog's works current: for every GitHub
repository (a tool's own URL, or any resource's code link) its stars, last
push, latest release, licence and archived flag; for every arXiv paper its
latest version, journal reference and withdrawal. The resources themselves
are never changed: the pages show the repository facts, and the data-quality
report lists for a curator what differs.

A source that asks us to slow down is obeyed: a short wait (up to
``max_wait`` seconds) is waited out once, a longer one ends that source's part
of the run, and the report says which resources were left for next time.
Nothing a source does makes the run fail.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from catalog.cache import catalog_changed
from catalog.canonical import canonical_key, github_repository
from catalog.models import PaperMetadata, RepositoryMetadata, Resource
from catalog.sources import arxiv, github
from catalog.sources.base import Lookup, LookupStatus

DEADLINE = 10.0  # seconds for each request (GitHub: repository and release together)
MAX_WAIT = 60.0  # seconds a rate limit may be waited out within one run


@dataclass
class RefreshReport:
    repositories: Counter = field(default_factory=Counter)  # by look-up status
    papers: Counter = field(default_factory=Counter)
    postponed: list[str] = field(default_factory=list)  # slugs left for the next run
    retry_after: float | None = None  # seconds, when a source asked for a pause
    changed: int = 0

    def as_dict(self) -> dict:
        return {
            "repositories": dict(self.repositories),
            "papers": dict(self.papers),
            "postponed": self.postponed,
            "retry_after": self.retry_after,
            "changed": self.changed,
        }

    def __str__(self):
        def counts(counter):
            return ", ".join(f"{count} {status}" for status, count in sorted(counter.items()))

        lines = [
            f"Repositories: {counts(self.repositories) or 'none'}",
            f"Papers: {counts(self.papers) or 'none'}",
        ]
        if self.postponed:
            wait = f" (asked to wait {self.retry_after:.0f} s)" if self.retry_after else ""
            lines.append(f"Left for the next run, rate-limited{wait}: {', '.join(self.postponed)}")
        return "\n".join(lines)


def repository_url(resource: Resource) -> str:
    """The GitHub repository a resource stands on: its own URL, else its code link."""
    for url in (resource.url, resource.code_url):
        if url and github_repository(url):
            return url
    return ""


def arxiv_id(resource: Resource) -> str:
    key = canonical_key(resource.url)
    return key.removeprefix("arxiv:") if key.startswith("arxiv:") else ""


def metadata_refresh(
    *,
    resources: Iterable[Resource] | None = None,
    deadline: float = DEADLINE,
    max_wait: float = MAX_WAIT,
    sleep: Callable[[float], None] = time.sleep,
) -> RefreshReport:
    """Refresh ``resources`` (default: every one not archived); see the module docstring."""
    if resources is None:
        resources = Resource.objects.exclude(status=Resource.Status.ARCHIVED)
    resources = list(resources)
    report = RefreshReport()
    _refresh_repositories(resources, report, deadline, max_wait, sleep)
    _refresh_papers(resources, report, deadline, max_wait, sleep)
    if report.changed:
        catalog_changed()  # pages show the repository facts
    return report


def _refresh_repositories(resources, report, deadline, max_wait, sleep):
    pending = [(resource, url) for resource in resources if (url := repository_url(resource))]
    for index, (resource, url) in enumerate(pending):
        owner, name = github_repository(url)
        lookup = _patiently(
            lambda owner=owner, name=name: github.look_up(owner, name, deadline=deadline),
            max_wait,
            sleep,
        )
        if lookup.status is LookupStatus.RATE_LIMITED:
            _postpone(report, report.repositories, lookup, [r for r, _ in pending[index:]])
            return
        report.repositories[lookup.status.value] += 1
        if lookup.found:
            report.changed += _store_repository(resource, url, lookup)


def _refresh_papers(resources, report, deadline, max_wait, sleep):
    papers: dict[str, list[Resource]] = {}
    for resource in resources:
        if identifier := arxiv_id(resource):
            papers.setdefault(identifier, []).append(resource)
    identifiers = list(papers)
    for start in range(0, len(identifiers), arxiv.BATCH_SIZE):
        batch = identifiers[start : start + arxiv.BATCH_SIZE]
        lookups = _patiently(
            lambda batch=batch: arxiv.look_up_many(batch, deadline=deadline),
            max_wait,
            sleep,
        )
        if (first := lookups[batch[0]]).status is LookupStatus.RATE_LIMITED:
            left = [resource for i in identifiers[start:] for resource in papers[i]]
            _postpone(report, report.papers, first, left)
            return
        for identifier in batch:
            lookup = lookups[identifier]
            report.papers[lookup.status.value] += len(papers[identifier])
            if lookup.found:
                for resource in papers[identifier]:
                    report.changed += _store_paper(resource, lookup)


def _postpone(report, counter, lookup, resources):
    counter[LookupStatus.RATE_LIMITED.value] += len(resources)
    report.postponed += [resource.slug for resource in resources]
    report.retry_after = max(report.retry_after or 0, lookup.retry_after or 0) or None


def _patiently(ask, max_wait: float, sleep):
    """
    Ask; when rate-limited with a wait of at most ``max_wait`` seconds, wait it
    out and ask once more. ``ask`` gives a look-up or a dict of them (one batch).
    """
    answer = ask()
    lookup = next(iter(answer.values())) if isinstance(answer, dict) else answer
    if lookup.status is LookupStatus.RATE_LIMITED and (lookup.retry_after or 0) <= max_wait:
        # Without a time given, arXiv's own advice: 3 seconds between requests.
        sleep(lookup.retry_after or 3.0)
        answer = ask()
    return answer


def _store_repository(resource: Resource, url: str, lookup: Lookup) -> int:
    info = lookup.work.repository
    values = {
        "url": url,
        "full_name": info.full_name,
        "canonical_key": info.canonical_key,
        "stars": info.stars,
        "pushed_at": info.pushed_at,
        "archived": info.archived,
        "license": info.license[:100],
        "latest_release": info.latest_release,
        "latest_release_at": info.latest_release_at,
    }
    return _store(RepositoryMetadata, resource, values)


def _store_paper(resource: Resource, lookup: Lookup) -> int:
    work = lookup.work
    values = {
        "arxiv_id": work.canonical_key.removeprefix("arxiv:"),
        "latest_version": work.version,
        "journal_ref": work.journal_ref[:500],
        "withdrawn": work.withdrawn,
    }
    return _store(PaperMetadata, resource, values)


def _store(model, resource, values) -> int:
    """Write the facts and the time they were fetched; 1 when a fact changed, else 0."""
    with transaction.atomic():
        record = model.objects.select_for_update().filter(resource=resource).first()
        changed = record is None or any(getattr(record, k) != v for k, v in values.items())
        if record is None:
            record = model(resource=resource)
        for name, value in values.items():
            setattr(record, name, value)
        record.fetched_at = timezone.now()
        record.save()
    return int(changed)
