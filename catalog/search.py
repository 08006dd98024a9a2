"""
Full-text search over resources, with the engine each database does best.

What is indexed, most telling first: the title; the authors, tags and
identifiers (arXiv ID, DOI, ``owner/repo``, from the main, code and extra
links); the venue, year and extra-link labels; the description.

PostgreSQL: a stored, GIN-indexed ``tsvector`` with those four weights,
English stemming, ranked by ``ts_rank``. SQLite: an FTS5 table (porter
stemming) with the same columns, every word matched as a prefix, ranked by
bm25 with matching weights.

A query is read as units, every one of which must match; a unit may match in
several ways:

* abbreviations and synonyms from the curators' table (``SearchSynonym``):
  "SAE" also finds "sparse autoencoder", and the other way round;
* two words written as one, or one as two ("transformer lens" and
  "transformerlens"), checked against the vocabulary of indexed words;
* a word that no indexed text holds (a typo: "autoencoderz") matches the
  vocabulary's most similar words by trigrams: ``pg_trgm`` on PostgreSQL,
  an FTS5 trigram table on SQLite. Those matches rank below exact ones.

The index and the vocabulary are kept current by ``index_resources``, which
the signal handlers in ``catalog.signals`` call whenever a resource changes.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import islice, pairwise, product

from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Replace

FTS_TABLE = "catalog_resource_fts"
TERMS_TABLE = "catalog_searchterm"
TERMS_TRIGRAM_TABLE = "catalog_searchterm_trgm"
# bm25 weights of the FTS5 columns, in their order.
FTS_COLUMNS = ("title", "authors", "tags", "identifiers", "venue", "description")
FTS_WEIGHTS = (10.0, 5.0, 5.0, 5.0, 2.0, 1.0)
MAX_QUERY_WORDS = 12
# Dotted numbers (arXiv IDs, versions) stay one word; anything else splits on punctuation.
WORD = re.compile(r"\d+(?:\.\d+)+|\w+", re.UNICODE)
VOCABULARY_WORD = re.compile(r"[^\W\d_]\w{2,39}", re.UNICODE)
# How alike two words must be (shared trigrams over all trigrams) to be taken for each other.
SIMILARITY = 0.45
SIMILAR_WORDS = 3
# Matches of the query as typed rank above matches found only through similar words.
EXACT_BONUS = 1000.0


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def search_words(text: str) -> list[str]:
    """The words of a visitor's query, punctuation and operators dropped."""
    return WORD.findall(text.lower())[:MAX_QUERY_WORDS]


@dataclass
class ParsedQuery:
    """A query as units that must all match, each a list of alternatives (lists of words)."""

    units: list[list[list[str]]] = field(default_factory=list)
    fuzzy: bool = False  # some alternatives come only from similar words

    def exact(self) -> "ParsedQuery":
        """The query without the alternatives found by similarity."""
        return ParsedQuery([[unit[0]] for unit in self.units])


def synonym_groups() -> list[list[list[str]]]:
    """The curators' synonyms, each group a list of terms as word lists (cached with the facets)."""
    from catalog.models import SearchSynonym

    groups = []
    for synonym in SearchSynonym.objects.all():
        terms = [search_words(term) for term in synonym.term_list()]
        terms = [term for term in terms if term]
        if len(terms) > 1:
            groups.append(terms)
    return groups


