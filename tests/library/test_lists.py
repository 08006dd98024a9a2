"""Saving works into lists, who may see a list and its notes, and where a list's works go."""

import bibtexparser
import pytest
import rispy
from django.urls import reverse

from library import services
from library.models import Popularity, ReadingList, SavedWork
from tests.factories import ResourceFactory, UserFactory
from tests.library.conftest import make_list

pytestmark = pytest.mark.django_db

SAVE = reverse("library:save")


def list_url(reading_list, suffix=""):
    return f"/lists/{reading_list.owner.username}/{reading_list.slug}/{suffix}"


def test_save_without_a_list_goes_to_saved(client, owner, works):
    client.force_login(owner)
    response = client.post(SAVE, {"resource": works["sae"].pk, "next": "/resources/"})
    assert response.status_code == 302
    assert response["Location"] == "/resources/"
    saved = ReadingList.objects.get(owner=owner, is_default=True)
    assert saved.title == "Saved"
    assert not saved.is_public
    assert list(saved.entries.values_list("resource__title", flat=True)) == [
        "Towards Monosemanticity"
    ]


def test_saving_twice_keeps_one_entry(client, owner, works):
    client.force_login(owner)
    client.post(SAVE, {"resource": works["sae"].pk})
    client.post(SAVE, {"resource": works["sae"].pk})
    services.work_save(user=owner, resource=works["sae"])
    assert SavedWork.objects.filter(resource=works["sae"]).count() == 1


def test_save_into_a_named_list_makes_it_once(client, owner, works):
    client.force_login(owner)
    client.post(SAVE, {"resource": works["sae"].pk, "list_name": "SAE reading"})
    client.post(SAVE, {"resource": works["ioi"].pk, "list_name": "  sae READING "})
    reading_list = ReadingList.objects.get(owner=owner)
    assert reading_list.title == "SAE reading"
    assert reading_list.slug == "sae-reading"
    assert [entry.resource.title for entry in reading_list.entries.all()] == [
        "Towards Monosemanticity",
        "Interpretability in the Wild",
    ]


