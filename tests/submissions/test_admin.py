"""The moderation queue in the admin: filters, automatic checks, actions, the correction diff."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.tasks import task_backends
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Resource
from submissions.duplicates import SIMILAR_TITLES_PER_PROPOSAL
from submissions.models import Submission, SubmissionEvent
from submissions.services import submission_approve
from tests.factories import ResearchGroupFactory, ResourceFactory, SubmissionFactory, UserFactory
from tests.local_http import PUBLIC, FakeNetwork, LocalServer, ServerState

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:submissions_submission_changelist")


def change_page(submission):
    return reverse("admin:submissions_submission_change", args=[submission.pk])


def act(client, action, submissions, query="", **extra):
    data = {"action": action, "_selected_action": [s.pk for s in submissions], "index": 0}
    return client.post(QUEUE + query, data | extra, follow=True)


def test_migration_makes_a_moderators_group_with_the_moderate_permission():
    group = Group.objects.get(name="Moderators")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"moderate_submission", "view_submission", "view_submissionevent"} <= codenames


def test_queue_filters_by_state_kind_and_age(moderator_client):
    SubmissionFactory(title="Fresh new one")
    SubmissionFactory(title="Old correction", correction=True)
    SubmissionFactory(title="Rejected one", rejected=True)
    Submission.objects.filter(kind="correction").update(
        created_at=timezone.now() - timedelta(days=40)
    )

    def titles(query):
        response = moderator_client.get(QUEUE + query)
        return {submission.title for submission in response.context["cl"].result_list}

    assert titles("") == {"Fresh new one", "Old correction"}  # the queue opens on pending
    assert titles("?state__exact=pending") == {"Fresh new one", "Old correction"}
    assert titles("?kind__exact=correction") == {"Old correction"}
    assert titles("?age=day&state__exact=all") == {"Fresh new one", "Rejected one"}
    assert titles("?state__exact=rejected") == {"Rejected one"}
    assert titles("?age=month") == {"Old correction"}


def test_queue_lists_the_oldest_first(moderator_client):
    SubmissionFactory(title="Newer")
    older = SubmissionFactory(title="Older")
    Submission.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    response = moderator_client.get(QUEUE)
    assert [s.title for s in response.context["cl"].result_list] == ["Older", "Newer"]


def test_queue_rows_show_the_automatic_checks(moderator_client):
    veteran = UserFactory(username="veteran")
    veteran.date_joined = timezone.now() - timedelta(days=400)
    veteran.save()
    SubmissionFactory.create_batch(2, submitter=veteran, approved=True)
    listed = ResourceFactory(url="https://example.org/listed-work")
    SubmissionFactory(
        submitter=veteran,
        title="Duplicate of a listed work",
        url="https://www.example.org/listed-work/",
        url_check="answered",
        url_check_detail="HTTP 200",
    )
    SubmissionFactory(title="Twin A", url="https://example.org/twin")
    SubmissionFactory(title="Twin B", url="https://example.org/twin?utm_source=x")

    response = moderator_client.get(QUEUE + "?state__exact=pending")
    page = response.content.decode()

    assert reverse("admin:catalog_resource_change", args=[listed.pk]) in page
    assert "already listed" in page
    assert "other proposal" in page
    assert "HTTP 200" in page
    assert "not checked yet" in page
    rows = {s.title: s for s in response.context["cl"].result_list}
    assert rows["Duplicate of a listed work"].submitter_approvals == 2
    assert "1\xa0year" in page  # the veteran's account age


def test_approve_action_asks_with_each_description_before_publishing(moderator_client):
    first = SubmissionFactory(title="First", description="Says *what* the first one does.")
    second = SubmissionFactory(title="Second", url="https://example.org/second?utm_source=x")
    page = act(moderator_client, "approve", [first, second]).content.decode()
    assert "Approve these proposals?" in page
    assert "Says <em>what</em> the first one does." in page
    assert "https://example.org/second" in page and "Automatic checks" in page
    assert not Resource.objects.exists()  # nothing published before the confirmation

    response = act(moderator_client, "approve", [first, second], apply="1")
    assert "Approved: “First”, “Second”." in response.content.decode()
    assert set(Resource.objects.published().values_list("title", flat=True)) == {"First", "Second"}


def test_approve_action_reports_refusals_one_by_one(moderator_client):
    done = SubmissionFactory(title="Done already", approved=True)
    waiting = SubmissionFactory(title="Waiting")
    page = act(
        moderator_client, "approve", [done, waiting], "?state__exact=all", apply="1"
    ).content.decode()
    assert "“Done already” is approved, so it cannot be approved" in page
    assert "Approved: “Waiting”." in page


@pytest.mark.django_db(transaction=True)
def test_approving_a_selection_changes_the_catalog_once_and_keeps_the_others_on_a_refusal(
    moderator_client, mailoutbox
):
    first = SubmissionFactory(title="First work", url="https://example.org/same-work")
    twin = SubmissionFactory(title="Its twin", url="https://example.org/same-work/")
    third = SubmissionFactory(title="Third work", url="https://example.org/third")
    with CaptureQueriesContext(connection) as queries:
        page = act(moderator_client, "approve", [first, twin, third], apply="1").content.decode()
    assert "This work is already in the catalog as “First work”." in page
    assert "Approved: “First work”, “Third work”." in page
    assert set(Resource.objects.published().values_list("title", flat=True)) == {
        "First work",
        "Third work",
    }
    twin.refresh_from_db()
    assert twin.state == Submission.State.PENDING
    version_writes = [
        query["sql"]
        for query in queries
        if "catalog_catalogversion" in query["sql"]
        and query["sql"].startswith(("UPDATE", "INSERT"))
    ]
    assert len(version_writes) == 1
    assert {message.to[0] for message in mailoutbox} == {
        first.submitter.email,
        third.submitter.email,
    }


def test_an_action_posted_from_the_queue_does_not_look_for_duplicates(
    moderator_client, monkeypatch
):
    waiting = SubmissionFactory(title="Waiting")

    def refuse(submissions):
        raise AssertionError("duplicates looked up for a page nobody sees")

    monkeypatch.setattr("submissions.admin.attach_duplicates", refuse)
    response = act(moderator_client, "approve", [waiting], apply="1")
    assert response.status_code == 200
    waiting.refresh_from_db()
    assert waiting.state == Submission.State.APPROVED


def test_a_proposal_shows_at_most_five_similar_titles(moderator_client):
    for number in range(8):
        SubmissionFactory(title=f"Sparse feature circuits in small models {number}")
    submission = SubmissionFactory(title="Sparse feature circuits in small models")
    page = moderator_client.get(change_page(submission)).content.decode()
    assert page.count("similar title (") == SIMILAR_TITLES_PER_PROPOSAL == 5


def test_reject_action_asks_for_a_note_then_rejects(moderator_client, moderator):
    submission = SubmissionFactory(title="Off topic")
    page = act(moderator_client, "reject", [submission]).content.decode()
    assert "These proposals will be rejected" in page and "Off topic" in page
    assert 'name="note"' in page
    submission.refresh_from_db()
    assert submission.state == "pending"

    act(moderator_client, "reject", [submission], apply="1", note="Not about LLMs.")

    submission.refresh_from_db()
    assert submission.state == "rejected"
    assert submission.moderator_note == "Not about LLMs."
    assert submission.events.last().actor == moderator


def test_request_changes_action_needs_a_note(moderator_client):
    submission = SubmissionFactory()
    page = act(moderator_client, "request_changes", [submission], apply="1", note="").content
    assert "Say what the submitter should change." in page.decode()
    submission.refresh_from_db()
    assert submission.state == "pending"

    act(moderator_client, "request_changes", [submission], apply="1", note="Add the authors.")
    submission.refresh_from_db()
    assert submission.state == "changes_requested"


def test_change_page_of_a_correction_shows_the_diff(moderator_client):
    resource = ResourceFactory(
        title="Pythia", description="A suite of models for interpretability.", year=2022
    )
    submission = SubmissionFactory(
        correction=True,
        resource=resource,
        title="Pythia",
        description="A suite of sixteen models for interpretability research.",
        year=2023,
    )
    page = moderator_client.get(change_page(submission)).content.decode()
    assert "Changes proposed" in page
    assert "in the catalog now" in page
    assert "<ins>sixteen</ins>" in page
    assert "<del>interpretability.</del>" in page
    assert "2022" in page and "2023" in page
    assert '<th scope="row">Title</th>' not in page  # unchanged fields are left out


def test_change_page_of_a_broken_link_report_points_to_the_resource(moderator_client):
    report = SubmissionFactory(broken_link=True)
    page = moderator_client.get(change_page(report)).content.decode()
    assert "it does not change the resource" in page
    assert f'href="/admin/catalog/resource/{report.resource_id}/change/"' in page


def test_change_page_offers_decisions_to_moderators_only(moderator_client, client):
    submission = SubmissionFactory()
    page = moderator_client.get(change_page(submission)).content.decode()
    assert 'name="_approve"' in page and 'name="_approve_next"' in page
    assert 'name="_request_changes"' in page and 'name="_reject"' in page

    staff = UserFactory(staff=True)
    staff.user_permissions.add(
        *Group.objects.get(name="Moderators").permissions.exclude(codename="moderate_submission")
    )
    client.force_login(staff)
    page = client.get(change_page(submission)).content.decode()
    assert 'name="_approve"' not in page


def test_change_page_of_a_decided_proposal_offers_no_decision(moderator_client, moderator):
    submission = SubmissionFactory()
    submission_approve(submission=submission, reviewer=moderator)
    page = moderator_client.get(change_page(submission)).content.decode()
    assert 'name="_approve"' not in page
    assert "Approved" in page  # the review log inline


def test_review_log_cannot_be_added_changed_or_deleted_in_the_admin(client, staff_user):
    submission = SubmissionFactory()
    submission_approve(submission=submission, reviewer=staff_user)
    entry = SubmissionEvent.objects.latest("id")
    client.force_login(staff_user)  # a superuser, who could otherwise do anything
    assert client.get(reverse("admin:submissions_submissionevent_add")).status_code == 403
    delete = reverse("admin:submissions_submissionevent_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:submissions_submissionevent_change", args=[entry.pk])
    client.post(change, {"note": "rewritten"})
    entry.refresh_from_db()
    assert entry.note == ""
    assert SubmissionEvent.objects.filter(pk=entry.pk).exists()


def test_proposals_cannot_be_edited_by_staff_who_do_not_moderate(client):
    submission = SubmissionFactory(title="As sent")
    staff = UserFactory(staff=True)
    staff.user_permissions.add(
        *Group.objects.get(name="Moderators").permissions.exclude(codename="moderate_submission")
    )
    client.force_login(staff)
    client.post(change_page(submission), {"title": "Edited", "state": "approved"})
    submission.refresh_from_db()
    assert submission.title == "As sent" and submission.state == "pending"


def test_decided_proposals_cannot_be_edited(moderator_client, moderator):
    submission = SubmissionFactory(title="As sent")
    submission_approve(submission=submission, reviewer=moderator)
    response = moderator_client.post(change_page(submission), {"title": "Edited"})
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.title == "As sent"


# The URL check: against servers on loopback; only DNS is faked, where a test needs it.


@pytest.fixture(scope="module")
def site():
    server = LocalServer("127.0.0.1", ServerState(slow_seconds=2.0)).start()
    yield server
    server.stop()


@pytest.fixture
def server(site):
    site.state.reset()
    return site


def test_check_submission_urls_stores_whether_each_pending_url_answered(server):
    pending = SubmissionFactory(url=server.url + "/ok?x=1")
    decided = SubmissionFactory(rejected=True, url=server.url + "/ok?x=2")
    output = io.StringIO()

    call_command("check_submission_urls", stdout=output)

    pending.refresh_from_db()
    decided.refresh_from_db()
    assert pending.url_check == "answered" and pending.url_check_detail == "HTTP 200"
    assert pending.url_checked_at is not None
    assert decided.url_check == "unchecked"
    assert server.state.hits == [("HEAD", "/ok")]
    assert "Checked 1 proposal URL(s)." in output.getvalue()


def test_check_submission_urls_records_a_url_that_did_not_answer(server):
    submission = SubmissionFactory(url=server.url + "/slow")

    call_command("check_submission_urls", "--timeout", "0.3", stdout=io.StringIO())

    submission.refresh_from_db()
    assert submission.url_check == "failed" and submission.url_check_detail == "timed out"


def test_check_submission_urls_never_contacts_a_private_address(server, settings, monkeypatch):
    settings.FETCH_ALLOW_PRIVATE_NETWORKS = False
    network = FakeNetwork(monkeypatch, answers=["10.1.2.3"], route_to=server)
    submission = SubmissionFactory(url="https://sneaky.example.org/")

    call_command("check_submission_urls", stdout=io.StringIO())

    submission.refresh_from_db()
    assert network.connections == []
    assert submission.url_check == "failed"
    assert "10.1.2.3, not a public address" in submission.url_check_detail


def test_check_submission_urls_never_follows_a_redirect_to_loopback(server, settings, monkeypatch):
    settings.FETCH_ALLOW_PRIVATE_NETWORKS = False
    FakeNetwork(monkeypatch, answers=[PUBLIC], route_to=server)
    port = server.server_address[1]
    submission = SubmissionFactory(
        url=f"http://public.example:{port}/redirect?to=http://127.0.0.1:{port}/ok"
    )

    call_command("check_submission_urls", stdout=io.StringIO())

    submission.refresh_from_db()
    assert submission.url_check == "failed"
    assert "not a public address" in submission.url_check_detail
    assert server.state.hits_for("/ok") == []


def test_check_submission_urls_falls_back_to_get_when_head_is_refused(server):
    SubmissionFactory(url=server.url + "/no-head")

    call_command("check_submission_urls", stdout=io.StringIO())

    assert server.state.hits_for("/no-head") == ["HEAD", "GET"]


def test_check_submission_urls_can_leave_the_work_to_the_task_worker(server):
    submission = SubmissionFactory(url=server.url + "/ok")
    output = io.StringIO()

    # Tests run tasks where they are queued, so the check is done when this returns.
    call_command("check_submission_urls", "--enqueue", stdout=output)

    assert "Queued the proposal URL checks" in output.getvalue()
    submission.refresh_from_db()
    assert submission.url_check == "answered"


def test_queue_action_queues_the_url_checks_and_fetches_nothing_itself(
    server, moderator_client, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    chosen = SubmissionFactory(url=server.url + "/ok")
    SubmissionFactory(url=server.url + "/ok?other")

    response = act(moderator_client, "check_urls", [chosen])

    assert "Queued 1 URL check(s)" in response.content.decode()
    assert server.state.hits == []
    backend = task_backends["default"]
    assert [result.kwargs for result in backend.results] == [{"submission_id": chosen.pk}]
    assert [result.task.name for result in backend.results] == ["check_proposal_url"]


def test_queue_query_count_does_not_grow_with_proposals(
    moderator_client, django_assert_max_num_queries
):
    for _ in range(5):
        SubmissionFactory()
        SubmissionFactory(correction=True)
    # Possible duplicates take five of these for the whole page, the header's count one.
    with django_assert_max_num_queries(15):
        response = moderator_client.get(QUEUE)
    assert response.context["cl"].result_count == 10
    for _ in range(10):
        SubmissionFactory()
    with django_assert_max_num_queries(15):
        response = moderator_client.get(QUEUE)
    assert response.context["cl"].result_count == 20


# Editing before deciding, and the decision buttons of the change page.


def change_data(submission, **overrides):
    """What the change page posts back: the proposal's fields as shown, with ``overrides``."""
    events = submission.events.count()
    data = {
        "title": submission.title,
        "url": submission.url,
        "description": submission.description,
        "category": submission.category_id or "",
        "tags": submission.tags,
        "groups": [group.pk for group in submission.groups.all()],
        "year": submission.year or "",
        "authors": submission.authors,
        "venue": submission.venue,
        "code_url": submission.code_url,
        "extra_links": "\n".join(f"{label} {url}" for label, url in submission.extra_links),
        "reason": "",
        "decision_note": "",
        "events-TOTAL_FORMS": events,
        "events-INITIAL_FORMS": events,
        "events-MIN_NUM_FORMS": 0,
        "events-MAX_NUM_FORMS": 1000,
    }
    for number, event in enumerate(submission.events.order_by("created_at", "id")):
        data[f"events-{number}-id"] = event.pk
        data[f"events-{number}-submission"] = submission.pk
    return {key: value for key, value in (data | overrides).items() if value is not None}


