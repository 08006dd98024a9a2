import pytest
from django.db import transaction
from taggit.models import Tag

from catalog.models import Author, Resource, TaggedResource
from catalog.search import search
from catalog.services.authors import resource_set_authors
from catalog.services.records import ResourceRecord, ResourceUpsert
from tests.factories import CategoryFactory, ResourceFactory

pytestmark = pytest.mark.django_db

# Tags and authors that meet existing records in another case, spacing or accent, and each other.
TAGGED_AND_CREDITED = [
    ("First", ["sae", "probing", "probing"], ["ada  lovelace", "Jané Doe", "Bob Roe", "Bob Roe"]),
    ("Second", ["Probing", "new-tag"], "Bob Roe, Jane Doe and others"),
    ("Third", [], []),
]


def records(category):
    return [
        ResourceRecord(
            title=title,
            url=f"https://example.org/{title.lower()}",
            category=category,
            tags=tags,
            authors=authors,
            where=title,
        )
        for title, tags, authors in TAGGED_AND_CREDITED
    ]


def tags_and_authors():
    """What the database holds of the loaded works' tags and authors, and of every record."""
    works = {
        resource.title: (
            list(
                TaggedResource.objects.filter(content_object=resource)
                .order_by("pk")
                .values_list("tag__name", flat=True)
            ),
            resource.author_names(),
        )
        for resource in Resource.objects.filter(title__in=["First", "Second", "Third"])
    }
    return (
        works,
        list(Tag.objects.order_by("name").values_list("name", "slug")),
        list(Author.objects.order_by("name").values_list("name", "slug", "normalised_name")),
    )


@pytest.fixture
def category():
    ResourceFactory(tags=["SAE"], authors=["Ada Lovelace", "Jane Doe"])
    return CategoryFactory()


def test_upsert_gives_new_works_the_tags_and_authors_one_by_one_saves_would(category):
    with transaction.atomic():
        for record in records(category):
            resource = Resource.objects.create(
                title=record.title, url=record.url, category=category
            )
            resource.tags.set(record.tags)
            resource_set_authors(resource, record.authors)
        one_by_one = tags_and_authors()
        transaction.set_rollback(True)

    upsert = ResourceUpsert(status=Resource.Status.PUBLISHED)
    with transaction.atomic():
        for record in records(category):
            upsert.upsert(record)
        upsert.finish()

    assert tags_and_authors() == one_by_one
    works, tags, authors = one_by_one
    assert works == {
        "First": (["SAE", "probing"], ["Ada Lovelace", "Jané Doe", "Bob Roe"]),
        "Second": (["probing", "new-tag"], ["Bob Roe", "Jane Doe"]),
        "Third": ([], []),
    }
    assert tags == [("SAE", "sae"), ("new-tag", "new-tag"), ("probing", "probing")]
    assert ("Jané Doe", "jane-doe-2", "jané doe") in authors
    assert ("Bob Roe", "bob-roe", "bob roe") in authors


def test_upsert_makes_new_works_searchable_by_their_tags_and_authors(category):
    upsert = ResourceUpsert(status=Resource.Status.PUBLISHED)
    with transaction.atomic():
        for record in records(category):
            upsert.upsert(record)
        upsert.finish()

    published = Resource.objects.published()
    assert set(search(published, "Roe").values_list("title", flat=True)) == {"First", "Second"}
    assert set(search(published, "new-tag").values_list("title", flat=True)) == {"Second"}
