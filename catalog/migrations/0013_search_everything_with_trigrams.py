"""
Search over authors, identifiers, venue and link labels too, with a vocabulary
matched by trigrams: pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite.
"""

from django.db import migrations

FTS_TABLE = "catalog_resource_fts"
TRIGRAM_TABLE = "catalog_searchterm_trgm"


def create_search_structures(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX catalog_searchterm_word_trgm"
            " ON catalog_searchterm USING gin (word gin_trgm_ops)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
            "title, authors, tags, identifiers, venue, description,"
            " tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {TRIGRAM_TABLE} USING fts5(word, tokenize = 'trigram')"
        )
        schema_editor.execute(
            "CREATE TRIGGER catalog_searchterm_trgm_insert AFTER INSERT ON catalog_searchterm"  # noqa: S608 -- constant names
            f" BEGIN INSERT INTO {TRIGRAM_TABLE} (rowid, word) VALUES (new.id, new.word); END"
        )
        schema_editor.execute(
            "CREATE TRIGGER catalog_searchterm_trgm_delete AFTER DELETE ON catalog_searchterm"  # noqa: S608 -- constant names
            f" BEGIN DELETE FROM {TRIGRAM_TABLE} WHERE rowid = old.id; END"
        )
    else:
        return
    # The index as catalog.search builds it: the same statements, not a frozen copy,
    # since they read only tables that exist from this migration on.
    from catalog.search import index_resources

    index_resources(None)


def drop_search_structures(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_searchterm_word_trgm")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS catalog_searchterm_trgm_insert")
        schema_editor.execute("DROP TRIGGER IF EXISTS catalog_searchterm_trgm_delete")
        schema_editor.execute(f"DROP TABLE IF EXISTS {TRIGRAM_TABLE}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        # The earlier layout, empty: rebuild_search_index fills it at that version.
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
            "title, tags, description, tokenize = 'porter unicode61 remove_diacritics 2')"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_remove_resource_authors_text"),
    ]

    operations = [
        migrations.RunPython(create_search_structures, drop_search_structures),
    ]
