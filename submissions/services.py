"""
The one place where proposals are created and change state.

Every transition locks the proposal's row, checks its current state, writes,
adds a line to the review log and, once the transaction has committed, mails
the submitter. Admin actions, views and commands call these functions and
turn their errors into messages.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.canonical import clean_url
from catalog.models import Category, ResearchGroup, Resource, ResourceLink, unique_slug
from catalog.services.authors import resource_set_authors
from catalog.services.records import (
    CREATED,
    RecordInvalid,
    ResourceRecord,
    ResourceUpsert,
    record_validate,
)
from catalog.sources.link_check import url_answers
from submissions import emails, tasks
from submissions.models import PROPOSED_FIELDS, Submission, SubmissionEvent, resource_values

MODERATE_PERMISSION = "submissions.moderate_submission"

State = Submission.State
Kind = Submission.Kind
Action = SubmissionEvent.Action


class SubmissionError(Exception):
    """A proposal could not be created or changed; the message says why, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(SubmissionError):
    """The proposal is not in a state that allows the step asked for."""


class NotAllowed(SubmissionError):
    """The person asking may not take this step on this proposal."""


class LimitReached(SubmissionError):
    """The account has sent as many proposals as it may for now."""


class DuplicateWork(SubmissionError):
    """The work is already in the catalog, or already proposed."""

    def __init__(self, message: str, *, resource: Resource | None = None, proposal=None):
        super().__init__(message)
        self.resource = resource
        self.proposal = proposal


@dataclass(frozen=True)
class Quota:
    """How many more proposals an account may send: today, and while others wait."""

    daily_left: int
    pending_left: int
    daily_limit: int
    pending_limit: int

    @property
    def left(self) -> int:
        return min(self.daily_left, self.pending_left)

    @property
    def exhausted(self) -> bool:
        return self.left <= 0


def submission_quota(*, submitter) -> Quota:
    """The account's remaining proposals, by the same counts that ``submission_create`` enforces."""
    mine = Submission.objects.for_user(submitter)
    since = timezone.now() - timedelta(days=1)
    daily, pending = settings.SUBMISSIONS_DAILY_LIMIT, settings.SUBMISSIONS_PENDING_LIMIT
    return Quota(
        daily_left=max(0, daily - mine.filter(created_at__gte=since).count()),
        pending_left=max(0, pending - mine.pending().count()),
        daily_limit=daily,
        pending_limit=pending,
    )


def submission_create(
    *,
    submitter,
    kind: str,
    values: Mapping[str, Any],
    resource: Resource | None = None,
    note: str = "",
    problem: str = "",
) -> Submission:
    """
    Record a proposal from ``submitter`` as pending.

    ``values`` holds the proposed fields (PROPOSED_FIELDS; tags as a list of
    names, groups as research groups). A correction or broken-link report names
    the published ``resource`` it is about. Raises LimitReached past the
    account's daily or pending limit, and DuplicateWork when the work is
    already listed or proposed.
    """
    with transaction.atomic():
        # Locking the account serialises its own proposals, so that limits hold
        # even when several arrive at once.
        get_user_model().objects.select_for_update().get(pk=submitter.pk)
        _check_limits(submitter)
        submission = Submission(kind=kind, submitter=submitter, note=note, problem=problem)
        cleaned = {}
        if kind == Kind.NEW:
            _check_not_duplicate(values["url"])
            values, cleaned = _clean_values(values)
            _assign(submission, values)
        elif kind == Kind.CORRECTION:
            resource = _published(resource)
            _check_not_duplicate(values["url"], resource=resource)
            submission.resource = resource
            submission.original = resource_values(resource)
            values, cleaned = _clean_values(values)
            _assign(submission, values)
        elif kind == Kind.BROKEN_LINK:
            resource = _published(resource)
            if Submission.objects.open().filter(kind=kind, resource=resource).exists():
                raise DuplicateWork(
                    "This link has already been reported and is waiting for a curator."
                )
            submission.resource = resource
            submission.title = resource.title
            submission.url = resource.url
            submission.save()
        else:
            raise SubmissionError(f"Unknown kind of proposal: {kind!r}.")
        _log(submission, actor=submitter, action=Action.SUBMITTED, from_state="", changes=cleaned)
    return submission


