"""SQLite: an FTS5 table (``unicode61 remove_diacritics 2``) ranked with ``bm25``, title and keywords
weighted up; identifier fragments in a second FTS5 table with the ``trigram`` tokenizer; typos corrected
with difflib over the vocabulary."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from django.db import connection

from escalade.search.backends.base import NEARBY, Candidate, Scope, SearchBackend
from escalade.search.models import SearchTerm
from escalade.search.text import ParsedQuery

PREFIX_FROM = 4
CUTOFF = 0.75
BM25 = "bm25(search_fts, 10.0, 8.0, 1.0, 0.5)"
IDENTIFIER_SCORE = 5.0


def _token(stem: str) -> str:
    return f'"{stem}"*' if len(stem) >= PREFIX_FROM else f'"{stem}"'


def fts_query(parsed: ParsedQuery, *, private: bool) -> str:
    """The FTS5 MATCH expression: terms OR-ed, alternatives of several words AND-ed; without access to
    private text, limited to the public columns."""
    groups = []
    for term in parsed.terms:
        for alternative in term.alternatives:
            tokens = [_token(s) for s in alternative if s.isalnum()]
            if tokens:
                groups.append(f"({' AND '.join(tokens)})")
    if not groups:
        return ""
    expression = " OR ".join(groups)
    return expression if private else f"{{title keywords body}} : ({expression})"


def identifier_query(parsed: ParsedQuery, *, private: bool) -> str:
    fragments = " OR ".join(f'"{f}"' for f in parsed.identifiers if f.isalnum())
    if not fragments:
        return ""
    return fragments if private else f"identifiers : ({fragments})"


class SqliteBackend(SearchBackend):
    vendor = "sqlite"

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")

    def nearby(self, word: str) -> list[tuple[str, int]]:
        nearby = SearchTerm.objects.filter(
            term__startswith=word[0], term__regex=rf"^.{{{len(word) - 2},{len(word) + 2}}}$"
        ).values_list("term", "languages")
        # difflib's similarity; equally close words in alphabetical order, as PostgreSQL's backend
        # orders them (get_close_matches would put them in reverse alphabetical order).
        scored = []
        for term, languages in nearby:
            ratio = difflib.SequenceMatcher(None, word, term).ratio()
            if ratio >= CUTOFF:
                scored.append((-ratio, term, languages))
        return [(term, languages) for _ratio, term, languages in sorted(scored)[:NEARBY]]

    def candidates(
        self, parsed: ParsedQuery, *, scopes: Mapping[str, Scope], private: bool, limit: int
    ) -> list[Candidate]:
        # The FTS tables are joined to the scopes through their subqueries of document ids.
        within = " OR ".join(f"rowid IN ({scope.subquery})" for scope in scopes.values())
        scope_params = [value for scope in scopes.values() for value in scope.subquery_params]
        words_sql = f"SELECT rowid, -{BM25} FROM search_fts WHERE search_fts MATCH %s AND ({within})"  # noqa: S608
        identifiers_sql = (
            f"SELECT rowid, {IDENTIFIER_SCORE} FROM search_fts_identifiers "  # noqa: S608
            f"WHERE search_fts_identifiers MATCH %s AND ({within})"
        )
        queries: list[tuple[str, list[Any]]] = []
        words = fts_query(parsed, private=private)
        if words:
            queries.append((words_sql, [words]))
        fragments = identifier_query(parsed, private=private)
        if fragments:
            queries.append((identifiers_sql, [fragments]))
        scores: dict[int, float] = {}
        with connection.cursor() as cursor:
            for sql, params in queries:
                # Separate statements: FTS5's bm25() refuses to run inside a compound subquery.
                cursor.execute(f"{sql} ORDER BY 2 DESC, rowid LIMIT %s", [*params, *scope_params, limit])
                for document_id, score in cursor.fetchall():
                    scores[document_id] = max(scores.get(document_id, score), float(score))
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [Candidate(document_id=pk, score=score) for pk, score in best]
