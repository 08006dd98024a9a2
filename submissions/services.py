"""
The one place where proposals are created and change state.

Every transition locks the proposal's row, checks its current state, writes,
adds a line to the review log and, once the transaction has committed, mails
the submitter. Admin actions, views and commands call these functions and
turn their errors into messages.
"""

import secrets
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Resource, unique_slug
from catalog.services.authors import resource_set_authors
from catalog.services.common import validation_summary
from submissions import emails, linkcheck
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

    def __init__(self, message: str, *, resource: Resource | None = None):
        super().__init__(message)
        self.resource = resource


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
        if kind == Kind.NEW:
            _check_not_duplicate(values["url"])
            _assign(submission, values)
        elif kind == Kind.CORRECTION:
            resource = _published(resource)
            _check_not_duplicate(values["url"], resource=resource)
            submission.resource = resource
            submission.original = resource_values(resource)
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
        _log(submission, actor=submitter, action=Action.SUBMITTED, from_state="")
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
        if locked.kind == Kind.BROKEN_LINK:
            locked.problem = problem or locked.problem
        else:
            _assign(locked, values)
        locked.note = note
        previous = locked.state
        locked.state = State.PENDING
        locked.url_check = Submission.UrlCheck.UNCHECKED
        locked.url_check_detail = ""
        locked.save()
        _log(locked, actor=user, action=Action.RESUBMITTED, from_state=previous)
    return locked


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


def submission_check_url(*, submission: Submission) -> Submission:
    """Ask the proposal's URL whether it answers, and store the outcome (a network call)."""
    outcome, detail = linkcheck.check_url(submission.url)
    Submission.objects.filter(pk=submission.pk).update(
        url_check=outcome, url_check_detail=detail[:200], url_checked_at=timezone.now()
    )
    submission.refresh_from_db(fields=["url_check", "url_check_detail", "url_checked_at"])
    return submission


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
    mine = Submission.objects.for_user(submitter)
    since = timezone.now() - timedelta(days=1)
    daily = settings.SUBMISSIONS_DAILY_LIMIT
    if mine.filter(created_at__gte=since).count() >= daily:
        raise LimitReached(
            f"You have sent {daily} proposals in the last 24 hours, the most one account may. "
            "Please come back tomorrow; nothing you sent before is lost."
        )
    pending = settings.SUBMISSIONS_PENDING_LIMIT
    if mine.pending().count() >= pending:
        raise LimitReached(
            f"You have {pending} proposals waiting for review, the most one account may. "
            "You can send more as soon as curators have decided on some of them."
        )


def _check_not_duplicate(url, *, resource=None, exclude_submission=None) -> None:
    """Refuse ``url`` when its work is listed (other than ``resource``) or, for a new
    resource, already proposed."""
    _check_not_listed(url, resource=resource)
    if resource is None:
        proposed = Submission.objects.open().filter(kind=Kind.NEW).matching_url(url)
        if exclude_submission is not None:
            proposed = proposed.exclude(pk=exclude_submission.pk)
        if proposed.exists():
            raise DuplicateWork("This work has already been proposed and is waiting for review.")


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


def _assign(submission: Submission, values: Mapping[str, Any]) -> None:
    """Set the proposed fields from ``values`` and save, groups included."""
    for name in PROPOSED_FIELDS:
        if name == "tags":
            submission.tags = ", ".join(values.get("tags") or [])
        elif name != "groups":
            setattr(submission, name, values.get(name))
    submission.save()
    submission.groups.set(values.get("groups") or [])


def _resource_create(submission: Submission) -> Resource:
    # The same work may have been listed since the proposal was checked.
    _check_not_listed(submission.url)
    resource = Resource(
        title=submission.title,
        slug=unique_slug(submission.title, Resource),
        url=submission.url,
        description=submission.description,
        category=submission.category,
        year=submission.year,
        code_url=submission.code_url,
        status=Resource.Status.PUBLISHED,
    )
    _validated(resource)
    # Another approval may take the same slug between the check and the insert:
    # then the database refuses it, and a slug with a random ending is tried.
    for attempt in range(3):
        try:
            with transaction.atomic():
                resource.save()
            break
        except IntegrityError:
            _check_not_listed(submission.url)  # the same work, approved meanwhile
            if attempt == 2:
                raise
            resource.slug = f"{unique_slug(submission.title, Resource)[:72]}-{secrets.token_hex(3)}"
    resource.tags.set(submission.tag_names)
    resource.groups.set(submission.groups.all())
    resource_set_authors(resource, submission.authors)
    return resource


def _resource_correct(submission: Submission) -> None:
    if submission.resource_id is None:
        raise SubmissionError("The resource this correction was about no longer exists.")
    resource = Resource.objects.select_for_update().get(pk=submission.resource_id)
    changed = submission.changed_fields()
    for name in changed:
        if name not in ("tags", "groups", "authors"):
            setattr(resource, name, getattr(submission, name))
    _validated(resource).save()
    if "authors" in changed:
        resource_set_authors(resource, submission.authors)
    if "tags" in changed:
        resource.tags.set(submission.tag_names, clear=True)
    if "groups" in changed:
        resource.groups.set(submission.groups.all())


def _validated(resource: Resource) -> Resource:
    try:
        resource.full_clean(validate_unique=False)
    except ValidationError as error:
        raise SubmissionError(
            f"The resource cannot be saved as proposed ({validation_summary(error)})."
        ) from error
    return resource


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
    # robust: the decision stands even if the mail server is down; the failure is logged.
    transaction.on_commit(partial(emails.send_decision, event_id=event.pk), robust=True)
    return submission


def _log(submission, *, actor, action, from_state, note="") -> SubmissionEvent:
    return SubmissionEvent.objects.create(
        submission=submission,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=submission.state,
        note=note,
    )