def known_words(words) -> set[str]:
    from catalog.models import SearchTerm

    words = {word for word in words if word}
    if not words:
        return set()
    return set(SearchTerm.objects.filter(word__in=words).values_list("word", flat=True))


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: padded with two spaces before and one after."""
    padded = f"  {word} "
    return {padded[index : index + 3] for index in range(len(padded) - 2)}


def similarity(first: str, second: str) -> float:
    a, b = trigrams(first), trigrams(second)
    return len(a & b) / len(a | b) if a and b else 0.0


def similar_words(word: str) -> list[str]:
    """The vocabulary's words most like ``word`` (a typo's likely meaning), best first."""
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                f"SELECT word FROM {TERMS_TABLE} WHERE word %% %s"
                " ORDER BY similarity(word, %s) DESC, word LIMIT 10",
                [word, word],
            )
        else:
            # Candidates sharing the most trigrams with the word, then pg_trgm's measure.
            grams = sorted({word[index : index + 3] for index in range(len(word) - 2)})
            match = " OR ".join(f'"{gram}"' for gram in grams)
            cursor.execute(
                f"SELECT word FROM {TERMS_TRIGRAM_TABLE} WHERE {TERMS_TRIGRAM_TABLE} MATCH %s"
                " ORDER BY rank LIMIT 50",
                [match],
            )
        candidates = [row[0] for row in cursor.fetchall()]
    scored = sorted(
        ((similarity(word, candidate), candidate) for candidate in candidates),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return [candidate for score, candidate in scored if score >= SIMILARITY][:SIMILAR_WORDS]


def parse_query(text: str, synonyms=None) -> ParsedQuery:
    """
    Read ``text`` as units with their alternatives (see the module's docstring);
    ``synonyms`` as ``synonym_groups`` gives them, read here when not given.
    """
    words = search_words(text)
    groups = synonym_groups() if synonyms is None else synonyms
    joined_pairs = [a + b for a, b in pairwise(words)]
    splits = {
        word: [(word[:cut], word[cut:]) for cut in range(3, len(word) - 2)]
        for word in words
        if len(word) >= 6 and word.isalpha()
    }
    known = known_words(
        words
        + joined_pairs
        + [part for pairs in splits.values() for pair in pairs for part in pair]
    )
    parsed = ParsedQuery()
    index = 0
    while index < len(words):
        # The longest synonym term starting here.
        best, best_length = None, 0
        for group in groups:
            for term in group:
                length = len(term)
                if length > best_length and words[index : index + length] == term:
                    best, best_length = group, length
        if best is not None:
            term = words[index : index + best_length]
            alternatives = [term] + [other for other in best if other != term]
            parsed.units.append(alternatives)
            index += best_length
            continue
        word = words[index]
        if index + 1 < len(words) and word + words[index + 1] in known:
            parsed.units.append([[word, words[index + 1]], [word + words[index + 1]]])
            index += 2
            continue
        alternatives = [[word]]
        if word not in known:
            alternatives += [list(pair) for pair in splits.get(word, []) if set(pair) <= known]
            if len(word) >= 4 and word.isalpha():
                similar = [[other] for other in similar_words(word) if other != word]
                if similar:
                    parsed.fuzzy = True
                    alternatives += similar
        parsed.units.append(alternatives)
        index += 1
    return parsed


def postgresql_query(parsed: ParsedQuery):
    """A ``SearchQuery``: units AND-ed, each unit's alternatives OR-ed."""
    from django.contrib.postgres.search import SearchQuery

    query = None
    for unit in parsed.units:
        alternatives = None
        for alternative in unit:
            one = SearchQuery(" ".join(alternative), config="english", search_type="plain")
            alternatives = one if alternatives is None else alternatives | one
        query = alternatives if query is None else query & alternatives
    return query


def fts5_match(parsed: ParsedQuery) -> str:
    """An FTS5 query: each word quoted (never an operator) and matched as a prefix."""
    units = []
    for unit in parsed.units:
        alternatives = [
            "(" + " AND ".join(f'"{word}"*' for word in alternative) + ")" for alternative in unit
        ]
        units.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(units)


def search_filter(queryset, parsed: ParsedQuery):
    """
    ``queryset`` narrowed to the resources matching ``parsed``. Written without
    naming the resource table, so that it works inside subqueries (facet counts).
    """
    if not parsed.units:
        return queryset.none()
    if is_postgresql():
        return queryset.filter(search_vector=postgresql_query(parsed))
    return queryset.filter(
        pk__in=RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts5_match(parsed)]
        )
    )


# How many spellings of a query (its synonyms' combinations) a title is compared with.
MAX_TITLE_PHRASES = 24


def title_phrases(parsed: ParsedQuery) -> list[str]:
    """The query and its synonyms' spellings as run-together words: "sparseautoencoder"."""
    combinations = islice(product(*parsed.units), MAX_TITLE_PHRASES)
    phrases = {
        "".join(word for words in combination for word in words) for combination in combinations
    }
    return sorted(phrase for phrase in phrases if len(phrase) >= 3)


