"""Curators' reading paths: on the home page, at /paths/<slug>/, copied by members, in the API."""

import pytest
from django.test import Client

from library.models import ReadingList, ReadingPath

pytestmark = pytest.mark.django_db


def test_published_path_shows_its_works_in_order_with_annotations(client, path):
    page = client.get("/paths/sparse-autoencoders-from-scratch/").content.decode()
    assert page.index("Logit Lens") < page.index("Towards Monosemanticity")
    assert "<strong>features</strong>" in page  # annotations are markdown
    assert "<em>here</em>" in page
    assert "Withdrawn Secret Paper" not in page
    assert "Gone." not in page


def test_unpublished_path_is_a_404_everywhere(client, path, staff_client):
    ReadingPath.objects.filter(pk=path.pk).update(is_published=False)
    assert client.get(path.get_absolute_url()).status_code == 404
    assert client.get(f"/api/paths/{path.slug}/").status_code == 404
    assert client.get("/api/paths/").json()["count"] == 0
    assert "Sparse autoencoders from scratch" not in client.get("/").content.decode()


def test_home_shows_published_paths_and_an_edit_shows_at_once(path):
    anonymous = Client()
    home = anonymous.get("/")
    assert "Sparse autoencoders from scratch" in home.content.decode()
    assert "2 works, in order" in home.content.decode()  # the archived one is not counted
    assert anonymous.get("/")["X-Cache"] == "hit"
    ReadingPath.objects.create(title="Circuits in ten works", slug="circuits", is_published=True)
    fresh = anonymous.get("/")
    assert fresh["X-Cache"] == "miss"
    assert "Circuits in ten works" in fresh.content.decode()


def test_home_query_count_does_not_grow_with_paths(client, path, django_assert_num_queries):
    client.get("/")  # facets and paths are cached for this catalog version
    with django_assert_num_queries(2):  # as before reading paths (tests/catalog/test_pages.py)
        client.get("/", {"fresh": 1})


def test_member_copies_a_path_into_a_private_list(client, path, owner):
    client.force_login(owner)
    response = client.post(f"/paths/{path.slug}/copy/")
    reading_list = ReadingList.objects.get(owner=owner)
    assert response["Location"] == reading_list.get_absolute_url()
    assert reading_list.title == "Sparse autoencoders from scratch"
    assert not reading_list.is_public
    entries = list(reading_list.entries.select_related("resource"))
    assert [(entry.resource.title, entry.note) for entry in entries] == [
        ("Logit Lens", "The simplest probe."),
        ("Towards Monosemanticity", "Then **features**."),
    ]
    client.post(f"/paths/{path.slug}/copy/")
    assert ReadingList.objects.filter(owner=owner).count() == 2  # a second copy, its own address
    assert client.get(f"/paths/{path.slug}/copy/").status_code == 405


def test_copying_needs_an_account(client, path):
    response = client.post(f"/paths/{path.slug}/copy/")
    assert response["Location"].startswith("/accounts/login/")
    assert not ReadingList.objects.exists()


def test_api_lists_paths_and_serialises_works_like_the_catalog(client, path):
    listing = client.get("/api/paths/").json()
    assert listing["count"] == 1
    assert listing["results"][0]["slug"] == path.slug
    detail = client.get(listing["results"][0]["api_url"]).json()
    assert [step["resource"]["title"] for step in detail["results"]] == [
        "Logit Lens",
        "Towards Monosemanticity",
    ]
    catalog = client.get("/api/resources/logit-lens/").json()
    assert detail["results"][0]["resource"] == catalog
    assert detail["results"][1]["annotation"] == "Then **features**."
    assert "Withdrawn Secret Paper" not in str(detail)


def test_admin_edits_a_path_with_ordered_steps(staff_client, works):
    response = staff_client.post(
        "/admin/library/readingpath/add/",
        {
            "title": "Circuits",
            "slug": "circuits",
            "introduction": "",
            "is_published": "on",
            "order": "0",
            "steps-TOTAL_FORMS": "2",
            "steps-INITIAL_FORMS": "0",
            "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "1000",
            "steps-0-position": "2",
            "steps-0-resource": works["sae"].pk,
            "steps-0-annotation": "Second",
            "steps-1-position": "1",
            "steps-1-resource": works["ioi"].pk,
            "steps-1-annotation": "First",
        },
    )
    assert response.status_code == 302
    path = ReadingPath.objects.get(slug="circuits")
    assert [step.annotation for step in path.steps.all()] == ["First", "Second"]
    assert staff_client.get("/admin/library/readingpath/").status_code == 200


def test_paths_api_is_cached_and_an_edit_shows_at_once(path):
    anonymous = Client()
    assert anonymous.get("/api/paths/")["X-Cache"] == "miss"
    assert anonymous.get("/api/paths/")["X-Cache"] == "hit"
    path.steps.filter(resource__title="Logit Lens").delete()
    response = anonymous.get(f"/api/paths/{path.slug}/")
    assert [step["resource"]["title"] for step in response.json()["results"]] == [
        "Towards Monosemanticity"
    ]
    path.title = "Renamed and unpublished"
    path.is_published = False
    path.save()
    assert anonymous.get("/api/paths/").json()["count"] == 0
