"""Full-text search structures: a GIN index on PostgreSQL, an FTS5 table on SQLite."""

from django.db import migrations

FTS_TABLE = "catalog_resource_fts"


def create_search_index(apps, schema_editor):
    """GIN index on PostgreSQL, an FTS5 table on SQLite; then index what exists."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX catalog_resource_search_gin ON catalog_resource USING gin (search_vector)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
            "title, tags, description, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
    # Index what exists (a copy of catalog.search's statements, frozen here).
    tag_words = (
        "COALESCE((SELECT {aggregate}(REPLACE(tag.name, '-', ' '), ' ')"
        " FROM catalog_taggedresource AS tagged JOIN taggit_tag AS tag ON tag.id = tagged.tag_id"
        " WHERE tagged.content_object_id = catalog_resource.id), '')"
    )
    if vendor == "postgresql":
        schema_editor.execute(
            "UPDATE catalog_resource SET search_vector ="
            " setweight(to_tsvector('english', title), 'A')"
            f" || setweight(to_tsvector('english', {tag_words.format(aggregate='string_agg')}), 'B')"
            " || setweight(to_tsvector('english', description), 'C')"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, title, tags, description)"
            f" SELECT id, title, {tag_words.format(aggregate='group_concat')}, description"
            " FROM catalog_resource"
        )


def drop_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_resource_search_gin")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index),
    ]