def with_title_match(queryset, parsed: ParsedQuery):
    """
    ``title_match``: 2 for a featured work whose title starts with the query (or
    one of its synonyms: "SAE" for "Sparse Autoencoders Find…"), 1 for any other
    such work, 0 for the rest. Spaces, hyphens and colons do not count, so
    "transformer lens" names TransformerLens. Searches rank by it first.
    """
    phrases = title_phrases(parsed) if parsed.units else []
    if not phrases:
        return queryset.annotate(title_match=Value(0, IntegerField()))
    squeezed = Lower(Replace(Replace(Replace(F("title"), Value(" ")), Value("-")), Value(":")))
    starts = Q()
    for phrase in phrases:
        starts |= Q(squeezed_title__startswith=phrase)
    # The title is squeezed and compared once per row, then featured decides 2 or 1:
    # ranking a search compares every match.
    return queryset.alias(squeezed_title=squeezed).annotate(
        title_match=Case(
            When(
                starts,
                then=Case(When(featured=True, then=Value(2)), default=Value(1)),
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def with_relevance(queryset, parsed: ParsedQuery):
    """
    ``queryset`` annotated with the ``relevance`` of each resource to ``parsed``
    and its ``title_match`` (``with_title_match``).
    """
    queryset = with_title_match(queryset, parsed)
    if not parsed.units:
        return queryset.annotate(relevance=Value(0.0, FloatField()))
    if is_postgresql():
        from django.contrib.postgres.search import SearchRank

        relevance = SearchRank(F("search_vector"), postgresql_query(parsed))
        if parsed.fuzzy:
            relevance = relevance + Case(
                When(search_vector=postgresql_query(parsed.exact()), then=Value(EXACT_BONUS)),
                default=Value(0.0),
                output_field=FloatField(),
            )
        return queryset.annotate(relevance=relevance)
    # The FTS table is joined once, so bm25 runs a single time per row; only the
    # outermost query ranks, so naming the resource table is safe here.
    weights = ", ".join("%s" for _ in FTS_WEIGHTS)
    relevance = f"-bm25({FTS_TABLE}, {weights})"
    select_params = list(FTS_WEIGHTS)
    if parsed.fuzzy:
        relevance += (
            f" + CASE WHEN {FTS_TABLE}.rowid IN (SELECT rowid FROM {FTS_TABLE}"
            f" WHERE {FTS_TABLE} MATCH %s) THEN {EXACT_BONUS} ELSE 0 END"
        )
        select_params.append(fts5_match(parsed.exact()))
    return queryset.extra(  # noqa: S610 -- constant SQL, the visitor's words are parameters
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = catalog_resource.id", f"{FTS_TABLE} MATCH %s"],
        params=[fts5_match(parsed)],
        select={"relevance": relevance},
        select_params=select_params,
    )


def search(queryset, text: str):
    """
    ``queryset`` narrowed to resources matching ``text``, annotated with a
    ``relevance`` where higher is better. A query with no words matches nothing.
    """
    parsed = parse_query(text)
    if not parsed.units:
        return queryset.none().annotate(relevance=Value(0.0, FloatField()))
    return with_relevance(search_filter(queryset, parsed), parsed)


# What is indexed for each resource, as SQL over catalog_resource; {agg} is the
# database's string aggregate, {sep} its separator argument.
AUTHORS_SQL = (
    "COALESCE((SELECT {agg}(author.name{sep}) FROM catalog_resourceauthor AS authorship"
    " JOIN catalog_author AS author ON author.id = authorship.author_id"
    " WHERE authorship.resource_id = catalog_resource.id), '')"
)
TAGS_SQL = (
    "COALESCE((SELECT {agg}(REPLACE(tag.name, '-', ' '){sep})"
    " FROM catalog_taggedresource AS tagged JOIN taggit_tag AS tag ON tag.id = tagged.tag_id"
    " WHERE tagged.content_object_id = catalog_resource.id), '')"
)
# Canonical keys read "arxiv:2309.08600", "doi:10.1/x", "github.com/owner/repo": the
# colons and slashes become spaces so each part is a word of its own.
IDENTIFIERS_SQL = (
    "REPLACE(REPLACE(catalog_resource.canonical_key || ' ' || catalog_resource.code_url || ' '"
    " || COALESCE((SELECT {agg}(link.canonical_key{sep}) FROM catalog_resourcelink AS link"
    " WHERE link.resource_id = catalog_resource.id), ''), ':', ' '), '/', ' ')"
)
VENUE_SQL = (
    "catalog_resource.venue || ' ' || COALESCE(CAST(catalog_resource.year AS TEXT), '') || ' '"
    " || COALESCE((SELECT {agg}(link.label{sep}) FROM catalog_resourcelink AS link"
    " WHERE link.resource_id = catalog_resource.id), '')"
)


def indexed_columns_sql() -> list[str]:
    """SQL for the indexed text of a resource, one expression per FTS5 column."""
    if is_postgresql():
        agg, sep = "string_agg", ", ' '"
    else:
        agg, sep = "group_concat", ", ' '"
    return [
        "catalog_resource.title",
        AUTHORS_SQL.format(agg=agg, sep=sep),
        TAGS_SQL.format(agg=agg, sep=sep),
        IDENTIFIERS_SQL.format(agg=agg, sep=sep),
        VENUE_SQL.format(agg=agg, sep=sep),
        "catalog_resource.description",
    ]


def postgresql_index_sql() -> str:
    title, authors, tags, identifiers, venue, description = indexed_columns_sql()
    return (
        "UPDATE catalog_resource SET search_vector ="
        f" setweight(to_tsvector('english', {title}), 'A')"
        f" || setweight(to_tsvector('english', {authors} || ' ' || {tags}"
        f" || ' ' || {identifiers}), 'B')"
        f" || setweight(to_tsvector('english', {venue}), 'C')"
        f" || setweight(to_tsvector('english', {description}), 'D')"
    )


def sqlite_index_sql() -> str:
    columns = ", ".join(FTS_COLUMNS)
    return (
        f"INSERT INTO {FTS_TABLE} (rowid, {columns})"
        f" SELECT catalog_resource.id, {', '.join(indexed_columns_sql())} FROM catalog_resource"
    )


# Resources whose indexing waits for the end of a bulk change (see ``indexing_deferred``).
_deferred_ids: ContextVar[set | None] = ContextVar("deferred_index_ids", default=None)


@contextmanager
def indexing_deferred():
    """
    Index each resource changed inside the block once, when it ends, rather
    than on every save, tag and author change: a bulk load saves many times.
    """
    if _deferred_ids.get() is not None:  # already deferred by an outer block
        yield
        return
    token = _deferred_ids.set(set())
    try:
        yield
        pending = _deferred_ids.get()
    finally:
        _deferred_ids.reset(token)
    index_resources(pending)


def index_resources(resource_ids=None) -> None:
    """
    Bring the search index and its vocabulary up to date for these resources,
    or for all of them when ``resource_ids`` is None. Deleted resources drop
    out of the index (their words stay in the vocabulary until a full rebuild).
    """
    if resource_ids is not None:
        resource_ids = [int(pk) for pk in resource_ids]
        if not resource_ids:
            return
        if (pending := _deferred_ids.get()) is not None:
            pending.update(resource_ids)
            return
    with connection.cursor() as cursor:
        if resource_ids is None:
            # Fresh statistics first: after a bulk load the planner would otherwise take
            # the related tables for empty and scan them once per resource.
            cursor.execute("ANALYZE")
            if is_postgresql():
                cursor.execute(postgresql_index_sql())
            else:
                cursor.execute(f"DELETE FROM {FTS_TABLE}")
                cursor.execute(sqlite_index_sql())
            cursor.execute(f"DELETE FROM {TERMS_TABLE}")
            add_vocabulary(cursor, None)
            return
        # Batches stay under SQLite's limit on parameters per statement.
        for start in range(0, len(resource_ids), 500):
            batch = resource_ids[start : start + 500]
            placeholders = ", ".join("%s" for _ in batch)
            where = f" WHERE catalog_resource.id IN ({placeholders})"
            if is_postgresql():
                cursor.execute(postgresql_index_sql() + where, batch)
            else:
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", batch)
                cursor.execute(sqlite_index_sql() + where, batch)
            add_vocabulary(cursor, batch)


def add_vocabulary(cursor, resource_ids) -> None:
    """Add the words of these resources' indexed text (all when None) to the vocabulary."""
    text = " || ' ' || ".join(indexed_columns_sql())
    sql = f"SELECT {text} FROM catalog_resource"
    params = []
    if resource_ids is not None:
        sql += f" WHERE catalog_resource.id IN ({', '.join('%s' for _ in resource_ids)})"
        params = list(resource_ids)
    cursor.execute(sql, params)
    words = set()
    while rows := cursor.fetchmany(2000):
        for (text,) in rows:
            words.update(VOCABULARY_WORD.findall((text or "").lower()))
    words = sorted(words)
    conflict = "ON CONFLICT (word) DO NOTHING" if is_postgresql() else "ON CONFLICT DO NOTHING"
    for start in range(0, len(words), 500):
        batch = words[start : start + 500]
        values = ", ".join("(%s)" for _ in batch)
        cursor.execute(f"INSERT INTO {TERMS_TABLE} (word) VALUES {values} {conflict}", batch)


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
