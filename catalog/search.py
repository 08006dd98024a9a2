"""
Full-text search over resources, with the engine each database does best.

PostgreSQL: a stored, GIN-indexed ``tsvector`` (title weighted above tags
above description, English stemming), queried with ``websearch_to_tsquery``
and ranked by ``ts_rank``. SQLite: an FTS5 table (porter stemming) holding
the same three columns, where every word must match, as a prefix, and rows
are ranked by bm25 with the same weights.

The index is kept current by ``index_resources``, which the signal handlers
in ``catalog.signals`` call whenever a resource or its tags change.
"""

import re

from django.db import connection
from django.db.models import BooleanField, FloatField, Value
from django.db.models.expressions import RawSQL

FTS_TABLE = "catalog_resource_fts"
# bm25 weights for the FTS5 columns (title, tags, description).
TITLE_WEIGHT, TAGS_WEIGHT, DESCRIPTION_WEIGHT = 10.0, 4.0, 1.0
MAX_QUERY_WORDS = 12
WORD = re.compile(r"\w+", re.UNICODE)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def search_words(text: str) -> list[str]:
    """The words of a visitor's query, punctuation and operators dropped."""
    return WORD.findall(text.lower())[:MAX_QUERY_WORDS]


def search(queryset, text: str):
    """
    ``queryset`` narrowed to resources matching ``text``, annotated with a
    ``relevance`` where higher is better. A query with no words matches nothing.
    """
    words = search_words(text)
    if not words:
        return queryset.none().annotate(relevance=Value(0.0, FloatField()))
    if is_postgresql():
        query = " ".join(words)
        tsquery = "websearch_to_tsquery('english', %s)"
        return (
            queryset.alias(
                matches=RawSQL(
                    f"catalog_resource.search_vector @@ {tsquery}", [query], BooleanField()
                )
            )
            .filter(matches=True)
            .annotate(
                relevance=RawSQL(
                    f"ts_rank(catalog_resource.search_vector, {tsquery})", [query], FloatField()
                )
            )
        )
    # FTS5: each word quoted (so no word is read as an operator) and prefix-matched.
    # The FTS table is joined once, so the MATCH and bm25 run a single time per query.
    match = " ".join(f'"{word}"*' for word in words)
    return queryset.extra(  # noqa: S610 -- constant SQL, the visitor's words are parameters
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = catalog_resource.id", f"{FTS_TABLE} MATCH %s"],
        params=[match],
        select={"relevance": f"-bm25({FTS_TABLE}, %s, %s, %s)"},
        select_params=[TITLE_WEIGHT, TAGS_WEIGHT, DESCRIPTION_WEIGHT],
    )


# A resource's tags as words ("sparse-autoencoders" reads "sparse autoencoders").
TAG_WORDS_SQL = (
    "COALESCE((SELECT {aggregate}(REPLACE(tag.name, '-', ' '), ' ')"
    " FROM catalog_taggedresource AS tagged JOIN taggit_tag AS tag ON tag.id = tagged.tag_id"
    " WHERE tagged.content_object_id = catalog_resource.id), '')"
)
POSTGRESQL_INDEX_SQL = (
    "UPDATE catalog_resource SET search_vector ="
    " setweight(to_tsvector('english', title), 'A')"
    f" || setweight(to_tsvector('english', {TAG_WORDS_SQL.format(aggregate='string_agg')}), 'B')"
    " || setweight(to_tsvector('english', description), 'C')"
)
SQLITE_INDEX_SQL = (
    f"INSERT INTO {FTS_TABLE} (rowid, title, tags, description)"
    f" SELECT id, title, {TAG_WORDS_SQL.format(aggregate='group_concat')}, description"
    " FROM catalog_resource"
)


def index_resources(resource_ids=None) -> None:
    """
    Bring the search index up to date for these resources, or for all of them
    when ``resource_ids`` is None. Deleted resources drop out.
    """
    if resource_ids is not None:
        resource_ids = [int(pk) for pk in resource_ids]
        if not resource_ids:
            return
    with connection.cursor() as cursor:
        if is_postgresql():
            if resource_ids is None:
                cursor.execute(POSTGRESQL_INDEX_SQL)
            else:
                cursor.execute(POSTGRESQL_INDEX_SQL + " WHERE id = ANY(%s)", [resource_ids])
            return
        if resource_ids is None:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
            cursor.execute(SQLITE_INDEX_SQL)
            return
        # Batches stay under SQLite's limit on parameters per statement.
        for start in range(0, len(resource_ids), 500):
            batch = resource_ids[start : start + 500]
            placeholders = ", ".join("%s" for _ in batch)
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", batch)
            cursor.execute(SQLITE_INDEX_SQL + f" WHERE id IN ({placeholders})", batch)


def refresh_planner_statistics() -> None:
    """
    Let the database's query planner see the tables as they now are. SQLite
    keeps no statistics until asked; without them it may read every resource
    and run the full-text match once per row. Run after bulk loads.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def ensure_planner_statistics(sender, connection, **kwargs) -> None:
    """
    On a new SQLite connection, gather statistics if the resource table has
    none: a fresh database, or one whose table a migration rebuilt. Without
    them a search may cost seconds instead of milliseconds.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'catalog_resource'")
            if cursor.fetchone():
                return
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'catalog_resource'")
        if cursor.fetchone():
            cursor.execute("ANALYZE")