def submission_resubmit(
    *,
    submission: Submission,
    user,
    values: Mapping[str, Any],
    note: str = "",
    problem: str = "",
) -> Submission:
    """
    Replace a proposal sent back for changes with ``values`` (a broken-link
    report: with ``problem``) and make it pending again. Only its submitter may.
    """
    with transaction.atomic():
        locked = _lock(submission)
        if locked.submitter_id != user.pk:
            raise NotAllowed("Only the person who sent a proposal can change it.")
        _check_state(locked, {State.CHANGES_REQUESTED}, "resubmitted")
        if locked.kind == Kind.NEW:
            _check_not_duplicate(values["url"], exclude_submission=locked)
        elif locked.kind == Kind.CORRECTION:
            _check_not_duplicate(values["url"], resource=locked.resource)
        changes = {}
        if locked.kind == Kind.BROKEN_LINK:
            locked.problem = problem or locked.problem
        else:
            values, _ = _clean_values(values)
            changes = _assign(locked, values)
        locked.note = note
        previous = locked.state
        locked.state = State.PENDING
        locked.url_check = Submission.UrlCheck.UNCHECKED
        locked.url_check_detail = ""
        locked.save()
        _log(locked, actor=user, action=Action.RESUBMITTED, from_state=previous, changes=changes)
    return locked


def submission_edit(*, submission: Submission, reviewer, values: Mapping[str, Any]) -> dict:
    """
    A moderator's corrections to a pending proposal before deciding on it.

    ``values`` holds PROPOSED_FIELDS as for ``submission_create``; URLs are
    stored clean. The review log records each changed field before and after
    (the address as typed included, when cleaning changed it), and the decision
    mail tells the submitter. Returns the changes, empty when nothing changed.
    """
    _check_moderator(reviewer)
    with transaction.atomic():
        locked = _lock(submission)
        _check_state(locked, {State.PENDING}, "edited")
        if locked.kind == Kind.BROKEN_LINK:
            raise SubmissionError("A broken-link report has nothing to edit: fix the resource.")
        if locked.kind == Kind.NEW:
            _check_not_duplicate(values["url"], exclude_submission=locked)
        else:
            _check_not_duplicate(values["url"], resource=locked.resource)
        values, cleaned = _clean_values(values)
        changes = _assign(locked, values)
        if "url" in cleaned:
            changes["url_as_typed"] = cleaned["url"]  # the original, kept in the log
        if changes:
            _log(
                locked, actor=reviewer, action=Action.EDITED, from_state=locked.state,
                changes=changes,
            )  # fmt: skip
    submission.refresh_from_db()
    return changes


def submission_withdraw(*, submission: Submission, user) -> Submission:
    """Take back a pending proposal. Only its submitter may; nobody is mailed."""
    with transaction.atomic():
        locked = _lock(submission)
        if locked.submitter_id != user.pk:
            raise NotAllowed("Only the person who sent a proposal can withdraw it.")
        _check_state(locked, {State.PENDING}, "withdrawn")
        previous = locked.state
        locked.state = State.WITHDRAWN
        locked.save(update_fields=["state", "updated_at"])
        _log(locked, actor=user, action=Action.WITHDRAWN, from_state=previous)
    return locked


def submission_approve(*, submission: Submission, reviewer, note: str = "") -> Submission:
    """
    Approve a pending proposal, exactly once however many reviewers click.

    A new resource is created and published with its tags and research
    groups; a correction is applied to its resource (only the fields the
    submitter changed, so curators' later edits to other fields survive); a
    broken-link report is acknowledged. The submitter is mailed after commit.
    """
    _check_moderator(reviewer)
    with transaction.atomic():
        locked = _lock(submission)
        _check_state(locked, {State.PENDING}, "approved")
        if locked.kind == Kind.NEW:
            locked.resource = _resource_create(locked)
        elif locked.kind == Kind.CORRECTION:
            _resource_correct(locked)
        return _decide(locked, reviewer=reviewer, state=State.APPROVED, note=note)


