"""
Every write of the library app: saving works, editing lists, copying a
reading path, following, digests, and a member's own data.

Popularity (``Popularity.members``) is recounted here, in the transaction of
each change, with the work's popularity row locked first, so two members
saving at the same moment both count. Saves do not touch the catalog version:
a click must not empty every cached page, so anonymous cached pages may show a
popularity up to PUBLIC_PAGE_CACHE_SECONDS old (members always see it fresh).
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Resource
from library.models import (
    DEFAULT_LIST_SLUG,
    DEFAULT_LIST_TITLE,
    MAX_NOTE_LENGTH,
    DigestSubscription,
    Follow,
    Popularity,
    ReadingList,
    ReadingPath,
    SavedWork,
)

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "library.digest.unsubscribe"
DIGEST_PERIODS = {
    DigestSubscription.Frequency.DAILY: timedelta(days=1),
    DigestSubscription.Frequency.WEEKLY: timedelta(days=7),
}
# Cron runs at about the same time each day; a digest is due slightly early
# rather than a whole period late when a run starts a few seconds sooner.
DIGEST_SLACK = timedelta(hours=1)
MAX_DIGEST_WORKS = 50


class LibraryError(Exception):
    """A change was refused; the message says why, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Lists and saved works.


def _unique_list_slug(owner, title: str) -> str:
    base = slugify(title)[:90].strip("-") or "list"
    slug, number = base, 1
    taken = set(
        ReadingList.objects.filter(owner=owner, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def list_create(*, owner, title: str, description: str = "", is_public: bool = False):
    """A new list of ``owner``'s, private unless asked; its address is made from the title."""
    title = " ".join(title.split())[:100]
    if not title:
        raise LibraryError("Give the list a name.")
    with transaction.atomic():
        return ReadingList.objects.create(
            owner=owner,
            title=title,
            slug=_unique_list_slug(owner, title),
            description=description,
            is_public=is_public,
        )


def default_list(*, owner) -> ReadingList:
    """The member's "Saved" list, made on first use."""
    reading_list = ReadingList.objects.filter(owner=owner, is_default=True).first()
    if reading_list is not None:
        return reading_list
    try:
        with transaction.atomic():
            slug = (
                DEFAULT_LIST_SLUG
                if not ReadingList.objects.filter(owner=owner, slug=DEFAULT_LIST_SLUG).exists()
                else _unique_list_slug(owner, DEFAULT_LIST_TITLE)
            )
            return ReadingList.objects.create(
                owner=owner, title=DEFAULT_LIST_TITLE, slug=slug, is_default=True
            )
    except IntegrityError:  # made by a request at the same moment
        return ReadingList.objects.get(owner=owner, is_default=True)


def list_named(*, owner, title: str) -> ReadingList:
    """The member's list with this name (any case), or a new private one."""
    title = " ".join(title.split())
    existing = ReadingList.objects.filter(owner=owner, title__iexact=title).first()
    return existing or list_create(owner=owner, title=title)


def list_update(
    *,
    reading_list: ReadingList,
    user,
    title: str,
    description: str,
    is_public: bool,
    share_notes: bool,
) -> ReadingList:
    """Rename a list, describe it, make it public or private, share its notes or not."""
    _check_owner(reading_list, user)
    title = " ".join(title.split())[:100]
    if not title:
        raise LibraryError("Give the list a name.")
    reading_list.title = title
    reading_list.description = description
    reading_list.is_public = is_public
    reading_list.share_notes = share_notes
    reading_list.save()
    return reading_list


def list_delete(*, reading_list: ReadingList, user) -> None:
    """Delete a list and its entries; the works' popularity is recounted."""
    _check_owner(reading_list, user)
    with transaction.atomic():
        resource_ids = list(reading_list.entries.values_list("resource_id", flat=True))
        reading_list.delete()
        popularity_recount(resource_ids=resource_ids)


def work_save(*, user, resource: Resource, reading_list: ReadingList | None = None) -> SavedWork:
    """
    Put a published work in one of ``user``'s lists (their "Saved" list unless
    named), at its end. Saving it again changes nothing: one entry per list.
    """
    if not resource.is_published:
        raise LibraryError("Only works in the catalog can be saved.")
    if reading_list is None:
        reading_list = default_list(owner=user)
    _check_owner(reading_list, user)
    with transaction.atomic():
        _lock_popularity(resource.pk)
        entry = SavedWork.objects.filter(reading_list=reading_list, resource=resource).first()
        if entry is None:
            last = reading_list.entries.aggregate(last=Max("position"))["last"]
            entry = SavedWork.objects.create(
                reading_list=reading_list,
                resource=resource,
                position=0 if last is None else last + 1,
            )
            popularity_recount(resource_ids=[resource.pk])
            ReadingList.objects.filter(pk=reading_list.pk).update(updated_at=timezone.now())
    return entry


def work_unsave(*, user, resource: Resource, reading_list: ReadingList | None = None) -> int:
    """Take a work out of one of ``user``'s lists, or out of all of them; how many entries went."""
    with transaction.atomic():
        _lock_popularity(resource.pk)
        entries = SavedWork.objects.filter(reading_list__owner=user, resource=resource)
        if reading_list is not None:
            _check_owner(reading_list, user)
            entries = entries.filter(reading_list=reading_list)
        removed, _ = entries.delete()
        popularity_recount(resource_ids=[resource.pk])
    return removed


def entry_update(
    *, entry: SavedWork, user, note: str | None = None, is_read: bool | None = None
) -> SavedWork:
    """Change an entry's private note or its read mark."""
    _check_owner(entry.reading_list, user)
    if note is not None:
        entry.note = note.strip()[:MAX_NOTE_LENGTH]
    if is_read is not None:
        entry.is_read = is_read
    entry.save(update_fields=["note", "is_read"])
    return entry


def entry_move(*, entry: SavedWork, user, offset: int) -> None:
    """Move an entry up (negative) or down (positive) in its list."""
    _check_owner(entry.reading_list, user)
    with transaction.atomic():
        entries = list(
            SavedWork.objects.select_for_update()
            .filter(reading_list_id=entry.reading_list_id)
            .order_by("position", "id")
        )
        ids = [item.pk for item in entries]
        index = ids.index(entry.pk)
        target = max(0, min(len(ids) - 1, index + offset))
        ids.insert(target, ids.pop(index))
        _renumber(entries, ids)


def list_reorder(*, reading_list: ReadingList, user, entry_ids: Iterable[int]) -> None:
    """Put the list's entries in the order given; entries not named keep their place after."""
    _check_owner(reading_list, user)
    with transaction.atomic():
        entries = list(
            SavedWork.objects.select_for_update()
            .filter(reading_list=reading_list)
            .order_by("position", "id")
        )
        known = {item.pk for item in entries}
        wanted = [pk for pk in dict.fromkeys(entry_ids) if pk in known]
        ids = wanted + [item.pk for item in entries if item.pk not in set(wanted)]
        _renumber(entries, ids)


def _renumber(entries: list[SavedWork], ids: list[int]) -> None:
    by_id = {item.pk: item for item in entries}
    changed = []
    for position, pk in enumerate(ids):
        if by_id[pk].position != position:
            by_id[pk].position = position
            changed.append(by_id[pk])
    SavedWork.objects.bulk_update(changed, ["position"])


def path_copy(*, path: ReadingPath, user) -> ReadingList:
    """
    A new private list of ``user``'s holding a published path's works in its
    order, each with the curators' annotation as its note.
    """
    if not path.is_published:
        raise LibraryError("This reading path is not published.")
    with transaction.atomic():
        reading_list = list_create(
            owner=user, title=path.title, description=f"Copied from the reading path “{path}”."
        )
        steps = path.steps.filter(resource__status=Resource.Status.PUBLISHED).order_by(
            "position", "id"
        )
        for position, step in enumerate(steps):
            _lock_popularity(step.resource_id)
            SavedWork.objects.create(
                reading_list=reading_list,
                resource_id=step.resource_id,
                position=position,
                note=step.annotation[:MAX_NOTE_LENGTH],
            )
        popularity_recount(resource_ids=[step.resource_id for step in steps])
    return reading_list


def _check_owner(reading_list: ReadingList, user) -> None:
    if reading_list.owner_id != user.pk:
        raise LibraryError("Only the list's owner can change it.")


# Popularity.


def _lock_popularity(resource_id: int) -> None:
    """Serialise recounts of one work: the row is made if need be, then locked."""
    Popularity.objects.get_or_create(resource_id=resource_id)
    Popularity.objects.select_for_update().filter(resource_id=resource_id).exists()


def popularity_recount(*, resource_ids: Iterable[int]) -> None:
    """Store, for each work, how many distinct members have it in any list."""
    for resource_id in sorted(set(resource_ids)):
        members = (
            SavedWork.objects.filter(resource_id=resource_id)
            .values("reading_list__owner_id")
            .distinct()
            .count()
        )
        Popularity.objects.update_or_create(resource_id=resource_id, defaults={"members": members})


# Follows and digests.

FOLLOW_FIELDS = {"tag": "tag", "category": "category", "group": "group"}


def follow_add(*, user, target_kind: str, target) -> Follow:
    """Follow a tag, category or research group; following twice keeps one follow."""
    field = FOLLOW_FIELDS[target_kind]
    with transaction.atomic():
        follow, _ = Follow.objects.get_or_create(user=user, **{field: target})
        digest_subscription(user=user)
    return follow


def follow_remove(*, user, target_kind: str, target) -> None:
    Follow.objects.filter(user=user, **{FOLLOW_FIELDS[target_kind]: target}).delete()


def digest_subscription(*, user) -> DigestSubscription:
    """The member's digest settings, made (weekly, from now) at their first follow."""
    subscription, _ = DigestSubscription.objects.get_or_create(
        user=user, defaults={"covered_until": timezone.now()}
    )
    return subscription


def digest_set_frequency(*, user, frequency: str) -> DigestSubscription:
    """Daily, weekly or no mail. Turning mail back on starts the next digest from now."""
    if frequency not in DigestSubscription.Frequency.values:
        raise LibraryError("Choose daily, weekly or no mail.")
    subscription = digest_subscription(user=user)
    if subscription.frequency == DigestSubscription.Frequency.OFF != frequency:
        subscription.covered_until = timezone.now()
    subscription.frequency = frequency
    subscription.save(update_fields=["frequency", "covered_until"])
    return subscription


def unsubscribe_token(user) -> str:
    """Signed, so a link only unsubscribes the account it was made for; never expires."""
    return signing.dumps({"user": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def digest_unsubscribe(*, token: str) -> DigestSubscription:
    """Turn off the digest of the account named in a signed token; raises BadSignature."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    subscription = DigestSubscription.objects.get(user_id=data["user"])
    subscription.frequency = DigestSubscription.Frequency.OFF
    subscription.save(update_fields=["frequency"])
    return subscription


def digest_works(*, user, since: datetime, until: datetime):
    """Published works, published in (since, until], carrying anything ``user`` follows."""
    follows = list(Follow.objects.filter(user=user))
    tags = [follow.tag_id for follow in follows if follow.tag_id]
    categories = [follow.category_id for follow in follows if follow.category_id]
    groups = [follow.group_id for follow in follows if follow.group_id]
    if not follows:
        return Resource.objects.none()
    matches = (
        Q(tagged_items__tag_id__in=tags) | Q(category_id__in=categories) | Q(groups__in=groups)
    )
    ids = (
        Resource.objects.published()
        .filter(published_at__gt=since, published_at__lte=until)
        .filter(matches)
        .values("pk")
    )
    return (
        Resource.objects.filter(pk__in=ids)
        .select_related("category")
        .order_by("-published_at", "-id")
    )


def digests_send(*, now: datetime | None = None) -> int:
    """
    Mail every member whose daily or weekly digest is due the works published
    since their last one in what they follow; nothing when nothing is new.
    Each member's window then starts where this one ended. Returns how many
    mails were sent.
    """
    now = now or timezone.now()
    sent = 0
    due = DigestSubscription.objects.exclude(frequency=DigestSubscription.Frequency.OFF).filter(
        user__is_active=True
    )
    for subscription in due.select_related("user").order_by("pk"):
        period = DIGEST_PERIODS[subscription.frequency]
        if subscription.covered_until > now - period + DIGEST_SLACK:
            continue
        with transaction.atomic():
            locked = DigestSubscription.objects.select_for_update().get(pk=subscription.pk)
            if locked.covered_until > now - period + DIGEST_SLACK:
                continue  # another run sent it meanwhile
            works = list(
                digest_works(user=subscription.user, since=locked.covered_until, until=now)
            )
            locked.covered_until = now
            if works and subscription.user.email:
                locked.last_sent_at = now
                user, window = subscription.user, (subscription.covered_until, now)
                transaction.on_commit(
                    lambda user=user, works=works, window=window: _send_digest(
                        user=user, works=works, window=window
                    )
                )
                sent += 1
            locked.save(update_fields=["covered_until", "last_sent_at"])
    return sent


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _send_digest(*, user, works, window) -> None:
    unsubscribe_url = _absolute(
        reverse("library:unsubscribe", kwargs={"token": unsubscribe_token(user)})
    )
    context = {
        "user": user,
        "site_name": settings.SITE_NAME,
        "works": [
            {"resource": work, "url": _absolute(work.get_absolute_url())}
            for work in works[:MAX_DIGEST_WORKS]
        ],
        "more": max(0, len(works) - MAX_DIGEST_WORKS),
        "since": window[0],
        "until": window[1],
        "following_url": _absolute(reverse("library:following")),
        "unsubscribe_url": unsubscribe_url,
    }
    count = len(works)
    subject = f"{count} new work{'s' if count != 1 else ''} in what you follow"
    message = EmailMultiAlternatives(
        subject=settings.EMAIL_SUBJECT_PREFIX + subject,
        body=render_to_string("library/emails/digest.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("library/emails/digest.html", context), "text/html")
    message.send()


# A member's own data.


def account_data(*, user) -> dict:
    """Everything the site holds about ``user``, as JSON-ready data."""
    from submissions.models import Submission

    def iso(moment):
        return moment.isoformat() if moment else None

    lists = ReadingList.objects.filter(owner=user).prefetch_related("entries__resource")
    proposals = Submission.objects.filter(submitter=user).select_related("category", "resource")
    subscription = DigestSubscription.objects.filter(user=user).first()
    return {
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
        },
        "proposals": [
            {
                "kind": proposal.kind,
                "state": proposal.state,
                "title": proposal.title,
                "url": proposal.url,
                "description": proposal.description,
                "category": proposal.category.slug if proposal.category else None,
                "tags": proposal.tag_names,
                "year": proposal.year,
                "authors": proposal.authors,
                "code_url": proposal.code_url,
                "problem": proposal.problem,
                "note": proposal.note,
                "moderator_note": proposal.moderator_note,
                "resource": proposal.resource.slug if proposal.resource else None,
                "created_at": iso(proposal.created_at),
                "decided_at": iso(proposal.decided_at),
            }
            for proposal in proposals
        ],
        "lists": [
            {
                "title": reading_list.title,
                "slug": reading_list.slug,
                "description": reading_list.description,
                "public": reading_list.is_public,
                "notes_shared": reading_list.share_notes,
                "created_at": iso(reading_list.created_at),
                "works": [
                    {
                        "resource": entry.resource.slug,
                        "title": entry.resource.title,
                        "url": entry.resource.url,
                        "note": entry.note,
                        "read": entry.is_read,
                        "saved_at": iso(entry.created_at),
                    }
                    for entry in reading_list.entries.all()
                ],
            }
            for reading_list in lists
        ],
        "follows": [
            {"kind": follow.kind, "slug": follow.target.slug, "name": follow.target.name}
            for follow in Follow.objects.filter(user=user).select_related(
                "tag", "category", "group"
            )
        ],
        "digest": (
            {
                "frequency": subscription.frequency,
                "covered_until": iso(subscription.covered_until),
                "last_sent_at": iso(subscription.last_sent_at),
            }
            if subscription
            else None
        ),
    }


def account_delete(*, user) -> None:
    """
    Delete ``user``'s account and what is theirs alone: lists (public ones
    too), notes, follows, digest. Their pending proposals are withdrawn first;
    every proposal and review log entry stays, without their name, so approved
    works stay in the catalog and the review history stays whole.
    """
    from submissions.models import Submission
    from submissions.services import submission_withdraw

    for proposal in Submission.objects.filter(submitter=user).pending():
        submission_withdraw(submission=proposal, user=user)
    with transaction.atomic():
        resource_ids = list(
            SavedWork.objects.filter(reading_list__owner=user)
            .values_list("resource_id", flat=True)
            .distinct()
        )
        get_user_model().objects.filter(pk=user.pk).delete()
        popularity_recount(resource_ids=resource_ids)