def test_moderator_edits_a_proposal_and_approves_it_landing_on_the_next(
    moderator_client, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    group = ResearchGroupFactory(name="Transluce")
    submission = SubmissionFactory(
        title="Tracing thoughts", url="https://example.org/wrong", venue="", tags="circuits"
    )
    following = SubmissionFactory(title="The next one")
    Submission.objects.filter(pk=following.pk).update(created_at=timezone.now() + timedelta(1))
    data = change_data(
        submission,
        url="https://www.anthropic.com/research/tracing-thoughts?utm_source=x#intro",
        venue="Anthropic blog",
        groups=[group.pk],
        extra_links="Paper https://transformer-circuits.pub/2025/attribution-graphs/biology.html",
        _approve_next="1",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(change_page(submission), data)

    assert response.status_code == 302
    assert response["Location"] == change_page(following)
    submission.refresh_from_db()
    assert submission.state == "approved"
    resource = submission.resource
    assert resource.url == "https://anthropic.com/research/tracing-thoughts"
    assert resource.venue == "Anthropic blog"
    assert list(resource.groups.all()) == [group]
    assert list(resource.links.values_list("label", flat=True)) == ["Paper"]
    edit = submission.events.get(action="edited")
    assert edit.actor == moderator
    assert edit.changes["url"] == [
        "https://example.org/wrong",
        "https://anthropic.com/research/tracing-thoughts",
    ]
    assert edit.changes["url_as_typed"][0].endswith("utm_source=x#intro")  # the original, kept
    assert edit.changes["venue"] == ["", "Anthropic blog"]
    body = mailoutbox[0].body
    assert "Before deciding, a curator changed your proposal" in body
    assert "- URL: https://example.org/wrong" in body
    assert "became: https://anthropic.com/research/tracing-thoughts" in body
    assert "- Venue: (empty)" in body and "became: Anthropic blog" in body
    assert "- Research groups: (empty)" in body and "became: Transluce" in body


def test_approve_without_edits_logs_no_edit_and_returns_to_the_queue(
    moderator_client, mailoutbox, django_capture_on_commit_callbacks
):
    submission = SubmissionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            change_page(submission), change_data(submission, _approve="1")
        )
    assert response["Location"] == QUEUE
    submission.refresh_from_db()
    assert submission.state == "approved"
    assert not submission.events.filter(action="edited").exists()
    assert "Before deciding" not in mailoutbox[0].body


def test_reject_with_a_canned_reason_fills_the_note(
    moderator_client, mailoutbox, django_capture_on_commit_callbacks
):
    submission = SubmissionFactory()
    data = change_data(submission, reason="off_topic", _reject="1")
    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(change_page(submission), data)
    submission.refresh_from_db()
    assert submission.state == "rejected"
    assert submission.moderator_note.startswith("This is not about understanding")
    assert "This is not about understanding" in mailoutbox[0].body


def test_typed_note_wins_over_the_canned_reason(moderator_client):
    submission = SubmissionFactory()
    data = change_data(
        submission, reason="needs_metadata", decision_note="Add the venue.", _request_changes="1"
    )
    moderator_client.post(change_page(submission), data)
    submission.refresh_from_db()
    assert submission.state == "changes_requested"
    assert submission.moderator_note == "Add the venue."


def test_request_changes_without_a_note_is_refused_and_keeps_the_edit(moderator_client):
    submission = SubmissionFactory(venue="")
    data = change_data(submission, venue="ICML 2024", _request_changes="1")
    response = moderator_client.post(change_page(submission), data, follow=True)
    assert "a note is required" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == "pending" and submission.venue == "ICML 2024"


def test_edit_to_a_listed_work_is_refused(moderator_client):
    ResourceFactory(url="https://example.org/listed")
    submission = SubmissionFactory(url="https://example.org/new")
    data = change_data(submission, url="https://example.org/listed", _approve="1")
    page = moderator_client.post(change_page(submission), data, follow=True).content.decode()
    assert "Not saved: This work is already in the catalog" in page
    submission.refresh_from_db()
    assert submission.url == "https://example.org/new" and submission.state == "pending"


def test_change_page_marks_new_tags_and_shows_possible_duplicates(moderator_client):
    ResourceFactory(tags=["circuits"], title="Sparse Feature Circuits", url="https://a.org/x")
    other = SubmissionFactory(title="Sparse feature circuits!", url="https://b.org/y")
    submission = SubmissionFactory(
        title="Sparse Feature Circuits", url="https://a.org/x?utm_source=t", tags="circuits, zebra"
    )
    page = moderator_client.get(change_page(submission)).content.decode()
    assert '<span class="new-tag">zebra <small>new</small></span>' in page
    assert "circuits <small>new" not in page
    assert "same work" in page and "resource, published" in page
    assert change_page(other) in page and "similar title (100%)" in page
    assert "proposal, pending review" in page


def test_change_page_of_a_resubmission_shows_what_changed(moderator_client, moderator, user):
    from submissions.services import submission_request_changes, submission_resubmit

    submission = SubmissionFactory(submitter=user, venue="", authors="A. Person")
    submission_request_changes(submission=submission, reviewer=moderator, note="Add the venue.")
    values = submission.proposed_values() | {
        "venue": "NeurIPS 2024",
        "category": submission.category,
        "groups": [],
        "tags": submission.tag_names,
    }
    submission_resubmit(submission=submission, user=user, values=values)
    page = moderator_client.get(change_page(submission)).content.decode()
    assert "Changed since the previous round" in page
    assert "<ins>NeurIPS 2024</ins>" in page


def test_admin_index_and_site_header_show_moderators_the_number_waiting(moderator_client, client):
    SubmissionFactory.create_batch(3)
    SubmissionFactory(rejected=True)
    assert "<strong>3</strong> proposals waiting for review" in (
        moderator_client.get(reverse("admin:index")).content.decode()
    )
    assert "Review <span" in moderator_client.get("/").content.decode()
    assert "(3)" in moderator_client.get("/").content.decode()
    client.force_login(UserFactory())
    assert "Review <span" not in client.get("/").content.decode()
