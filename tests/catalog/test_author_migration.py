"""The data migration that turns comma-separated authors into ordered author records."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("catalog", "0010_author_records_and_search_vocabulary")]
AFTER = [("catalog", "0011_authors_from_text")]


@pytest.fixture
def migrated_back_afterwards():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_migration_turns_author_text_into_ordered_records(migrated_back_afterwards):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Category = apps.get_model("catalog", "Category")
    Resource = apps.get_model("catalog", "Resource")
    category = Category.objects.create(name="Papers", slug="papers")
    for number, authors in enumerate(
        ["Neel Nanda, Joseph Bloom and contributors", "Arthur Conmy, neel  nanda, et al.", ""]
    ):
        Resource.objects.create(
            title=f"Work {number}",
            slug=f"work-{number}",
            url=f"https://example.org/{number}",
            canonical_key=f"example.org/{number}",
            category=category,
            authors_text=authors,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    ResourceAuthor = apps.get_model("catalog", "ResourceAuthor")
    Author = apps.get_model("catalog", "Author")

    def names(slug):
        rows = ResourceAuthor.objects.filter(resource__slug=slug).order_by("position")
        return [row.author.name for row in rows]

    assert names("work-0") == ["Neel Nanda", "Joseph Bloom"]
    assert names("work-1") == ["Arthur Conmy", "Neel Nanda"]  # one record for both spellings
    assert names("work-2") == []
    assert Author.objects.filter(slug="neel-nanda").count() == 1

    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
