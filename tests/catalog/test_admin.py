import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from taggit.models import Tag

from catalog.models import Author, Resource
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:catalog_resource_changelist",
    "admin:catalog_resource_add",
    "admin:catalog_category_changelist",
    "admin:catalog_researchgroup_changelist",
    "admin:taggit_tag_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_send_anonymous_visitors_to_the_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_refuses_a_logged_in_user_who_is_not_staff(client):
    user = get_user_model().objects.create_user("reader", password="a-long-reader-password")
    client.force_login(user)
    response = client.get(reverse("admin:catalog_resource_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_open_for_staff(staff_client, resource, name):
    response = staff_client.get(reverse(name))
    assert response.status_code == 200


def test_admin_login_with_password_reaches_the_catalog(client, staff_user):
    response = client.post(
        reverse("admin:login"),
        {"username": "curator", "password": "a-long-curator-password", "next": "/admin/"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Catalog and review queue" in response.content


def test_resource_changelist_shows_columns_and_filters(staff_client):
    ResourceFactory(
        title="TransformerLens",
        url="https://github.com/TransformerLensOrg/TransformerLens",
        tags=["library"],
    )
    ResourceFactory(title="Unfinished entry", draft=True, tags=["probing"])
    url = reverse("admin:catalog_resource_changelist")

    page = staff_client.get(url).content.decode()
    assert "TransformerLens" in page and "Unfinished entry" in page
    assert 'href="https://github.com/TransformerLensOrg/TransformerLens"' in page

    filtered = staff_client.get(url, {"status__exact": "draft"}).content.decode()
    assert "Unfinished entry" in filtered and "TransformerLens" not in filtered

    probing = Tag.objects.get(name="probing")
    by_tag = staff_client.get(url, {"tags__id__exact": probing.pk}).content.decode()
    assert "Unfinished entry" in by_tag and "TransformerLens" not in by_tag


def test_resource_changelist_search_finds_by_title_and_url(staff_client):
    ResourceFactory(title="Inseq", url="https://github.com/inseq-team/inseq")
    ResourceFactory(title="Comgra")
    page = staff_client.get(
        reverse("admin:catalog_resource_changelist"), {"q": "inseq-team"}
    ).content.decode()
    assert "Inseq" in page and "Comgra" not in page


def test_admin_publish_and_archive_actions_change_status(staff_client):
    draft = ResourceFactory(draft=True)
    published = ResourceFactory()
    url = reverse("admin:catalog_resource_changelist")

    staff_client.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    staff_client.post(url, {"action": "archive", "_selected_action": [published.pk]})

    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == Resource.Status.PUBLISHED and draft.published_at is not None
    assert published.status == Resource.Status.ARCHIVED


def test_admin_add_refuses_a_work_already_in_the_catalog(staff_client, resource):
    category = resource.category
    response = staff_client.post(
        reverse("admin:catalog_resource_add"),
        {
            "title": "The same work again",
            "slug": "same-work-again",
            "url": resource.url + "?utm_source=feed",
            "status": "draft",
            "category": category.pk,
            "links-TOTAL_FORMS": 0,
            "links-INITIAL_FORMS": 0,
            "authorships-TOTAL_FORMS": 0,
            "authorships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "already in the catalog" in response.content.decode()
    assert Resource.objects.count() == 1


def test_admin_add_creates_a_resource_with_tags_from_the_vocabulary(staff_client, resource):
    circuits = Tag.objects.get(name="circuits")
    response = staff_client.post(
        reverse("admin:catalog_resource_add"),
        {
            "title": "Copy Suppression",
            "slug": "copy-suppression",
            "url": "https://arxiv.org/abs/2310.04625",
            "status": "published",
            "category": resource.category.pk,
            "tags": [circuits.pk],
            "year": 2023,
            "links-TOTAL_FORMS": 1,
            "links-INITIAL_FORMS": 0,
            "authorships-TOTAL_FORMS": 0,
            "authorships-INITIAL_FORMS": 0,
            "links-0-label": "Demo",
            "links-0-url": "https://copy-suppression.streamlit.app/",
        },
    )
    assert response.status_code == 302, response.content.decode()
    created = Resource.objects.get(slug="copy-suppression")
    assert [tag.name for tag in created.tags.all()] == ["circuits"]
    assert created.canonical_key == "arxiv:2310.04625"
    assert created.links.get().label == "Demo"


def test_tag_autocomplete_answers_staff(staff_client, resource):
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "resource", "field_name": "tags", "term": "circ"},
    )
    assert [item["text"] for item in response.json()["results"]] == ["circuits"]


def test_tag_merge_retags_every_resource_and_deletes_the_source(staff_client):
    only_source = ResourceFactory(tags=["sae"])
    both = ResourceFactory(tags=["sae", "sparse-autoencoders"])
    only_target = ResourceFactory(tags=["sparse-autoencoders"])
    source = Tag.objects.get(name="sae")
    target = Tag.objects.get(name="sparse-autoencoders")
    url = reverse("admin:taggit_tag_changelist")

    confirmation = staff_client.post(url, {"action": "merge", "_selected_action": [source.pk]})
    assert b"Merge into" in confirmation.content
    assert Tag.objects.filter(name="sae").exists()  # nothing happens before confirming

    staff_client.post(
        url, {"action": "merge", "_selected_action": [source.pk], "apply": "1", "target": target.pk}
    )

    assert not Tag.objects.filter(name="sae").exists()
    for resource in (only_source, both, only_target):
        assert [tag.name for tag in resource.tags.all()] == ["sparse-autoencoders"]


def test_tag_merge_confirmation_lists_each_tag_with_its_resources(staff_client):
    ResourceFactory(tags=["sae"])
    ResourceFactory(tags=["sae", "circuits"])
    source = Tag.objects.get(name="sae")
    url = reverse("admin:taggit_tag_changelist")

    page = staff_client.post(url, {"action": "merge", "_selected_action": [source.pk]})

    content = page.content.decode()
    assert "These tags will be merged and then deleted:" in content
    assert "<li>sae (2 resources)</li>" in content
    assert f'href="{url}" class="button cancel-link"' in content


def test_author_merge_credits_the_target_and_says_how_many_works_changed(staff_client):
    only_source = ResourceFactory(authors=["A. One", "B Two"])
    both = ResourceFactory(authors=["A One", "A. One"])
    source, target = Author.objects.get(name="A. One"), Author.objects.get(name="A One")
    url = reverse("admin:catalog_author_changelist")

    page = staff_client.post(url, {"action": "merge", "_selected_action": [source.pk]})
    content = page.content.decode()
    assert "These authors will be merged and then deleted:" in content
    assert "<li>A. One (2 works)</li>" in content
    assert Author.objects.filter(name="A. One").exists()  # nothing happens before confirming

    response = staff_client.post(
        url,
        {"action": "merge", "_selected_action": [source.pk], "apply": "1", "target": target.pk},
        follow=True,
    )

    assert "Merged “A. One” into “A One”; 2 work(s) changed." in response.content.decode()
    assert not Author.objects.filter(name="A. One").exists()
    assert only_source.author_names() == ["A One", "B Two"]
    assert both.author_names() == ["A One"]


def test_author_merge_into_itself_is_refused_with_a_message(staff_client):
    resource = ResourceFactory(authors=["A One"])
    author = Author.objects.get(name="A One")
    response = staff_client.post(
        reverse("admin:catalog_author_changelist"),
        {"action": "merge", "_selected_action": [author.pk], "apply": "1", "target": author.pk},
    )
    assert "Choose an author other than the one being merged." in response.content.decode()
    assert resource.author_names() == ["A One"]


def test_tag_merge_into_itself_is_refused_with_a_message(staff_client):
    resource = ResourceFactory(tags=["circuits"])
    circuits = Tag.objects.get(name="circuits")
    response = staff_client.post(
        reverse("admin:taggit_tag_changelist"),
        {"action": "merge", "_selected_action": [circuits.pk], "apply": "1", "target": circuits.pk},
    )
    assert "Choose a tag other than the one being merged." in response.content.decode()
    assert [tag.name for tag in resource.tags.all()] == ["circuits"]
