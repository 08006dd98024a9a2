"""Mail: one message to the submitter per decision, sent only once the decision has committed."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from submissions.services import (
    submission_approve,
    submission_reject,
    submission_request_changes,
    submission_withdraw,
)
from tests.factories import SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_approval_mails_the_submitter_once_with_the_link(
    moderator, django_capture_on_commit_callbacks
):
    submission = SubmissionFactory(title="Great paper", submitter__email="ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        approved = submission_approve(submission=submission, reviewer=moderator, note="Thanks!")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert message.subject == "[awesome] Approved: Great paper"
    assert f"http://127.0.0.1:8000{approved.resource.get_absolute_url()}" in message.body
    assert "Thanks!" in message.body


def test_rejection_mails_the_note(moderator, django_capture_on_commit_callbacks):
    submission = SubmissionFactory(title="Off-topic")
    with django_capture_on_commit_callbacks(execute=True):
        submission_reject(submission=submission, reviewer=moderator, note="Not about LLMs.")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[awesome] Not accepted: Off-topic"
    assert "Not about LLMs." in mail.outbox[0].body


def test_request_for_changes_mails_the_edit_link(moderator, django_capture_on_commit_callbacks):
    submission = SubmissionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        submission_request_changes(submission=submission, reviewer=moderator, note="Add a year.")
    assert len(mail.outbox) == 1
    assert f"/proposals/{submission.pk}/edit/" in mail.outbox[0].body
    assert "Add a year." in mail.outbox[0].body


def test_decision_rolled_back_sends_no_mail(moderator, django_capture_on_commit_callbacks):
    submission = SubmissionFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submission_approve(submission=submission, reviewer=moderator)
        raise RuntimeError("something later in the same transaction failed")
    assert mail.outbox == []
    submission.refresh_from_db()
    assert submission.state == "pending"


def test_refused_decision_sends_no_mail(moderator, django_capture_on_commit_callbacks):
    submission = SubmissionFactory(approved=True)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        submission_approve(submission=submission, reviewer=moderator)
    assert mail.outbox == []


def test_withdrawal_sends_no_mail(django_capture_on_commit_callbacks):
    submission = SubmissionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        submission_withdraw(submission=submission, user=submission.submitter)
    assert mail.outbox == []


def test_submitter_without_an_email_address_gets_no_mail(
    moderator, django_capture_on_commit_callbacks
):
    submission = SubmissionFactory(submitter__email="")
    with django_capture_on_commit_callbacks(execute=True):
        submission_approve(submission=submission, reviewer=moderator)
    assert mail.outbox == []
    submission.refresh_from_db()
    assert submission.state == "approved"


def test_title_with_line_breaks_makes_a_one_line_subject(
    moderator, django_capture_on_commit_callbacks
):
    submission = SubmissionFactory(title="Line one\nBcc: victim@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        submission_reject(submission=submission, reviewer=moderator, note="")
    message = mail.outbox[0]
    assert "\n" not in message.subject
    assert message.recipients() == [submission.submitter.email]


def test_notify_moderators_mails_each_moderator_the_count_and_the_queue(settings):
    settings.SITE_URL = "https://awesome.example.org"
    first, second = UserFactory(moderator=True), UserFactory(moderator=True)
    UserFactory(staff=True)  # staff without the permission are not moderators
    UserFactory(moderator=True, is_active=False)
    SubmissionFactory.create_batch(3)
    SubmissionFactory(approved=True)

    output = io.StringIO()
    call_command("notify_moderators", stdout=output)

    assert "3 pending proposal(s); mailed 2 moderator(s)." in output.getvalue()
    assert sorted(message.to[0] for message in mail.outbox) == sorted([first.email, second.email])
    message = mail.outbox[0]
    assert message.subject == "[awesome] 3 proposals waiting for review"
    assert (
        "https://awesome.example.org/admin/submissions/submission/?state__exact=pending"
        in message.body
    )


def test_notify_moderators_sends_nothing_when_nothing_waits():
    UserFactory(moderator=True)
    SubmissionFactory(rejected=True)
    call_command("notify_moderators", stdout=io.StringIO())
    assert mail.outbox == []


def test_correction_approval_mail_names_the_work_by_its_title(
    moderator, django_capture_on_commit_callbacks
):
    correction = SubmissionFactory(correction=True, resource__title="TransformerLens")
    with django_capture_on_commit_callbacks(execute=True):
        submission_approve(submission=correction, reviewer=moderator)
    assert "Your correction to “TransformerLens” has been approved" in mail.outbox[0].body
