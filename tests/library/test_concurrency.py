"""
Members saving one work at the same moment are all counted, and a member's
double click keeps one entry: saves of a work take its popularity row's lock.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from library.models import Popularity, SavedWork
from tests.factories import ResourceFactory, UserFactory

MEMBERS = 8


def race(clients, data):
    start = threading.Barrier(len(clients))
    statuses, errors = [None] * len(clients), []

    def click(number):
        try:
            start.wait(timeout=30)
            statuses[number] = clients[number].post("/lists/save/", data).status_code
        except Exception as error:  # any exception at all is the failure under test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(number,)) for number in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses, errors


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_count_every_member_once():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a file database (as the suite's) or PostgreSQL, where writers wait")
    work = ResourceFactory()
    clients = []
    for _ in range(MEMBERS):
        client = Client()
        client.force_login(UserFactory())
        clients.append(client)
    statuses, errors = race(clients, {"resource": work.pk})
    assert errors == []
    assert statuses == [302] * MEMBERS
    assert Popularity.objects.get(resource=work).members == MEMBERS

    # One member clicking several times at once: one list, one entry, counted once.
    member = UserFactory()
    tabs = [Client() for _ in range(4)]
    for tab in tabs:
        tab.force_login(member)
    statuses, errors = race(tabs, {"resource": work.pk})
    assert errors == []
    assert SavedWork.objects.filter(resource=work).count() == MEMBERS + 1
    assert Popularity.objects.get(resource=work).members == MEMBERS + 1