def submission_reject(*, submission: Submission, reviewer, note: str = "") -> Submission:
    """Turn down a pending proposal; the note tells the submitter why."""
    _check_moderator(reviewer)
    with transaction.atomic():
        locked = _lock(submission)
        _check_state(locked, {State.PENDING}, "rejected")
        return _decide(locked, reviewer=reviewer, state=State.REJECTED, note=note)


def submission_request_changes(*, submission: Submission, reviewer, note: str) -> Submission:
    """Send a pending proposal back to its submitter, with a note saying what to change."""
    if not note.strip():
        raise SubmissionError("Say what should change: a note is required to send a proposal back.")
    _check_moderator(reviewer)
    with transaction.atomic():
        locked = _lock(submission)
        _check_state(locked, {State.PENDING}, "sent back for changes")
        return _decide(locked, reviewer=reviewer, state=State.CHANGES_REQUESTED, note=note)


def submission_check_url(*, submission: Submission, timeout: float = 10.0) -> Submission:
    """
    Ask the proposal's URL whether it answers, and store the outcome. A network
    call of up to ``timeout`` seconds: run it from a task or a command, never a request.
    """
    answered, detail = url_answers(submission.url, timeout=timeout)
    outcome = Submission.UrlCheck.ANSWERED if answered else Submission.UrlCheck.FAILED
    Submission.objects.filter(pk=submission.pk).update(
        url_check=outcome, url_check_detail=detail[:200], url_checked_at=timezone.now()
    )
    submission.refresh_from_db(fields=["url_check", "url_check_detail", "url_checked_at"])
    return submission


def submissions_due_for_url_check(*, recheck_after_hours: int = 24):
    """Pending proposals with a URL never checked, or last checked that many hours ago."""
    stale = timezone.now() - timedelta(hours=recheck_after_hours)
    pending = Submission.objects.pending().exclude(url="")
    due = pending.filter(url_check=Submission.UrlCheck.UNCHECKED) | pending.filter(
        url_checked_at__lt=stale
    )
    return due.order_by("created_at")


def submission_urls_enqueue_check(*, submissions) -> int:
    """Queue a URL check for each of ``submissions`` that has a URL; returns how many."""
    ids = [submission.pk for submission in submissions if submission.url]
    for pk in ids:
        tasks.check_proposal_url.enqueue(submission_id=pk)
    return len(ids)


