"""A member's own data: everything as JSON, and deleting the account."""

import json

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Resource
from library import services
from library.models import DigestSubscription, Follow, Popularity, ReadingList, SavedWork
from submissions.models import Submission, SubmissionEvent
from submissions.services import submission_approve
from tests.factories import TEST_PASSWORD, SubmissionFactory, UserFactory
from tests.library.conftest import make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_with_everything(owner, other, works, moderator, django_capture_on_commit_callbacks):
    make_list(owner, works, public=True, share_notes=True)
    services.work_save(user=other, resource=works["sae"])
    services.follow_add(user=owner, target_kind="category", target=works["sae"].category)
    approved = SubmissionFactory(submitter=owner, title="My approved proposal")
    with django_capture_on_commit_callbacks(execute=True):
        submission_approve(submission=approved, reviewer=moderator)
    SubmissionFactory(submitter=owner, title="My pending proposal")
    SubmissionFactory(submitter=other, title="Someone else's proposal")
    return owner


def test_export_holds_everything_about_the_member_and_nothing_else(client, member_with_everything):
    client.force_login(member_with_everything)
    response = client.get("/my-data/export.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["username"] == "owner"
    assert sorted(p["title"] for p in data["proposals"]) == [
        "My approved proposal",
        "My pending proposal",
    ]
    [reading_list] = data["lists"]
    assert reading_list["public"] is True
    assert [work["note"] for work in reading_list["works"]] == [
        "My private note on sae",
        "My private note on archived",
        "My private note on ioi",
    ]
    assert data["follows"] == [{"kind": "category", "slug": "papers", "name": "Papers"}]
    assert data["digest"]["frequency"] == "weekly"
    assert "Someone else" not in response.content.decode()


def test_my_data_needs_an_account(client):
    assert client.get("/my-data/export.json")["Location"].startswith("/accounts/login/")
    assert client.get("/my-data/")["Location"].startswith("/accounts/login/")


def test_deleting_asks_for_the_password_and_a_post(client, member_with_everything):
    client.force_login(member_with_everything)
    assert client.get("/my-data/delete/").status_code == 405
    response = client.post("/my-data/delete/", {"password": "wrong"})
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    assert get_user_model().objects.filter(username="owner").exists()


def test_account_without_a_password_confirms_by_typing(client):
    member = UserFactory(username="social")
    member.set_unusable_password()
    member.save()
    client.force_login(member)
    assert client.post("/my-data/delete/", {"confirmation": "delete"}).status_code == 400
    response = client.post("/my-data/delete/", {"confirmation": "Delete my account"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="social").exists()


def test_deleting_the_account_removes_its_lists_and_keeps_approved_works_nameless(
    client, member_with_everything, works
):
    owner = member_with_everything
    public_list = ReadingList.objects.get(owner=owner)
    list_address = public_list.get_absolute_url()
    assert client.get(list_address).status_code == 200
    client.force_login(owner)
    response = client.post("/my-data/delete/", {"password": TEST_PASSWORD})
    assert response["Location"] == "/"
    assert not get_user_model().objects.filter(username="owner").exists()
    # Signed out, and everything of theirs alone is gone.
    assert "_auth_user_id" not in client.session
    assert client.get(list_address).status_code == 404
    assert client.get("/api/lists/owner/sae-reading/").status_code == 404
    assert not ReadingList.objects.filter(pk=public_list.pk).exists()
    assert not Follow.objects.exists()
    assert not DigestSubscription.objects.exists()
    # Popularity no longer counts them; the other member's save still counts.
    assert Popularity.objects.get(resource=works["sae"]).members == 1
    assert Popularity.objects.get(resource=works["ioi"]).members == 0
    assert SavedWork.objects.count() == 1
    # The approved proposal's work stays published; the proposals stay, without a name.
    approved = Submission.objects.get(title="My approved proposal")
    assert approved.submitter is None
    assert approved.resource.status == Resource.Status.PUBLISHED
    pending = Submission.objects.get(title="My pending proposal")
    assert pending.state == Submission.State.WITHDRAWN
    # The review log stays whole: every step, the withdrawal too, with the actor unnamed.
    events = SubmissionEvent.objects.filter(submission=pending).order_by("id")
    assert [event.action for event in events] == ["withdrawn"]
    assert all(event.actor is None for event in events)
    assert "by a deleted account" in str(events[0])
    approval = SubmissionEvent.objects.get(submission=approved, action="approved")
    assert approval.actor.username == "mod"
    assert client.get(approved.resource.get_absolute_url()).status_code == 200


def test_admin_queue_copes_with_a_deleted_submitter(moderator_client, member_with_everything):
    services.account_delete(user=member_with_everything)
    # The queue opens on pending proposals; the withdrawn and approved ones are under "All".
    response = moderator_client.get("/admin/submissions/submission/?state__exact=all")
    assert response.status_code == 200
    assert "(deleted account)" in response.content.decode()
