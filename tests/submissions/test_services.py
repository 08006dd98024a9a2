"""The review workflow: every transition, and every one that must be refused."""

from datetime import timedelta

import pytest
from django.utils import timezone
from taggit.models import Tag

from catalog.models import Resource
from catalog.services.authors import resource_set_authors
from submissions.models import Submission, SubmissionEvent
from submissions.querysets import AppendOnlyError
from submissions.services import (
    DuplicateWork,
    InvalidTransition,
    LimitReached,
    NotAllowed,
    SubmissionError,
    submission_approve,
    submission_create,
    submission_reject,
    submission_request_changes,
    submission_resubmit,
    submission_withdraw,
)
from tests.factories import (
    CategoryFactory,
    ResearchGroupFactory,
    ResourceFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

State = Submission.State
Kind = Submission.Kind


def new_values(**overrides):
    values = {
        "title": "Sparse Feature Circuits",
        "url": "https://arxiv.org/abs/2403.19647",
        "description": "Finds *interpretable* circuits of sparse features.",
        "category": CategoryFactory(name="Papers", slug="papers"),
        "tags": ["circuits", "sparse-autoencoders"],
        "groups": [],
        "year": 2024,
        "authors": "Samuel Marks, Can Rager",
        "code_url": "https://github.com/saprmarks/feature-circuits",
    }
    return values | overrides


def actions(submission):
    return list(submission.events.values_list("action", "from_state", "to_state"))


# Creating proposals


def test_submission_create_records_a_pending_proposal_and_logs_it(user):
    group = ResearchGroupFactory()
    submission = submission_create(
        submitter=user, kind=Kind.NEW, values=new_values(groups=[group]), note="Found it today."
    )
    submission.refresh_from_db()
    assert submission.state == State.PENDING
    assert submission.canonical_key == "arxiv:2403.19647"
    assert submission.tag_names == ["circuits", "sparse-autoencoders"]
    assert list(submission.groups.all()) == [group]
    assert submission.note == "Found it today."
    assert actions(submission) == [("submitted", "", "pending")]
    assert submission.events.get().actor == user


def test_submission_create_keeps_tags_as_text_until_approval(user):
    submission_create(submitter=user, kind=Kind.NEW, values=new_values(tags=["brand-new-word"]))
    assert not Tag.objects.filter(name="brand-new-word").exists()


def test_submission_create_refuses_a_work_already_published_and_names_it(user):
    listed = ResourceFactory(
        title="Sparse Feature Circuits", url="https://arxiv.org/abs/2403.19647"
    )
    with pytest.raises(DuplicateWork) as refusal:
        submission_create(
            submitter=user,
            kind=Kind.NEW,
            values=new_values(url="https://arxiv.org/pdf/2403.19647v2.pdf"),
        )
    assert refusal.value.resource == listed
    assert "already in the catalog" in refusal.value.message
    assert not Submission.objects.exists()


def test_submission_create_refuses_a_work_listed_by_an_extra_link(user):
    listed = ResourceFactory()
    listed.links.create(label="OpenReview", url="https://openreview.net/forum?id=abc123")
    with pytest.raises(DuplicateWork):
        submission_create(
            submitter=user,
            kind=Kind.NEW,
            values=new_values(url="https://openreview.net/pdf?id=abc123"),
        )


def test_submission_create_refuses_an_archived_work_without_naming_it(user):
    ResourceFactory(title="Hidden title", url="https://example.org/hidden", archived=True)
    with pytest.raises(DuplicateWork) as refusal:
        submission_create(
            submitter=user, kind=Kind.NEW, values=new_values(url="https://example.org/hidden/")
        )
    assert refusal.value.resource is None
    assert "Hidden title" not in refusal.value.message


def test_submission_create_refuses_a_work_already_proposed(user):
    SubmissionFactory(url="https://arxiv.org/abs/2403.19647")
    with pytest.raises(DuplicateWork) as refusal:
        submission_create(
            submitter=user,
            kind=Kind.NEW,
            values=new_values(url="http://www.arxiv.org/abs/2403.19647v3"),
        )
    assert "already been proposed" in refusal.value.message


def test_submission_create_accepts_a_work_whose_earlier_proposal_was_rejected(user):
    SubmissionFactory(url="https://arxiv.org/abs/2403.19647", rejected=True)
    submission = submission_create(submitter=user, kind=Kind.NEW, values=new_values())
    assert submission.state == State.PENDING


def test_submission_create_refuses_past_the_daily_limit(user, settings):
    settings.SUBMISSIONS_DAILY_LIMIT = 3
    SubmissionFactory.create_batch(3, submitter=user, withdrawn=True)
    with pytest.raises(LimitReached) as refusal:
        submission_create(submitter=user, kind=Kind.NEW, values=new_values())
    assert "3 proposals in the last 24 hours" in refusal.value.message


def test_submission_create_counts_only_the_last_day_for_the_daily_limit(user, settings):
    settings.SUBMISSIONS_DAILY_LIMIT = 2
    old = SubmissionFactory.create_batch(2, submitter=user, withdrawn=True)
    Submission.objects.filter(pk__in=[s.pk for s in old]).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    assert submission_create(submitter=user, kind=Kind.NEW, values=new_values())


def test_submission_create_refuses_past_the_pending_limit(user, settings):
    settings.SUBMISSIONS_PENDING_LIMIT = 2
    SubmissionFactory.create_batch(2, submitter=user)
    with pytest.raises(LimitReached) as refusal:
        submission_create(submitter=user, kind=Kind.NEW, values=new_values())
    assert "2 proposals waiting for review" in refusal.value.message


def test_submission_create_correction_snapshots_the_resource(user):
    resource = ResourceFactory(title="Old title", tags=["probing"])
    values = new_values(url=resource.url, title="New title", tags=["probing"])
    submission = submission_create(
        submitter=user, kind=Kind.CORRECTION, resource=resource, values=values
    )
    assert submission.original["title"] == "Old title"
    assert submission.resource == resource
    assert "title" in submission.changed_fields()


def test_submission_create_correction_refuses_a_url_of_another_listed_work(user):
    resource = ResourceFactory()
    other = ResourceFactory(url="https://example.org/other-work")
    with pytest.raises(DuplicateWork) as refusal:
        submission_create(
            submitter=user,
            kind=Kind.CORRECTION,
            resource=resource,
            values=new_values(url="https://example.org/other-work"),
        )
    assert refusal.value.resource == other


@pytest.mark.parametrize("kind", [Kind.CORRECTION, Kind.BROKEN_LINK])
def test_submission_create_refuses_corrections_and_reports_of_unpublished_resources(user, kind):
    draft = ResourceFactory(draft=True)
    with pytest.raises(SubmissionError):
        submission_create(submitter=user, kind=kind, resource=draft, values=new_values())


def test_submission_create_broken_link_refuses_a_second_open_report(user):
    resource = ResourceFactory()
    SubmissionFactory(broken_link=True, resource=resource)
    with pytest.raises(DuplicateWork) as refusal:
        submission_create(
            submitter=user, kind=Kind.BROKEN_LINK, resource=resource, values={}, problem="moved"
        )
    assert "already been reported" in refusal.value.message


# Approving


def test_submission_approve_creates_the_published_resource_with_tags_and_groups(moderator):
    group = ResearchGroupFactory()
    submission = SubmissionFactory(tags="circuits, sparse-autoencoders", code_url="https://x.org")
    submission.groups.add(group)

    approved = submission_approve(submission=submission, reviewer=moderator, note="Welcome.")

    resource = Resource.objects.get()
    assert approved.state == State.APPROVED
    assert approved.resource == resource
    assert resource.is_published and resource.published_at is not None
    assert resource.title == submission.title and resource.url == submission.url
    assert sorted(resource.tags.names()) == ["circuits", "sparse-autoencoders"]
    assert list(resource.groups.all()) == [group]
    assert resource.author_names() == ["Ada Lovelace", "Alan Turing"]
    assert approved.moderator_note == "Welcome." and approved.decided_at is not None
    assert actions(approved)[-1] == ("approved", "pending", "approved")
    assert approved.events.last().actor == moderator


def test_submission_approve_twice_is_refused_and_creates_one_resource(moderator):
    submission = SubmissionFactory()
    submission_approve(submission=submission, reviewer=moderator)
    with pytest.raises(InvalidTransition) as refusal:
        submission_approve(submission=submission, reviewer=moderator)
    assert "is approved, so it cannot be approved" in refusal.value.message
    assert Resource.objects.count() == 1
    assert submission.events.filter(action="approved").count() == 1


def test_submission_approve_refuses_a_work_listed_meanwhile(moderator):
    submission = SubmissionFactory(url="https://example.org/late")
    ResourceFactory(url="https://example.org/late/")
    with pytest.raises(DuplicateWork):
        submission_approve(submission=submission, reviewer=moderator)
    submission.refresh_from_db()
    assert submission.state == State.PENDING
    assert Resource.objects.count() == 1


def test_submission_approve_correction_changes_only_the_changed_fields(moderator):
    resource = ResourceFactory(title="Old", authors="A. Author", tags=["probing"])
    submission = SubmissionFactory(
        correction=True, resource=resource, title="New", tags="probing, circuits"
    )
    # A curator edits another field after the correction was proposed.
    resource_set_authors(resource, ["A. Author", "B. Author"])

    submission_approve(submission=submission, reviewer=moderator)

    resource.refresh_from_db()
    assert resource.title == "New"
    assert resource.author_names() == ["A. Author", "B. Author"]
    assert sorted(resource.tags.names()) == ["circuits", "probing"]
    assert Resource.objects.count() == 1


def test_submission_approve_broken_link_acknowledges_it_and_leaves_the_resource(moderator):
    submission = SubmissionFactory(broken_link=True)
    before = submission.resource.title
    approved = submission_approve(submission=submission, reviewer=moderator, note="Fixing.")
    assert approved.state == State.APPROVED
    approved.resource.refresh_from_db()
    assert approved.resource.title == before


def test_submission_approve_by_staff_without_the_moderate_permission_is_refused():
    submission = SubmissionFactory()
    staff = UserFactory(staff=True)
    with pytest.raises(NotAllowed):
        submission_approve(submission=submission, reviewer=staff)
    submission.refresh_from_db()
    assert submission.state == State.PENDING
    assert not Resource.objects.exists()


# Rejecting and sending back


def test_submission_reject_records_the_note(moderator):
    submission = SubmissionFactory()
    rejected = submission_reject(submission=submission, reviewer=moderator, note="Off topic.")
    assert rejected.state == State.REJECTED
    assert rejected.moderator_note == "Off topic."
    assert actions(rejected)[-1] == ("rejected", "pending", "rejected")
    assert not Resource.objects.exists()


def test_submission_reject_of_an_approved_proposal_is_refused(moderator):
    submission = SubmissionFactory(approved=True)
    with pytest.raises(InvalidTransition):
        submission_reject(submission=submission, reviewer=moderator, note="Oops")
    submission.refresh_from_db()
    assert submission.state == State.APPROVED


@pytest.mark.parametrize("trait", ["rejected", "withdrawn", "changes_requested"])
def test_submission_approve_of_a_proposal_not_pending_is_refused(moderator, trait):
    submission = SubmissionFactory(**{trait: True})
    with pytest.raises(InvalidTransition):
        submission_approve(submission=submission, reviewer=moderator)
    assert not Resource.objects.exists()


def test_submission_request_changes_needs_a_note(moderator):
    submission = SubmissionFactory()
    with pytest.raises(SubmissionError):
        submission_request_changes(submission=submission, reviewer=moderator, note="  ")
    submission.refresh_from_db()
    assert submission.state == State.PENDING


def test_submission_request_changes_then_resubmit_makes_it_pending_again(moderator):
    submission = SubmissionFactory(title="Typo in titel")
    submission_request_changes(submission=submission, reviewer=moderator, note="Fix the title.")
    values = new_values(url=submission.url, title="Typo in title")

    resubmitted = submission_resubmit(
        submission=submission, user=submission.submitter, values=values, note="Fixed."
    )

    assert resubmitted.state == State.PENDING
    assert resubmitted.title == "Typo in title"
    assert resubmitted.note == "Fixed."
    assert [action for action, _, _ in actions(resubmitted)] == [
        "changes_requested",
        "resubmitted",
    ]


def test_submission_resubmit_of_someone_elses_proposal_is_refused():
    submission = SubmissionFactory(changes_requested=True, title="Mine")
    with pytest.raises(NotAllowed):
        submission_resubmit(submission=submission, user=UserFactory(), values=new_values(), note="")
    submission.refresh_from_db()
    assert submission.title == "Mine" and submission.state == State.CHANGES_REQUESTED


def test_submission_resubmit_of_a_pending_proposal_is_refused():
    submission = SubmissionFactory()
    with pytest.raises(InvalidTransition):
        submission_resubmit(
            submission=submission, user=submission.submitter, values=new_values(), note=""
        )


# Withdrawing


def test_submission_withdraw_by_its_submitter(moderator):
    submission = SubmissionFactory()
    withdrawn = submission_withdraw(submission=submission, user=submission.submitter)
    assert withdrawn.state == State.WITHDRAWN
    assert actions(withdrawn)[-1] == ("withdrawn", "pending", "withdrawn")
    with pytest.raises(InvalidTransition):
        submission_approve(submission=withdrawn, reviewer=moderator)


def test_submission_withdraw_of_someone_elses_proposal_is_refused():
    submission = SubmissionFactory()
    with pytest.raises(NotAllowed):
        submission_withdraw(submission=submission, user=UserFactory())
    submission.refresh_from_db()
    assert submission.state == State.PENDING


@pytest.mark.parametrize("trait", ["approved", "rejected", "changes_requested", "withdrawn"])
def test_submission_withdraw_of_a_proposal_not_pending_is_refused(trait):
    submission = SubmissionFactory(**{trait: True})
    with pytest.raises(InvalidTransition):
        submission_withdraw(submission=submission, user=submission.submitter)


# The review log


def test_review_log_entries_cannot_be_changed_or_deleted(moderator):
    submission = SubmissionFactory()
    submission_reject(submission=submission, reviewer=moderator, note="No.")
    entry = SubmissionEvent.objects.latest("id")
    entry.note = "Rewritten history"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        SubmissionEvent.objects.update(note="")
    with pytest.raises(AppendOnlyError):
        SubmissionEvent.objects.all().delete()
    entry.refresh_from_db()
    assert entry.note == "No."