def moderators_notify() -> int:
    """Mail every moderator the number of pending proposals; returns how many were mailed."""
    pending = Submission.objects.pending().count()
    if not pending:
        return 0
    moderators = (
        get_user_model()
        .objects.with_perm(
            MODERATE_PERMISSION,
            is_active=True,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .exclude(email="")
        .order_by("pk")
    )
    return emails.send_pending_count(moderators=list(moderators), pending=pending)


def can_moderate(user) -> bool:
    return user.is_active and user.has_perm(MODERATE_PERMISSION)


def _lock(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().get(pk=submission.pk)


def _check_moderator(user) -> None:
    if not can_moderate(user):
        raise NotAllowed("Only moderators can approve, reject or send back proposals.")


def _check_state(submission: Submission, allowed: set[str], verb: str) -> None:
    if submission.state not in allowed:
        needed = " or ".join(State(state).label.lower() for state in sorted(allowed))
        raise InvalidTransition(
            f"“{submission.headline}” is {submission.get_state_display().lower()}, so it "
            f"cannot be {verb}: only a proposal that is {needed} can."
        )


def _check_limits(submitter) -> None:
    quota = submission_quota(submitter=submitter)
    daily = quota.daily_limit
    if quota.daily_left <= 0:
        raise LimitReached(
            f"You have sent {daily} proposals in the last 24 hours, the most one account may. "
            "Please come back tomorrow; nothing you sent before is lost."
        )
    pending = quota.pending_limit
    if quota.pending_left <= 0:
        raise LimitReached(
            f"You have {pending} proposals waiting for review, the most one account may. "
            "You can send more as soon as curators have decided on some of them."
        )


def duplicate_of(url: str) -> DuplicateWork | None:
    """Why the work at ``url`` cannot be proposed as new (listed or proposed), or None."""
    try:
        _check_not_duplicate(url)
    except DuplicateWork as duplicate:
        return duplicate
    return None


def _check_not_duplicate(url, *, resource=None, exclude_submission=None) -> None:
    """Refuse ``url`` when its work is listed (other than ``resource``) or, for a new
    resource, already proposed."""
    _check_not_listed(url, resource=resource)
    if resource is None:
        proposed = Submission.objects.open().filter(kind=Kind.NEW).matching_url(url)
        if exclude_submission is not None:
            proposed = proposed.exclude(pk=exclude_submission.pk)
        if match := proposed.order_by("created_at").first():
            raise DuplicateWork(
                f"This work has already been proposed as “{match.title}” ({match.url}) and "
                "is waiting for review.",
                proposal=match,
            )


def _check_not_listed(url, *, resource=None) -> None:
    listed = Resource.objects.matching_url(url)
    if resource is not None:
        listed = listed.exclude(pk=resource.pk)
    if match := listed.first():
        if match.is_published:
            raise DuplicateWork(
                f"This work is already in the catalog as “{match.title}”.", resource=match
            )
        raise DuplicateWork(
            "This work is already known to the curators, though it is not listed at present."
        )


def _published(resource: Resource | None) -> Resource:
    if resource is None or not resource.is_published:
        raise SubmissionError("Only a resource listed in the catalog can be corrected or reported.")
    return resource


def _clean_values(values: Mapping[str, Any]) -> tuple[dict, dict]:
    """
    ``values`` with every address cleaned (see catalog.canonical.clean_url), and
    for each address cleaning changed, [as sent, as stored] for the review log.
    """
    values = dict(values)
    cleaned = {}
    for name in ("url", "code_url"):
        if sent := values.get(name):
            values[name] = clean_url(sent)
            if values[name] != sent:
                cleaned[name] = [sent, values[name]]
    sent_links = [[label, url] for label, url in values.get("extra_links") or []]
    values["extra_links"] = [[label, clean_url(url)] for label, url in sent_links]
    if values["extra_links"] != sent_links:
        cleaned["extra_links"] = [
            _display("extra_links", sent_links),
            _display("extra_links", values["extra_links"]),
        ]
    return values, cleaned


def _assign(submission: Submission, values: Mapping[str, Any]) -> dict:
    """
    Set the proposed fields from ``values`` and save, groups included. Returns
    the fields that changed as {name: [before, after]}, for people to read.
    """
    before = submission.proposed_values() if submission.pk else None
    for name in PROPOSED_FIELDS:
        if name == "tags":
            submission.tags = ", ".join(values.get("tags") or [])
        elif name == "extra_links":
            submission.extra_links = [list(pair) for pair in values.get("extra_links") or []]
        elif name != "groups":
            value = values.get(name)
            if value is None and name not in ("year", "category"):
                value = ""
            setattr(submission, name, value)
    submission.save()
    submission.groups.set(values.get("groups") or [])
    if before is None:
        return {}
    after = submission.proposed_values()
    return {
        name: [_display(name, before[name]), _display(name, after[name])]
        for name in PROPOSED_FIELDS
        if before[name] != after[name]
    }


def _display(name: str, value) -> str:
    """A proposed value as text for the review log and mail."""
    if name == "category":
        return Category.objects.filter(pk=value).values_list("name", flat=True).first() or ""
    if name == "groups":
        return ", ".join(
            ResearchGroup.objects.filter(pk__in=value)
            .order_by("name")
            .values_list("name", flat=True)
        )
    if name == "tags":
        return ", ".join(value)
    if name == "extra_links":
        return "; ".join(f"{label}: {url}" for label, url in value)
    return "" if value is None else str(value)


def _resource_create(submission: Submission) -> Resource:
    """The proposal as a published resource, through the loaders' upsert and validation."""
    # The same work may have been listed since the proposal was checked.
    _check_not_listed(submission.url)
    record = ResourceRecord(
        title=submission.title,
        url=submission.url,
        category=submission.category,
        description=submission.description,
        year=submission.year,
        authors=submission.authors,
        venue=submission.venue,
        code_url=submission.code_url,
        tags=submission.tag_names,
        groups=[group.pk for group in submission.groups.all()],
        links=[(label, url) for label, url in submission.extra_links or []],
    )
    # Another approval may take the same slug between the check and the insert:
    # then the database refuses it, and a slug with a random ending is tried.
    for attempt in range(3):
        upsert = ResourceUpsert(status=Resource.Status.PUBLISHED, preload=False)
        try:
            with transaction.atomic():
                outcome, resource = upsert.upsert(record)
                if outcome != CREATED:
                    raise DuplicateWork(
                        f"This work is already in the catalog as “{resource.title}”.",
                        resource=resource,
                    )
                upsert.finish()
            return resource
        except RecordInvalid as error:
            raise SubmissionError(
                f"The resource cannot be saved as proposed ({error.summary})."
            ) from error
        except IntegrityError:
            _check_not_listed(submission.url)  # the same work, approved meanwhile
            if attempt == 2:
                raise
            record.slug = f"{unique_slug(submission.title, Resource)[:72]}-{secrets.token_hex(3)}"
    raise AssertionError("unreachable")  # pragma: no cover


def _replace_links(resource: Resource, links) -> None:
    resource.links.all().delete()
    for label, url in links:
        link = ResourceLink(resource=resource, label=label, url=url)
        _validated(link).save()


def _resource_correct(submission: Submission) -> None:
    if submission.resource_id is None:
        raise SubmissionError("The resource this correction was about no longer exists.")
    resource = Resource.objects.select_for_update().get(pk=submission.resource_id)
    changed = submission.changed_fields()
    if "url" in changed:
        _check_not_listed(submission.url, resource=resource)
    for name in changed:
        if name not in ("tags", "groups", "extra_links", "authors"):
            setattr(resource, name, getattr(submission, name))
    _validated(resource).save()
    if "authors" in changed:
        resource_set_authors(resource, submission.authors)
    if "tags" in changed:
        resource.tags.set(submission.tag_names, clear=True)
    if "groups" in changed:
        resource.groups.set(submission.groups.all())
    if "extra_links" in changed:
        _replace_links(resource, submission.extra_links)


def _validated(instance):
    try:
        return record_validate(instance)
    except RecordInvalid as error:
        raise SubmissionError(
            f"The resource cannot be saved as proposed ({error.summary})."
        ) from error


def _decide(submission: Submission, *, reviewer, state: str, note: str) -> Submission:
    previous = submission.state
    submission.state = state
    submission.moderator_note = note
    submission.decided_at = timezone.now()
    submission.save()
    action = {
        State.APPROVED: Action.APPROVED,
        State.REJECTED: Action.REJECTED,
        State.CHANGES_REQUESTED: Action.CHANGES_REQUESTED,
    }[state]
    event = _log(submission, actor=reviewer, action=action, from_state=previous, note=note)
    # Mailed by the task worker once the decision has committed. robust: the
    # decision stands even if the queue cannot be reached; the failure is logged.
    transaction.on_commit(partial(tasks.send_decision_mail.enqueue, event_id=event.pk), robust=True)
    return submission


def _log(submission, *, actor, action, from_state, note="", changes=None) -> SubmissionEvent:
    return SubmissionEvent.objects.create(
        submission=submission,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=submission.state,
        note=note,
        changes=changes or {},
    )