def test_save_with_htmx_returns_the_control_in_its_new_state(client, owner, works):
    client.force_login(owner)
    response = client.post(
        SAVE, {"resource": works["sae"].pk, "list_name": "Reading"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="save-{works["sae"].pk}"' in page
    assert "✓ Saved" in page
    assert "Saved in Reading." in page
    assert "<html" not in page


@pytest.mark.parametrize("name", ["archived"])
def test_only_published_works_can_be_saved(client, owner, works, name):
    draft = ResourceFactory(draft=True)
    client.force_login(owner)
    assert client.post(SAVE, {"resource": works[name].pk}).status_code == 404
    assert client.post(SAVE, {"resource": draft.pk}).status_code == 404
    assert not SavedWork.objects.exists()


def test_saving_needs_an_account_and_a_post(client, owner, works):
    response = client.post(SAVE, {"resource": works["sae"].pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(owner)
    assert client.get(SAVE, {"resource": works["sae"].pk}).status_code == 405
    assert not SavedWork.objects.exists()


def test_save_redirect_never_leaves_the_site(client, owner, works):
    client.force_login(owner)
    response = client.post(SAVE, {"resource": works["sae"].pk, "next": "https://evil.example/"})
    assert response["Location"] == works["sae"].get_absolute_url()


def test_popular_count_never_counts_a_member_twice(owner, other, works):
    sae = works["sae"]
    second = services.list_create(owner=owner, title="Second")
    services.work_save(user=owner, resource=sae)
    services.work_save(user=owner, resource=sae, reading_list=second)
    services.work_save(user=owner, resource=sae, reading_list=second)
    assert Popularity.objects.get(resource=sae).members == 1
    services.work_save(user=other, resource=sae)
    assert Popularity.objects.get(resource=sae).members == 2
    services.work_unsave(user=owner, resource=sae, reading_list=second)
    assert Popularity.objects.get(resource=sae).members == 2  # still in the owner's "Saved"
    services.work_unsave(user=owner, resource=sae)
    assert Popularity.objects.get(resource=sae).members == 1
    services.list_delete(reading_list=ReadingList.objects.get(owner=other), user=other)
    assert Popularity.objects.get(resource=sae).members == 0


def test_popularity_shows_on_the_work_and_in_the_list(client, owner, other, works):
    services.work_save(user=owner, resource=works["ioi"])
    services.work_save(user=other, resource=works["ioi"])
    assert "Saved by 2 members." in client.get(works["ioi"].get_absolute_url()).content.decode()
    unsaved = client.get(works["sae"].get_absolute_url()).content.decode()
    assert "Nobody has saved it yet." in unsaved
    listing = client.get("/resources/").content.decode()
    assert "saved by 2" in listing


def test_sort_popular_puts_the_most_saved_first(client, owner, other, works):
    third = UserFactory()
    for user in (owner, other, third):
        services.work_save(user=user, resource=works["lens"])
    for user in (owner, other):
        services.work_save(user=user, resource=works["ioi"])
    response = client.get("/resources/", {"sort": "popular"})
    titles = [resource.title for resource in response.context["page_obj"].object_list]
    assert titles[:2] == ["Logit Lens", "Interpretability in the Wild"]
    assert response.context["notices"] == []
    assert "Withdrawn Secret Paper" not in titles


# Who sees what: owner, other member, anonymous, staff; private, public, public with notes.

ROLES = ["owner", "other", "anonymous", "staff"]
MATRIX = {
    # list kind: (public, share_notes), {role: (status, notes shown)}
    "private": (
        (False, False),
        {"owner": (200, True), "other": (404, False), "anonymous": (404, False),
         "staff": (404, False)},
    ),
    "public": (
        (True, False),
        {"owner": (200, True), "other": (200, False), "anonymous": (200, False),
         "staff": (200, False)},
    ),
    "public-with-notes": (
        (True, True),
        {"owner": (200, True), "other": (200, True), "anonymous": (200, True),
         "staff": (200, True)},
    ),
}  # fmt: skip


def login_as(client, role, owner, other):
    if role == "owner":
        client.force_login(owner)
    elif role == "other":
        client.force_login(other)
    elif role == "staff":
        client.force_login(UserFactory(username="boss", staff=True, is_superuser=True))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(MATRIX))
def test_list_access_matrix(client, owner, other, works, kind, role):
    (public, share_notes), expected = MATRIX[kind]
    status, notes_shown = expected[role]
    reading_list = make_list(owner, works, public=public, share_notes=share_notes)
    login_as(client, role, owner, other)
    for url in (list_url(reading_list), list_url(reading_list, "export.bib")):
        assert client.get(url).status_code == status, url
    api = client.get(f"/api/lists/owner/{reading_list.slug}/")
    assert api.status_code == (200 if public else 404)
    if status == 404:
        return
    page = client.get(list_url(reading_list)).content.decode()
    assert "Towards Monosemanticity" in page
    assert ("My private note on sae" in page) == notes_shown
    notes = [entry["note"] for entry in api.json()["results"]] if public else []
    assert ("My private note on sae" in notes) == (public and share_notes)


@pytest.mark.parametrize("role", ["other", "anonymous", "staff"])
def test_nobody_but_the_owner_changes_a_list(client, owner, other, works, role):
    reading_list = make_list(owner, works, public=True)
    entry = reading_list.entries.get(resource=works["sae"])
    login_as(client, role, owner, other)
    attempts = [
        (list_url(reading_list, "edit/"), {"title": "Hijacked", "is_public": ""}),
        (list_url(reading_list, "delete/"), {}),
        (reverse("library:entry_move", args=[entry.pk]), {"direction": "down"}),
        (reverse("library:entry_edit", args=[entry.pk]), {"note": "defaced"}),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")
    reading_list.refresh_from_db()
    entry.refresh_from_db()
    assert (reading_list.title, reading_list.is_public) == ("SAE reading", True)
    assert entry.position == 0
    assert entry.note == "My private note on sae"


def test_my_lists_shows_only_the_members_own(client, owner, other, works):
    make_list(owner, works, public=True)
    services.list_create(owner=other, title="Other's public list", is_public=True)
    client.force_login(owner)
    page = client.get("/lists/").content.decode()
    assert "SAE reading" in page
    assert "Other&#x27;s public list" not in page and "Other's public list" not in page
    client.logout()
    assert client.get("/lists/")["Location"].startswith("/accounts/login/")


def test_archived_work_stays_in_the_owners_list_marked(client, owner, works):
    reading_list = make_list(owner, works)
    client.force_login(owner)
    page = client.get(list_url(reading_list)).content.decode()
    assert "Withdrawn Secret Paper" in page
    assert "No longer in the catalog" in page


def test_archived_work_leaks_nowhere_through_a_list(client, owner, other, works):
    reading_list = make_list(owner, works, public=True, share_notes=True)
    for role in ("other", "anonymous"):
        client.logout()
        login_as(client, role, owner, other)
        for url in (
            list_url(reading_list),
            list_url(reading_list, "export.bib"),
            list_url(reading_list, "export.ris"),
            f"/api/lists/owner/{reading_list.slug}/",
        ):
            body = client.get(url).content.decode()
            assert "Towards Monosemanticity" in body, url
            assert "Withdrawn Secret Paper" not in body, url
            assert "Eve Hidden" not in body, url
            assert "My private note on archived" not in body, url
    # The owner's exports hold only what is in the catalog too.
    client.force_login(owner)
    own_export = client.get(list_url(reading_list, "export.bib")).content.decode()
    assert "Withdrawn Secret Paper" not in own_export


def test_list_exports_parse_and_follow_the_members_order(client, owner, works):
    reading_list = make_list(owner, works, public=True, names=("ioi", "tool", "sae"))
    bib = client.get(list_url(reading_list, "export.bib"))
    assert bib["Content-Type"].startswith("application/x-bibtex")
    library = bibtexparser.parse_string(bib.content.decode())
    assert library.failed_blocks == []
    assert [entry["title"] for entry in library.entries] == [
        "{Interpretability in the Wild}",
        "{Towards Monosemanticity}",
    ]  # the tool has no citation, as on its page
    keys = [entry.key for entry in library.entries]
    assert keys == ["wang2022interpretability", "bricken2023towards"]
    records = rispy.loads(client.get(list_url(reading_list, "export.ris")).content.decode())
    assert [record["title"] for record in records] == [
        "Interpretability in the Wild",
        "Towards Monosemanticity",
    ]


def test_reorder_moves_an_entry_and_keeps_the_others(client, owner, works):
    reading_list = make_list(owner, works, names=("sae", "ioi", "lens"))
    lens = reading_list.entries.get(resource=works["lens"])
    client.force_login(owner)
    response = client.post(
        reverse("library:entry_move", args=[lens.pk]),
        {"direction": "up"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<ol id="entries"')
    order = list(reading_list.entries.values_list("resource__title", flat=True))
    assert order == ["Towards Monosemanticity", "Logit Lens", "Interpretability in the Wild"]
    client.post(reverse("library:entry_move", args=[lens.pk]), {"direction": "up"})
    client.post(reverse("library:entry_move", args=[lens.pk]), {"direction": "up"})
    order = list(reading_list.entries.values_list("resource__title", flat=True))
    assert order == ["Logit Lens", "Towards Monosemanticity", "Interpretability in the Wild"]


def test_list_reorder_service_puts_entries_in_the_order_given(owner, works):
    reading_list = make_list(owner, works, names=("sae", "ioi", "lens"))
    ids = {entry.resource.title: entry.pk for entry in reading_list.entries.all()}
    services.list_reorder(
        reading_list=reading_list,
        user=owner,
        entry_ids=[ids["Logit Lens"], ids["Towards Monosemanticity"]],
    )
    order = list(reading_list.entries.values_list("resource__title", flat=True))
    assert order == ["Logit Lens", "Towards Monosemanticity", "Interpretability in the Wild"]


def test_owner_makes_a_list_public_and_writes_notes(client, owner, works):
    reading_list = make_list(owner, works, names=("sae",))
    entry = reading_list.entries.get()
    client.force_login(owner)
    client.post(
        list_url(reading_list, "edit/"),
        {"title": "SAE reading", "description": "For a student.", "is_public": "on"},
    )
    client.post(
        reverse("library:entry_edit", args=[entry.pk]), {"note": "Read §3", "is_read": "on"}
    )
    reading_list.refresh_from_db()
    entry.refresh_from_db()
    assert reading_list.is_public and not reading_list.share_notes
    assert (entry.note, entry.is_read) == ("Read §3", True)
    client.logout()
    page = client.get(list_url(reading_list)).content.decode()
    assert "For a student." in page
    assert "Read §3" not in page


def test_notes_are_escaped(client, owner, works):
    reading_list = make_list(owner, works, public=True, share_notes=True, names=("sae",))
    entry = reading_list.entries.get()
    services.entry_update(entry=entry, user=owner, note="<script>alert(1)</script>")
    page = client.get(list_url(reading_list)).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_api_list_turned_private_is_gone_at_once_despite_the_page_cache(client, owner, works):
    reading_list = make_list(owner, works, public=True)
    url = f"/api/lists/owner/{reading_list.slug}/"
    first = client.get(url)
    assert first.status_code == 200
    assert "no-store" in first["Cache-Control"]
    assert [item["resource"]["slug"] for item in first.json()["results"]] == [
        works["sae"].slug,
        works["ioi"].slug,
    ]
    assert client.get(url).get("X-Cache") != "hit"
    services.list_update(
        reading_list=reading_list,
        user=owner,
        title=reading_list.title,
        description="",
        is_public=False,
        share_notes=False,
    )
    assert client.get(url).status_code == 404


def test_a_hostile_list_title_cannot_add_bibtex_entries(client, owner, works):
    reading_list = make_list(owner, works, public=True, names=("sae",))
    reading_list.title = "Mine\n@misc{injected, title={x}}"
    reading_list.save()
    library = bibtexparser.parse_string(
        client.get(list_url(reading_list, "export.bib")).content.decode()
    )
    assert [entry.key for entry in library.entries] == ["bricken2023towards"]


def test_my_lists_puts_saved_first_with_counts(client, owner, works):
    services.list_create(owner=owner, title="Another list")
    make_list(owner, works, names=("sae", "ioi"))
    services.work_save(user=owner, resource=works["lens"])
    client.force_login(owner)
    lists = client.get("/lists/").context["lists"]
    assert [(item.title, item.entry_count) for item in lists] == [
        ("Saved", 1),
        ("Another list", 0),
        ("SAE reading", 2),
    ]
