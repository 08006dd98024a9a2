"""
The data-quality report: what a curator should look at next.

Read-only. Covers every resource that is not archived (drafts included, since
they are about to be published): possible duplicates, thin tagging, papers
missing bibliographic facts, tags used once, broken links, and what the
sources said at the last ``refresh_metadata``: repositories archived or idle,
repositories renamed, papers with a newer arXiv version, a journal reference
or a withdrawal.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import combinations

from django.db.models import Count, Q
from taggit.models import Tag

from catalog.citations import CITABLE_CATEGORIES
from catalog.maintenance import ARCHIVED, UNMAINTAINED, maintenance_of
from catalog.models import Resource, ResourceLink

MIN_TAGS = 2
SIMILAR_TITLE_RATIO = 0.9
WORDS = re.compile(r"[a-z0-9]+")
ARXIV_VERSION = re.compile(r"arxiv\.org/(?:abs|pdf|html)/[^/?#]+?v(\d+)(?:\.pdf)?/?(?:[?#]|$)")


@dataclass
class DataQualityReport:
    same_work: list[tuple[str, list[Resource]]] = field(default_factory=list)
    similar_titles: list[tuple[Resource, Resource, float]] = field(default_factory=list)
    few_tags: list[Resource] = field(default_factory=list)
    missing_bibliography: list[tuple[Resource, list[str]]] = field(default_factory=list)
    single_use_tags: list[tuple[Tag, Resource]] = field(default_factory=list)
    broken_links: list[Resource] = field(default_factory=list)
    unmaintained: list[tuple[Resource, str]] = field(default_factory=list)
    source_notes: list[tuple[Resource, str]] = field(default_factory=list)

    @property
    def issue_count(self) -> int:
        return sum(
            len(section)
            for section in (
                self.same_work,
                self.similar_titles,
                self.few_tags,
                self.missing_bibliography,
                self.single_use_tags,
                self.broken_links,
                self.unmaintained,
                self.source_notes,
            )
        )

    def __str__(self):
        def name(resource):
            return f"{resource.title} ({resource.slug}, {resource.status})"

        sections = [
            (
                "Same work listed more than once (canonical key)",
                [
                    f"{key}: " + "; ".join(name(resource) for resource in resources)
                    for key, resources in self.same_work
                ],
            ),
            (
                "Near-identical titles",
                [f"{name(a)} ~ {name(b)} ({ratio:.0%})" for a, b, ratio in self.similar_titles],
            ),
            (f"Fewer than {MIN_TAGS} tags", [name(resource) for resource in self.few_tags]),
            (
                "Papers and surveys without year or authors",
                [
                    f"{name(resource)}: no {' or '.join(missing)}"
                    for resource, missing in self.missing_bibliography
                ],
            ),
            (
                "Tags used once",
                [f"{tag.name}: {name(resource)}" for tag, resource in self.single_use_tags],
            ),
            (
                "Links broken",
                [
                    f"{name(resource)}: {resource.url} ({resource.link_detail or 'failed'})"
                    for resource in self.broken_links
                ],
            ),
            (
                "Repositories not maintained (archived, or idle)",
                [f"{name(resource)}: {note}" for resource, note in self.unmaintained],
            ),
            (
                "Sources say otherwise (GitHub, arXiv)",
                [f"{name(resource)}: {note}" for resource, note in self.source_notes],
            ),
        ]
        lines = []
        for title, entries in sections:
            lines.append(f"{title}: {len(entries)}")
            lines += [f"  {entry}" for entry in entries]
        return "\n".join(lines)


def data_quality_report() -> DataQualityReport:
    """Build the report; see the module docstring for what it covers."""
    resources = list(
        Resource.objects.exclude(status=Resource.Status.ARCHIVED)
        .select_related("category", "repository", "paper")
        .prefetch_related("authorships__author")
        .annotate(tag_count=Count("tagged_items"))
        .order_by("title", "pk")
    )
    return DataQualityReport(
        same_work=same_work(resources),
        similar_titles=similar_titles(resources),
        few_tags=[resource for resource in resources if resource.tag_count < MIN_TAGS],
        missing_bibliography=missing_bibliography(resources),
        single_use_tags=single_use_tags(),
        broken_links=[resource for resource in resources if resource.link_broken],
        unmaintained=unmaintained(resources),
        source_notes=source_notes(resources),
    )


def same_work(resources) -> list[tuple[str, list[Resource]]]:
    """Resources whose main or extra links lead to one work (the database allows it via links)."""
    by_pk = {resource.pk: resource for resource in resources}
    holders = defaultdict(set)
    for resource in resources:
        holders[resource.canonical_key].add(resource.pk)
    for key, resource_id in ResourceLink.objects.filter(resource_id__in=by_pk).values_list(
        "canonical_key", "resource_id"
    ):
        holders[key].add(resource_id)
    return [
        (key, sorted((by_pk[pk] for pk in pks), key=lambda resource: resource.title.lower()))
        for key, pks in sorted(holders.items())
        if len(pks) > 1
    ]


def normalised_title(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return " ".join(WORDS.findall(ascii_title.lower()))


def similar_titles(resources, threshold: float = SIMILAR_TITLE_RATIO):
    """
    Pairs of resources whose titles are the same or nearly (difflib ratio at
    least ``threshold``), most similar first. Quadratic in the number of
    resources, with difflib's cheap upper bounds tried first.
    """
    titled = [(normalised_title(resource.title), resource) for resource in resources]
    pairs = []
    for (title_a, a), (title_b, b) in combinations(titled, 2):
        if numbered_editions(title_a, title_b):
            continue
        matcher = SequenceMatcher(None, title_a, title_b, autojunk=False)
        if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
            continue
        if (ratio := matcher.ratio()) >= threshold:
            pairs.append((a, b, ratio))
    return sorted(pairs, key=lambda pair: (-pair[2], pair[0].title))


def numbered_editions(title_a: str, title_b: str) -> bool:
    """
    Whether two normalised titles differ only in their numbers, as the parts
    of a series do ("Gemma Scope" and "Gemma Scope 2"): different works, not a
    near-duplicate.
    """
    words_a, words_b = title_a.split(), title_b.split()
    return words_a != words_b and [word for word in words_a if not word.isdigit()] == [
        word for word in words_b if not word.isdigit()
    ]


def missing_bibliography(resources) -> list[tuple[Resource, list[str]]]:
    found = []
    for resource in resources:
        if resource.category.slug not in CITABLE_CATEGORIES:
            continue
        missing = [
            name
            for name, value in (("year", resource.year), ("authors", resource.author_names()))
            if not value
        ]
        if missing:
            found.append((resource, missing))
    return found


def unmaintained(resources) -> list[tuple[Resource, str]]:
    found = []
    for resource in resources:
        repository = getattr(resource, "repository", None)
        state = maintenance_of(repository)
        if state == ARCHIVED:
            found.append((resource, f"{repository.full_name} is archived on GitHub"))
        elif state == UNMAINTAINED:
            idle_since = f"{repository.pushed_at:%Y-%m-%d}"
            found.append((resource, f"no push to {repository.full_name} since {idle_since}"))
    return found


def source_notes(resources) -> list[tuple[Resource, str]]:
    """What GitHub and arXiv said that the catalog does not: for a curator to weigh."""
    found = []
    for resource in resources:
        repository = getattr(resource, "repository", None)
        if repository is not None and repository.moved:
            note = f"GitHub now names the repository {repository.full_name}: update the link"
            found.append((resource, note))
        paper = getattr(resource, "paper", None)
        if paper is None:
            continue
        if paper.withdrawn:
            found.append((resource, f"arXiv marks {paper.arxiv_id} as withdrawn"))
        linked = linked_arxiv_version(resource.url)
        if linked and paper.latest_version and paper.latest_version > linked:
            found.append((resource, f"arXiv has v{paper.latest_version}; the link names v{linked}"))
        if paper.journal_ref and normalised_title(paper.journal_ref) not in normalised_title(
            resource.venue
        ):
            found.append(
                (
                    resource,
                    f"arXiv gives the journal reference “{paper.journal_ref}”; "
                    f"the venue says “{resource.venue or 'nothing'}”",
                )
            )
    return found


def linked_arxiv_version(url: str) -> int | None:
    """The version an arXiv link names (…/abs/2309.08600v2 → 2), None when it names none."""
    match = ARXIV_VERSION.search(url)
    return int(match[1]) if match else None


def single_use_tags() -> list[tuple[Tag, Resource]]:
    """Tags that only one (non-archived) resource carries: typos, or too narrow a tag."""
    live = ~Q(catalog_taggedresource_items__content_object__status=Resource.Status.ARCHIVED)
    tags = (
        Tag.objects.annotate(uses=Count("catalog_taggedresource_items", filter=live))
        .filter(uses=1)
        .order_by("name")
    )
    resource_of = dict(
        Resource.objects.exclude(status=Resource.Status.ARCHIVED)
        .filter(tagged_items__tag__in=tags)
        .values_list("tagged_items__tag_id", "pk")
    )
    resources = Resource.objects.in_bulk(resource_of.values())
    return [(tag, resources[resource_of[tag.pk]]) for tag in tags if tag.pk in resource_of]
