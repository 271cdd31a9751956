"""PostgreSQL: one ``tsvector`` column of unaccented, unstemmed words (generated; queries bring their own
stems as prefixes, see ``search.text``), ranked with ``ts_rank``; identifier fragments by trigram-indexed
``LIKE``; typos corrected by trigram similarity over the vocabulary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, transaction

from escalade.search.backends.base import (
    CANDIDATES_PER_HIT,
    NEARBY,
    Candidate,
    Scope,
    SearchBackend,
    column_fields,
    on_conflict_update,
    quoted_table_and_columns,
)
from escalade.search.models import DocumentKind
from escalade.search.text import ParsedQuery

SIMILARITY = 0.4
COPY_FROM = 100  # documents written at once from which they go through COPY (see ``upsert``)
STAGING = "search_document_staging"
PREFIX_FROM = 4  # shorter stems match whole words only ("pc", "vpn")


def _lexeme(stem: str, weights: str) -> str:
    prefix = "*" if len(stem) >= PREFIX_FROM else ""
    return f"{stem}:{prefix}{weights}" if prefix or weights else stem


def term_queries(parsed: ParsedQuery, *, private: bool) -> list[str]:
    """One ``to_tsquery`` text per term: its alternatives OR-ed, the words of an alternative AND-ed.
    Without access to private text, lexemes are restricted to weights A and B (title, keywords, public
    text)."""
    weights = "" if private else "AB"
    queries = []
    for term in parsed.terms:
        alternatives = [
            " & ".join(_lexeme(s, weights) for s in alternative if s.isalnum())
            for alternative in term.alternatives
        ]
        if any(alternatives):
            queries.append(" | ".join(f"({a})" for a in alternatives if a))
    return queries


def tsquery(parsed: ParsedQuery, *, private: bool, every: bool = False) -> str:
    """``to_tsquery`` text: terms OR-ed (AND-ed with ``every``)."""
    terms = term_queries(parsed, private=private)
    return " & ".join(f"({term})" for term in terms) if every else " | ".join(terms)


# How tickets are found at a cost that does not grow with the index (a common word matches a tenth of
# a million tickets, and reading its GIN entries or ranking its matches would cost in proportion):
# 1. the WINDOW most recent tickets in the reader's scope (an index-only scan, newest first) are matched
#    and ranked, documents matching every term first, and each term's matches there are counted;
# 2. only when too few of those match every term to fill a page, older tickets are looked up in the GIN
#    indexes, by the terms that are rare in the window only (a prefix such as "pass:*" makes GIN read
#    every entry of every word it starts, so a common term stays out of the index condition and is
#    checked on the rows found), behind a materialised CTE so that the planner cannot turn it into a
#    backward scan of the whole table; the POOL most recent matches are ranked. The same with any term
#    when every term is rare and there are still too few.
# 3. The window can misjudge a term: after a burst of identical tickets (a monitoring storm, an
#    integration), the newest 2,000 hold none of "mot de passe", which then looks rare, while the GIN
#    indexes hold it for a third of the index, and reading all of its matches would read most of the
#    table. So a term the window finds rare goes to the GIN indexes only if PostgreSQL's statistics of
#    the whole index (``most_common_elems``, through the planner's estimate) agree. A term they find
#    frequent is looked for in the DEEPER tickets of the scope that precede the window by more than
#    SKIP (a burst is short: this reads past it), read in order: bounded, and the window's rows are
#    not read twice.
# Other documents (articles: a few hundred) are ranked all together.
WINDOW = 2_000
RARE = WINDOW // 50  # at most this many matches in the window: rare enough for the GIN indexes...
INDEXABLE = 50_000  # ...if the whole index holds at most about this many documents matching it
DEEPER = 5_000
SKIP = dt.timedelta(hours=1)
POOL = 250
CONFIG = "escalade"  # unstemmed words, French and English stop words left out (migration search 0005)
TABLE = "search_searchdocument"  # unaliased where the scope's condition applies (it names the table)


def _match(table: str, function: bool = False) -> str:
    """``vector @@ query`` (one parameter); as a function call, the planner cannot use an index for it."""
    if function:
        return f"ts_match_vq({table}.vector, to_tsquery('{CONFIG}', %s))"
    return f"({table}.vector @@ to_tsquery('{CONFIG}', %s))"


def _rank(table: str) -> str:
    return f"ts_rank({table}.vector, to_tsquery('{CONFIG}', %s))"


def _newest(scope: str, terms: int) -> str:
    """Params: scope, WINDOW, rank (any term), match (every term), match (any term), limit, then each
    term. One row per best match (id, score) with the window's size and oldest date, then the counts
    (matching every term, then each term's), or one such row with no id when nothing matched."""
    counts = "".join(f", count(*) FILTER (WHERE {_match('matched')})" for _term in range(terms))
    return (
        # ``newest`` reads the index only; ``recent_rows`` is materialised so that matching cannot use
        # the GIN indexes (which would read every match of a common word, far beyond the window).
        f"WITH newest AS MATERIALIZED (SELECT id, created_at FROM {TABLE} WHERE {scope} "  # noqa: S608 - values bound
        "ORDER BY created_at DESC, id DESC LIMIT %s), "
        "recent_rows AS MATERIALIZED ("
        f"SELECT d.id, d.vector FROM newest JOIN {TABLE} d USING (id)), "
        f"matched AS MATERIALIZED (SELECT id, vector, {_rank('recent_rows')} AS score, "
        f"{_match('recent_rows')} AS every_term FROM recent_rows WHERE {_match('recent_rows')}), "
        "best AS (SELECT id, score FROM matched ORDER BY every_term DESC, score DESC, id LIMIT %s) "
        "SELECT best.id, best.score, (SELECT count(*) FROM newest), (SELECT min(created_at) FROM newest), "
        "counts.* "
        f"FROM (SELECT count(*) FILTER (WHERE every_term){counts} FROM matched) AS counts "
        "LEFT JOIN best ON TRUE"
    )


OLDER = (  # params: scope, indexed match (rare terms), checked match, rank (any term), POOL, limit
    f"WITH found AS MATERIALIZED (SELECT id, created_at FROM {TABLE} WHERE {{scope}} "  # noqa: S608
    f"AND {_match(TABLE)} AND {_match(TABLE, function=True)}) "
    f"SELECT d.id, {_rank('d')} AS score "
    "FROM (SELECT id FROM found ORDER BY created_at DESC, id DESC LIMIT %s) AS recent "
    f"JOIN {TABLE} d ON d.id = recent.id ORDER BY score DESC, d.id LIMIT %s"
)
# The DEEPER newest documents of the scope created before a date (an index-only scan, then each row by
# its key; the function form of the match keeps the GIN indexes out), those matching every term first.
# Params: scope, before, DEEPER, every term, any term, rank (any term), POOL, limit.
DEEPER_SLICE = (
    f"WITH slice AS MATERIALIZED (SELECT id, created_at FROM {TABLE} WHERE {{scope}} "  # noqa: S608
    "AND created_at < %s ORDER BY created_at DESC, id DESC LIMIT %s), "
    f"found AS MATERIALIZED (SELECT slice.id, slice.created_at, {_match('d', function=True)} AS every_term "
    f"FROM slice JOIN {TABLE} d USING (id) WHERE {_match('d', function=True)}) "
    f"SELECT d.id, {_rank('d')} AS score "
    "FROM (SELECT id FROM found ORDER BY every_term DESC, created_at DESC, id DESC LIMIT %s) AS recent "
    f"JOIN {TABLE} d ON d.id = recent.id ORDER BY score DESC, d.id LIMIT %s"
)
ESTIMATE = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {TABLE} WHERE {_match(TABLE)}"  # noqa: S608
OTHERS = (  # params: rank, scope, match, limit
    f"SELECT id, {_rank(TABLE)} AS score FROM {TABLE} WHERE {{scope}} AND {_match(TABLE)} "  # noqa: S608
    "ORDER BY score DESC, id LIMIT %s"
)
# Any ``limit`` documents holding a fragment (no order: a fragment specific enough to be useful finds
# few, and the scan stops at ``limit``); the expression is the trigram-indexed one.
IDENTIFIERS = "SELECT id FROM search_searchdocument WHERE ({matched}) AND ({scope}) LIMIT %s"
IDENTIFIER = "((identifiers || ' ' || private_identifiers) LIKE %s)"


class PostgresBackend(SearchBackend):
    vendor = "postgresql"

    def nearby(self, word: str) -> list[tuple[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term, languages FROM search_searchterm "
                "WHERE term %% %s AND similarity(term, %s) >= %s "
                "ORDER BY similarity(term, %s) DESC, term LIMIT %s",
                [word, word, SIMILARITY, word, NEARBY],
            )
            return [(term, languages) for term, languages in cursor.fetchall()]

    def candidates(
        self, parsed: ParsedQuery, *, scopes: Mapping[str, Scope], private: bool, limit: int
    ) -> list[Candidate]:
        """Tickets (newest first, see ``WINDOW``), other documents ranked by ``ts_rank``, identifier
        matches; each statement reads the documents table without joining it to the scope."""
        found: dict[int, float] = {}
        terms = term_queries(parsed, private=private)
        any_term = tsquery(parsed, private=private)
        for kind, scope in scopes.items():
            if terms and kind == DocumentKind.TICKET:
                _merge(found, _tickets(scope, terms, limit=limit))
            elif terms:
                params = scope.condition_params
                _merge(found, _run(OTHERS.format(scope=scope.condition), any_term, *params, any_term,
                                   limit))  # fmt: skip
            if parsed.identifiers:
                for (pk,) in _identifiers(parsed.identifiers, scope, private=private, limit=limit):
                    found.setdefault(pk, 0.0)
        return [Candidate(document_id=pk, score=score) for pk, score in found.items()]

    def upsert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """A few documents: one ``INSERT ... SELECT FROM unnest(arrays)``, one round-trip. Many (bulk
        indexing, imports): ``COPY`` into a temporary table, then one ``INSERT ... SELECT`` from it;
        psycopg writes ``COPY`` rows in C, where it builds the arrays in Python."""
        table, columns = quoted_table_and_columns()
        with connection.cursor() as cursor:
            if len(rows) < COPY_FROM:
                arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in column_fields())
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) {on_conflict_update()}",  # noqa: S608
                    [list(values) for values in zip(*rows, strict=True)],
                )
                return
            # The session's staging table, emptied at each commit (and after each use, for a second
            # batch in the same transaction); temporary tables write no WAL.
            create = f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} ON COMMIT DELETE ROWS AS SELECT"
            cursor.execute(f"{create} {columns} FROM {table} WITH NO DATA")
            with cursor.cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            insert = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {STAGING}"  # noqa: S608
            cursor.execute(f"{insert} {on_conflict_update()}")
            cursor.execute(f"DELETE FROM {STAGING}")  # noqa: S608

    def clear(self) -> None:
        """``TRUNCATE``: no row by row deletion (nor dead rows) at a million documents. The foreign keys'
        checks still pending in the caller's transaction run first (TRUNCATE refuses to run with them)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE search_searchaudience, search_searchdocument, search_searchterm")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are initially deferred

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchdocument, search_searchterm")  # inside a transaction too


def _run(sql: str, *values: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return list(cursor.fetchall())


def _merge(found: dict[int, float], rows: list[tuple[Any, ...]]) -> None:
    for pk, score, *_rest in rows:
        found[pk] = max(found.get(pk, 0.0), float(score))


def _tickets(scope: Scope, terms: list[str], *, limit: int) -> list[tuple[Any, ...]]:
    """The newest tickets first, older ones only when needed (see ``WINDOW``)."""
    every_term, any_term = " & ".join(f"({term})" for term in terms), " | ".join(terms)
    params = scope.condition_params
    rows = _run(
        _newest(scope.condition, len(terms)), *params, WINDOW, any_term, every_term, any_term, limit, *terms,
    )  # fmt: skip
    window, oldest, every_count, *term_counts = rows[0][2:]
    found = [(pk, score) for pk, score, *_counts in rows if pk is not None]
    enough = max(1, limit // CANDIDATES_PER_HIT)  # enough documents matching every term to fill a page
    rare = [term for term, count in zip(terms, term_counts, strict=True) if count <= RARE]
    if every_count >= enough or not rare or window < WINDOW:  # (a short window holds the whole scope)
        return found
    indexable = [term for term in rare if _estimated_matches(term) <= INDEXABLE]
    if not indexable:  # rare in the window only: look further back, in order and bounded
        sql = DEEPER_SLICE.format(scope=scope.condition)
        return found + _run(sql, *params, oldest - SKIP, DEEPER, every_term, any_term, any_term, POOL, limit)
    older = OLDER.format(scope=scope.condition)
    indexed = " & ".join(f"({term})" for term in indexable)
    found += _run(older, *params, indexed, every_term, any_term, POOL, limit)
    if len(indexable) == len(terms) > 1 and len({pk for pk, _score in found}) < enough:
        found += _run(older, *params, any_term, any_term, any_term, POOL, limit)
    return found


def _estimated_matches(term: str) -> float:
    """How many documents of the whole index match ``term``, as PostgreSQL's planner estimates it from
    the statistics of the vectors (a plan, no execution: well under a millisecond)."""
    plan = _run(ESTIMATE, term)[0][0]
    return float(plan[0]["Plan"]["Plan Rows"])


def _identifiers(fragments: list[str], scope: Scope, *, private: bool, limit: int) -> list[tuple[Any, ...]]:
    patterns = [f"%{fragment}%" for fragment in fragments]
    matched = " OR ".join([IDENTIFIER] * len(patterns))
    if not private:  # the same fragments, in the public identifiers only
        matched = f"({matched}) AND identifiers LIKE ANY(%s)"
    extra = [] if private else [patterns]
    sql = IDENTIFIERS.format(matched=matched, scope=scope.condition)
    return _run(sql, *patterns, *extra, *scope.condition_params, limit)
