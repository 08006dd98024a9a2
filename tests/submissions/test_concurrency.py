"""
Twenty moderators approve one proposal at the same moment: it is approved
exactly once. On PostgreSQL the row lock does it; on SQLite the IMMEDIATE
transactions that the settings ask for make writers wait for one another.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from catalog.models import Resource
from submissions.models import Submission, SubmissionEvent
from tests.factories import SubmissionFactory, UserFactory

CLICKS = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_create_one_resource_and_refuse_the_others():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "an in-memory SQLite database shares one cache, where a second writer fails at "
            "once instead of waiting; this needs a file database (as the suite's) or PostgreSQL"
        )
    submission = SubmissionFactory(title="Raced proposal")
    clients = []
    for _ in range(CLICKS):
        client = Client()
        client.force_login(UserFactory(moderator=True))
        clients.append(client)
    url = reverse("admin:submissions_submission_changelist")
    form = {"action": "approve", "_selected_action": [submission.pk], "index": 0, "apply": 1}
    start = threading.Barrier(CLICKS)
    responses, errors = [None] * CLICKS, []

    def click(number):
        try:
            start.wait(timeout=30)
            responses[number] = clients[number].post(url, form, follow=True)
        except Exception as error:  # any exception at all is the failure under test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(number,)) for number in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert [response.status_code for response in responses] == [200] * CLICKS
    pages = [response.content.decode() for response in responses]
    assert sum("Approved: “Raced proposal”" in page for page in pages) == 1
    assert sum("is approved, so it cannot be approved" in page for page in pages) == CLICKS - 1
    assert Resource.objects.filter(title="Raced proposal").count() == 1
    assert Submission.objects.get().state == Submission.State.APPROVED
    assert SubmissionEvent.objects.filter(action="approved").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_same_titled_proposals_each_get_a_slug():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a file database (as the suite's) or PostgreSQL; see above")
    proposals = [SubmissionFactory(title="A popular title") for _ in range(6)]
    clients = []
    for _ in proposals:
        client = Client()
        client.force_login(UserFactory(moderator=True))
        clients.append(client)
    url = reverse("admin:submissions_submission_changelist")
    start = threading.Barrier(len(proposals))
    responses, errors = [None] * len(proposals), []

    def approve(number):
        try:
            start.wait(timeout=30)
            form = {
                "action": "approve",
                "_selected_action": [proposals[number].pk],
                "index": 0,
                "apply": 1,
            }
            responses[number] = clients[number].post(url, form, follow=True)
        except Exception as error:  # any exception at all is the failure under test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(len(proposals))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert [response.status_code for response in responses] == [200] * len(proposals)
    slugs = sorted(Resource.objects.filter(title="A popular title").values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == len(proposals)
    assert Submission.objects.filter(state=Submission.State.APPROVED).count() == len(proposals)
