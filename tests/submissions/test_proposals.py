"""Proposing resources, corrections and broken links, and following them on "My proposals"."""

import pytest
from django.urls import reverse
from taggit.models import Tag

from submissions.models import Submission
from tests.factories import (
    CategoryFactory,
    ResearchGroupFactory,
    ResourceFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

State = Submission.State


@pytest.fixture
def papers(db):
    return CategoryFactory(name="Papers", slug="papers")


def proposal(category, **overrides):
    data = {
        "url": "https://arxiv.org/abs/2403.19647",
        "title": "Sparse Feature Circuits",
        "description": "Finds *interpretable* circuits.",
        "category": category.pk,
        "tags": "Circuits, sparse autoencoders, circuits",
        "year": "2024",
        "authors": "Samuel Marks, Can Rager",
        "code_url": "",
        "note": "A key paper.",
    }
    return data | overrides


def test_submit_creates_a_pending_proposal_and_shows_it_on_my_proposals(user_client, user, papers):
    group = ResearchGroupFactory(name="Bau Lab")
    response = user_client.post(
        reverse("submissions:create"), proposal(papers, groups=[group.pk]), follow=True
    )
    submission = Submission.objects.get()
    assert submission.submitter == user and submission.state == State.PENDING
    assert submission.tags == "circuits, sparse-autoencoders"
    assert list(submission.groups.all()) == [group]
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("submissions:mine")
    assert "waiting for review" in page
    assert "Sparse Feature Circuits" in page and "Pending review" in page
    assert not Tag.objects.exists()


def test_submit_form_labels_every_field_and_marks_required_ones(user_client, papers):
    page = user_client.get(reverse("submissions:create")).content.decode()
    for name in ("url", "title", "description", "category", "tags", "year", "authors", "note"):
        assert f'<label for="id_{name}"' in page
    assert 'aria-describedby="id_tags_helptext"' in page
    assert '<option value="" selected>Choose a category</option>' in page


def test_submit_with_errors_says_what_to_fix_and_keeps_everything_typed(user_client, papers):
    data = proposal(
        papers,
        url="ftp://files.example.org/paper.pdf",
        tags="ok, not_a tag!",
        year="1800",
        title="",
    )
    response = user_client.post(reverse("submissions:create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert not Submission.objects.exists()
    assert "starts with https:// or http://" in page
    assert "“not_a tag!” is not a tag" in page
    assert "Enter a year from 1900 on." in page
    assert "Give the work&#x27;s title." in page
    # What was typed is all still there.
    assert 'value="ftp://files.example.org/paper.pdf"' in page
    assert 'value="ok, not_a tag!"' in page
    assert "Finds *interpretable* circuits." in page
    assert 'value="Samuel Marks, Can Rager"' in page
    assert f'<option value="{papers.pk}" selected>' in page
    # Errors are tied to their fields for screen readers.
    assert 'id="id_url_error"' in page
    assert 'aria-describedby="id_url_error"' in page or "id_url_helptext id_url_error" in page


def test_submit_refuses_more_than_eight_tags(user_client, papers):
    tags = ", ".join(f"tag-{n}" for n in range(9))
    response = user_client.post(reverse("submissions:create"), proposal(papers, tags=tags))
    assert "Give at most 8 tags (you gave 9)." in response.content.decode()


def test_submit_of_a_listed_work_links_to_it_instead(user_client, papers):
    listed = ResourceFactory(
        title="Sparse Feature Circuits", url="https://arxiv.org/abs/2403.19647"
    )
    response = user_client.post(
        reverse("submissions:create"),
        proposal(papers, url="https://arxiv.org/pdf/2403.19647v2.pdf"),
    )
    page = response.content.decode()
    assert not Submission.objects.exists()
    assert "This work is already in the catalog" in page
    assert f'href="{listed.get_absolute_url()}"' in page


def test_submit_of_a_work_already_proposed_says_so(user_client, papers):
    SubmissionFactory(url="https://arxiv.org/abs/2403.19647", title="The earlier proposal")
    page = user_client.post(reverse("submissions:create"), proposal(papers)).content.decode()
    assert "already been proposed as “The earlier proposal”" in page
    assert 'href="https://arxiv.org/abs/2403.19647"' in page  # named with its link
    assert Submission.objects.count() == 1


def test_submit_page_shows_the_remaining_quota_above_the_form(user_client, user, settings):
    settings.SUBMISSIONS_DAILY_LIMIT, settings.SUBMISSIONS_PENDING_LIMIT = 3, 5
    SubmissionFactory(submitter=user)
    page = user_client.get(reverse("submissions:create")).content.decode()
    assert "You can send 2 more proposals today (3 a day)" in page
    assert "4 more waiting for review at once" in page
    assert page.index('id="quota"') < page.index('name="url"')


def test_submit_past_the_daily_limit_explains_and_offers_no_form(
    user_client, user, papers, settings
):
    settings.SUBMISSIONS_DAILY_LIMIT = 1
    SubmissionFactory(submitter=user, withdrawn=True)
    page = user_client.get(reverse("submissions:create")).content.decode()
    assert "You have sent 1 proposals in the last 24 hours" in page
    assert 'name="url"' not in page
    page = user_client.post(reverse("submissions:create"), proposal(papers)).content.decode()
    assert "please come back tomorrow" in page
    assert Submission.objects.count() == 1


def test_submit_past_the_pending_limit_offers_no_form(user_client, user, settings):
    settings.SUBMISSIONS_PENDING_LIMIT = 1
    SubmissionFactory(submitter=user)
    page = user_client.get(reverse("submissions:create")).content.decode()
    assert "You have 1 proposals waiting for review" in page
    assert 'name="url"' not in page


def test_propose_logged_out_explains_that_an_account_is_needed(client):
    page = client.get(reverse("submissions:create")).content.decode()
    assert "proposing a tool, paper, article or survey needs an account" in page
    assert f'href="{reverse("account_signup")}?next=/submit/"' in page
    assert 'name="url"' not in page


def test_submit_with_venue_and_extra_links(user_client, papers):
    data = proposal(papers, venue="ICLR 2024") | {
        "links-TOTAL_FORMS": "2", "links-INITIAL_FORMS": "0",
        "links-0-label": "OpenReview", "links-0-url": "https://openreview.net/forum?id=abc#top",
        "links-1-label": "", "links-1-url": "",
    }  # fmt: skip
    user_client.post(reverse("submissions:create"), data)
    submission = Submission.objects.get()
    assert submission.venue == "ICLR 2024"
    assert submission.extra_links == [["OpenReview", "https://openreview.net/forum?id=abc"]]


def test_submit_extra_link_without_label_is_refused(user_client, papers):
    data = proposal(papers) | {
        "links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "0",
        "links-0-label": "", "links-0-url": "https://openreview.net/forum?id=abc",
    }  # fmt: skip
    page = user_client.post(reverse("submissions:create"), data).content.decode()
    assert "Say what the link is" in page
    assert not Submission.objects.exists()


def test_submit_stores_the_url_clean_and_logs_the_original(user_client, papers):
    url = "https://www.example.org/post?utm_source=news&id=7#comments"
    user_client.post(reverse("submissions:create"), proposal(papers, url=url))
    submission = Submission.objects.get()
    assert submission.url == "https://example.org/post?id=7"
    assert submission.events.get().changes == {"url": [url, "https://example.org/post?id=7"]}


def test_tag_field_offers_the_vocabulary_of_published_resources(user_client):
    ResourceFactory(tags=["circuits"])
    ResourceFactory(tags=["secret-draft-tag"], status="draft")
    page = user_client.get(reverse("submissions:create")).content.decode()
    assert '<option value="circuits">' in page
    assert "secret-draft-tag" not in page


def test_correction_form_starts_from_the_resource_as_published(user_client):
    group = ResearchGroupFactory(name="EleutherAI")
    resource = ResourceFactory(title="Pythia", authors="Stella Biderman", tags=["model-suite"])
    resource.groups.add(group)
    page = user_client.get(reverse("submissions:correct", args=[resource.slug])).content.decode()
    assert 'value="Pythia"' in page
    assert 'value="Stella Biderman"' in page
    assert 'value="model-suite"' in page
    assert f'value="{group.pk}"' in page and "checked" in page


def test_correction_that_changes_nothing_is_refused(user_client):
    resource = ResourceFactory(title="Pythia")
    data = {
        "url": resource.url,
        "title": resource.title,
        "description": resource.description,
        "category": resource.category_id,
        "tags": "",
        "year": str(resource.year),
        "authors": "",
        "code_url": "",
    }
    response = user_client.post(reverse("submissions:correct", args=[resource.slug]), data)
    assert "Nothing has changed" in response.content.decode()
    assert not Submission.objects.exists()


def test_correction_is_recorded_with_the_changed_fields(user_client):
    resource = ResourceFactory(title="Pythia")
    data = {
        "url": resource.url,
        "title": "Pythia: a suite",
        "description": resource.description,
        "category": resource.category_id,
        "tags": "",
        "year": "2023",
        "authors": "",
        "code_url": "",
        "note": "Full title from the paper.",
    }
    user_client.post(reverse("submissions:correct", args=[resource.slug]), data)
    submission = Submission.objects.get()
    assert submission.kind == Submission.Kind.CORRECTION
    assert submission.resource == resource
    assert submission.changed_fields() == ["title"]


def test_correction_of_an_unpublished_resource_is_not_found(user_client):
    draft = ResourceFactory(draft=True)
    response = user_client.get(reverse("submissions:correct", args=[draft.slug]))
    assert response.status_code == 404


def test_broken_link_report_records_the_problem_and_note(user_client):
    resource = ResourceFactory()
    response = user_client.post(
        reverse("submissions:report", args=[resource.slug]),
        {"problem": "moved", "note": "Now at https://example.org/new"},
        follow=True,
    )
    submission = Submission.objects.get()
    assert submission.kind == Submission.Kind.BROKEN_LINK
    assert submission.problem == "moved" and submission.resource == resource
    assert "Broken link: “" in response.content.decode()


def test_broken_link_report_of_something_else_needs_a_note(user_client):
    resource = ResourceFactory()
    response = user_client.post(
        reverse("submissions:report", args=[resource.slug]), {"problem": "other", "note": ""}
    )
    assert "Say what is wrong" in response.content.decode()
    assert not Submission.objects.exists()


def test_resource_page_offers_correction_and_report_links(client, user):
    resource = ResourceFactory()
    correct = reverse("submissions:correct", args=[resource.slug])
    page = client.get(resource.get_absolute_url()).content.decode()
    assert f'href="/accounts/login/?next={correct}"' in page
    client.force_login(user)
    page = client.get(resource.get_absolute_url()).content.decode()
    assert f'href="{correct}"' in page
    assert f'href="{reverse("submissions:report", args=[resource.slug])}"' in page


def test_my_proposals_show_state_note_and_link_to_the_published_resource(user_client, user):
    resource = ResourceFactory(title="Now listed")
    SubmissionFactory(submitter=user, approved=True, resource=resource, title="Now listed")
    SubmissionFactory(
        submitter=user, changes_requested=True, title="Needs work", moderator_note="Add a year."
    )
    SubmissionFactory(submitter=user, title="Waiting")
    SubmissionFactory(title="Someone else's")

    page = user_client.get(reverse("submissions:mine")).content.decode()

    assert "Now listed" in page and "Approved" in page
    assert f'href="{resource.get_absolute_url()}"' in page
    assert "Needs work" in page and "Add a year." in page and "Edit and resubmit" in page
    assert "Waiting" in page and "Withdraw" in page
    assert "Someone else" not in page


def test_edit_resubmits_a_proposal_sent_back_for_changes(user_client, user, papers):
    submission = SubmissionFactory(
        submitter=user, changes_requested=True, category=papers, moderator_note="Fix the year."
    )
    page = user_client.get(reverse("submissions:edit", args=[submission.pk])).content.decode()
    assert "Fix the year." in page and f'value="{submission.title}"' in page

    user_client.post(
        reverse("submissions:edit", args=[submission.pk]),
        proposal(papers, url=submission.url, year="2023"),
    )
    submission.refresh_from_db()
    assert submission.state == State.PENDING and submission.year == 2023


def test_edit_of_a_pending_proposal_is_refused_with_a_message(user_client, user):
    submission = SubmissionFactory(submitter=user)
    response = user_client.get(reverse("submissions:edit", args=[submission.pk]), follow=True)
    assert "only a proposal sent back for changes can be edited" in response.content.decode()


def test_withdraw_takes_a_pending_proposal_back(user_client, user):
    submission = SubmissionFactory(submitter=user, title="Changed my mind")
    response = user_client.post(reverse("submissions:withdraw", args=[submission.pk]), follow=True)
    submission.refresh_from_db()
    assert submission.state == State.WITHDRAWN
    assert "Withdrawn: “Changed my mind”" in response.content.decode()


def test_withdraw_asks_first_and_changes_nothing_until_confirmed(user_client, user):
    submission = SubmissionFactory(submitter=user, title="Still thinking")
    page = user_client.get(reverse("submissions:withdraw", args=[submission.pk])).content.decode()
    assert "Withdraw this proposal?" in page and "Still thinking" in page
    submission.refresh_from_db()
    assert submission.state == State.PENDING
    mine = user_client.get(reverse("submissions:mine")).content.decode()
    assert 'aria-label="Withdraw Still thinking"' in mine


def test_my_proposals_hides_the_old_note_once_resubmitted(user_client, user):
    SubmissionFactory(submitter=user, moderator_note="Add the authors, please.")
    page = user_client.get(reverse("submissions:mine")).content.decode()
    assert "Add the authors, please." not in page


def test_withdraw_of_an_approved_proposal_explains_why_not(user_client, user):
    submission = SubmissionFactory(submitter=user, approved=True)
    response = user_client.post(reverse("submissions:withdraw", args=[submission.pk]), follow=True)
    submission.refresh_from_db()
    assert submission.state == State.APPROVED
    assert "cannot be withdrawn" in response.content.decode()


def test_my_proposals_query_count_does_not_grow_with_proposals(
    user_client, user, django_assert_max_num_queries
):
    for _ in range(3):
        SubmissionFactory(submitter=user, approved=True, resource=ResourceFactory())
        SubmissionFactory(submitter=user, correction=True)
        SubmissionFactory(submitter=user, broken_link=True)
    with django_assert_max_num_queries(4):
        response = user_client.get(reverse("submissions:mine"))
    assert len(response.context["page"].object_list) == 9
