"""
Possible duplicates of proposals, for the moderation queue and change page.

Two things make a possible duplicate: the same work (one canonical key, over
resources' main and extra links and other proposals' URLs), or a near-identical
title (difflib ratio of the normalised titles at least 0.9, the data-quality
report's rule). A whole page of the queue costs the same few queries as one
proposal.
"""

from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Q
from django.urls import reverse

from catalog.models import Resource, ResourceLink
from catalog.services.data_quality import SIMILAR_TITLE_RATIO, normalised_title
from submissions.models import Submission

SAME_WORK = "same work"
SIMILAR_TITLE = "similar title"
# Similar titles shown for one proposal at most: past a few, more say nothing
# new to a moderator, and a flood of near-identical proposals would otherwise
# cost a full comparison for every pair.
SIMILAR_TITLES_PER_PROPOSAL = 5


@dataclass(frozen=True)
class Match:
    """Something that may be the same as a proposal: a resource or another proposal."""

    kind: str  # "resource" or "proposal"
    pk: int
    title: str
    url: str
    state: str  # for people: "published", "draft", "pending review"...
    reason: str  # SAME_WORK or SIMILAR_TITLE, with the ratio for titles
    admin_url: str
    public_url: str = ""


def attach_duplicates(submissions) -> None:
    """Set ``duplicate_matches`` on each of ``submissions``: a list of Match, same work first."""
    submissions = list(submissions)
    for submission, matches in zip(submissions, find_duplicates(submissions), strict=True):
        submission.duplicate_matches = matches


def find_duplicates(submissions) -> list[list[Match]]:
    """For each of ``submissions``, the resources and open proposals it may duplicate."""
    everything = list(submissions)
    submissions = [s for s in everything if s.kind != Submission.Kind.BROKEN_LINK]
    results: dict[int, dict[tuple[str, int], Match]] = defaultdict(dict)
    if not submissions:
        return [[] for _ in everything]
    keys = {s.canonical_key for s in submissions if s.canonical_key}
    resources = {
        resource.pk: resource
        for resource in Resource.objects.filter(
            Q(canonical_key__in=keys) | Q(links__canonical_key__in=keys)
        ).distinct()
    }
    keys_of_resource = defaultdict(set)
    for resource in resources.values():
        keys_of_resource[resource.canonical_key].add(resource.pk)
    for link_key, resource_id in ResourceLink.objects.filter(
        canonical_key__in=keys, resource_id__in=resources
    ).values_list("canonical_key", "resource_id"):
        keys_of_resource[link_key].add(resource_id)
    proposals_by_key = defaultdict(list)
    open_proposals = Submission.objects.open().filter(kind=Submission.Kind.NEW)
    for proposal in open_proposals.filter(canonical_key__in=keys):
        proposals_by_key[proposal.canonical_key].append(proposal)

    for submission in submissions:
        found = results[submission.pk]
        for resource_id in keys_of_resource.get(submission.canonical_key, ()):
            if resource_id != submission.resource_id:
                found[("resource", resource_id)] = _resource_match(
                    resources[resource_id], SAME_WORK
                )
        for proposal in proposals_by_key.get(submission.canonical_key, ()):
            if proposal.pk != submission.pk:
                found[("proposal", proposal.pk)] = _proposal_match(proposal, SAME_WORK)

    _similar_titles(submissions, results)
    return [list(results[s.pk].values()) for s in everything]


def _similar_titles(submissions, results) -> None:
    titled = [(normalised_title(s.title), s) for s in submissions if s.title]
    if not titled:
        return
    similar_found = defaultdict(int)
    # A ratio of 0.9 needs lengths within about 18% of each other: compare only those.
    shortest = min(len(title) for title, _ in titled)
    longest = max(len(title) for title, _ in titled)
    candidates = [
        ("resource", pk, title, url, status, slug)
        for pk, title, url, status, slug in Resource.objects.order_by("pk").values_list(
            "pk", "title", "url", "status", "slug"
        )
    ] + [
        ("proposal", pk, title, url, state, "")
        for pk, title, url, state in Submission.objects.open()
        .filter(kind=Submission.Kind.NEW)
        .order_by("pk")
        .values_list("pk", "title", "url", "state")
    ]
    # One matcher, its second sequence set once per candidate: difflib indexes
    # that one, so each comparison costs only the proposal's title.
    matcher = SequenceMatcher(None, autojunk=False)
    for kind, pk, title, url, state, slug in candidates:
        other = normalised_title(title)
        if not other or not (shortest * 0.8 <= len(other) <= longest * 1.25):
            continue
        matcher.set_seq2(other)
        for own, submission in titled:
            if similar_found[submission.pk] >= SIMILAR_TITLES_PER_PROPOSAL:
                continue
            if kind == "proposal" and pk == submission.pk:
                continue
            if kind == "resource" and pk == submission.resource_id:
                continue
            if (kind, pk) in results[submission.pk]:
                continue
            matcher.set_seq1(own)
            if (
                matcher.real_quick_ratio() < SIMILAR_TITLE_RATIO
                or matcher.quick_ratio() < SIMILAR_TITLE_RATIO
            ):
                continue
            if (ratio := matcher.ratio()) >= SIMILAR_TITLE_RATIO:
                reason = f"{SIMILAR_TITLE} ({ratio:.0%})"
                if kind == "resource":
                    match = Match(
                        kind="resource", pk=pk, title=title, url=url,
                        state=Resource.Status(state).label.lower(), reason=reason,
                        admin_url=reverse("admin:catalog_resource_change", args=[pk]),
                        public_url=(
                            reverse("catalog:resource_detail", kwargs={"slug": slug})
                            if state == Resource.Status.PUBLISHED else ""
                        ),
                    )  # fmt: skip
                else:
                    match = Match(
                        kind="proposal", pk=pk, title=title, url=url,
                        state=Submission.State(state).label.lower(), reason=reason,
                        admin_url=reverse("admin:submissions_submission_change", args=[pk]),
                    )  # fmt: skip
                results[submission.pk][(kind, pk)] = match
                similar_found[submission.pk] += 1


def _resource_match(resource: Resource, reason: str) -> Match:
    return Match(
        kind="resource",
        pk=resource.pk,
        title=resource.title,
        url=resource.url,
        state=resource.get_status_display().lower(),
        reason=reason,
        admin_url=reverse("admin:catalog_resource_change", args=[resource.pk]),
        public_url=resource.get_absolute_url() if resource.is_published else "",
    )


def _proposal_match(proposal: Submission, reason: str) -> Match:
    return Match(
        kind="proposal",
        pk=proposal.pk,
        title=proposal.headline,
        url=proposal.url,
        state=proposal.get_state_display().lower(),
        reason=reason,
        admin_url=reverse("admin:submissions_submission_change", args=[proposal.pk]),
    )
