"""Mail about proposals: the decision to the submitter, the queue's size to moderators."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def send_decision(*, event_id: int) -> bool:
    """
    Tell a submitter what became of their proposal. Called after the decision
    has committed; returns whether a message was sent.
    """
    from submissions.models import SubmissionEvent

    event = SubmissionEvent.objects.select_related(
        "submission__submitter", "submission__resource"
    ).get(pk=event_id)
    submission = event.submission
    recipient = submission.submitter.email if submission.submitter else ""
    if not recipient:
        logger.info("Proposal %s decided; its submitter has no email address.", submission.pk)
        return False
    context = {
        "submission": submission,
        "event": event,
        "user": submission.submitter,
        "site_name": settings.SITE_NAME,
        "proposals_url": absolute_url(reverse("submissions:mine")),
        "resource_url": (
            absolute_url(submission.resource.get_absolute_url())
            if submission.resource is not None and submission.resource.is_published
            else ""
        ),
        "edit_url": absolute_url(reverse("submissions:edit", kwargs={"pk": submission.pk})),
    }
    context["edits"] = moderator_edits(submission, until=event)
    subject = render_to_string("emails/submission_decision_subject.txt", context).strip()
    body = render_to_string("emails/submission_decision.txt", context)
    EmailMessage(subject=_subject(subject), body=body, to=[recipient]).send()
    return True


def moderator_edits(submission, *, until) -> list[tuple[str, str, str]]:
    """
    What moderators changed in this round, before the decision ``until``: one
    (field label, before, after) per field, from the first value to the last.
    """
    from submissions.models import PROPOSED_FIELDS, SubmissionEvent

    Action = SubmissionEvent.Action
    events = list(submission.events.filter(pk__lte=until.pk).order_by("created_at", "id"))
    merged: dict[str, list] = {}
    for event in events:
        if event.action in (Action.SUBMITTED, Action.RESUBMITTED):
            merged = {}  # a new round: earlier edits were told with earlier decisions
        elif event.action == Action.EDITED:
            for name, (before, after) in event.changes.items():
                if name in merged:
                    merged[name][1] = after
                else:
                    merged[name] = [before, after]
    return [
        (FIELD_NAMES[name], _short(before), _short(after))
        for name in PROPOSED_FIELDS
        if name in merged and (before := merged[name][0]) != (after := merged[name][1])
    ]


FIELD_NAMES = {
    "title": "Title", "url": "URL", "description": "Description", "category": "Category",
    "tags": "Tags", "groups": "Research groups", "year": "Year", "authors": "Authors",
    "venue": "Venue", "code_url": "Code URL", "extra_links": "Extra links",
}  # fmt: skip


def _short(value, limit=300) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        return "(empty)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def send_pending_count(*, moderators, pending: int) -> int:
    """Mail each moderator, separately, how many proposals wait; returns how many were mailed."""
    queue_url = absolute_url(reverse("admin:submissions_submission_changelist")) + (
        "?state__exact=pending"
    )
    for moderator in moderators:
        context = {"user": moderator, "pending": pending, "queue_url": queue_url}
        subject = f"{pending} proposal{'s' if pending != 1 else ''} waiting for review"
        body = render_to_string("emails/moderators_pending.txt", context)
        EmailMessage(subject=_subject(subject), body=body, to=[moderator.email]).send()
    return len(moderators)


def _subject(text: str) -> str:
    # A header never holds a line break, whatever a title contains.
    return settings.EMAIL_SUBJECT_PREFIX + " ".join(text.split())
