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
    form = {"action": "approve", "_selected_action": [submission.pk], "index": 0}
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
