"""PostgreSQL: French and English ``tsvector`` columns (unaccented, generated), ranked with ``ts_rank``;
identifier fragments by trigram-indexed ``LIKE``; typos corrected by trigram similarity over the
vocabulary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from escalade.search.backends.base import Candidate, SearchBackend
from escalade.search.text import ParsedQuery

SIMILARITY = 0.4
PREFIX_FROM = 4  # shorter stems match whole words only ("pc", "vpn")


def _lexeme(stem: str, weights: str) -> str:
    prefix = "*" if len(stem) >= PREFIX_FROM else ""
    return f"{stem}:{prefix}{weights}" if prefix or weights else stem


def tsquery(parsed: ParsedQuery, *, private: bool) -> str:
    """``to_tsquery`` text: terms OR-ed; an alternative of several words AND-ed. Without access to
    private text, lexemes are restricted to weights A and B (title, keywords, public text)."""
    weights = "" if private else "AB"
    groups = []
    for term in parsed.terms:
        alternatives = [
            " & ".join(_lexeme(s, weights) for s in alternative if s.isalnum())
            for alternative in term.alternatives
        ]
        groups += [f"({a})" for a in alternatives if a]
    return " | ".join(groups)


class PostgresBackend(SearchBackend):
    vendor = "postgresql"

    def corrections(self, word: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term FROM search_searchterm WHERE term %% %s AND similarity(term, %s) >= %s "
                "ORDER BY similarity(term, %s) DESC, term LIMIT 2",
                [word, word, SIMILARITY, word],
            )
            return [row[0] for row in cursor.fetchall()]

    def candidates(
        self,
        parsed: ParsedQuery,
        *,
        scope_sql: str,
        scope_params: Sequence[Any],
        private: bool,
        limit: int,
    ) -> list[Candidate]:
        query = tsquery(parsed, private=private)
        conditions: list[str] = []
        params: list[Any] = []
        rank = "0"
        if query:
            conditions.append(
                "d.vector_fr @@ to_tsquery('french', %s) OR d.vector_en @@ to_tsquery('english', %s)"
            )
            params += [query, query]
            rank = (
                "greatest(ts_rank(d.vector_fr, to_tsquery('french', %s)), "
                "ts_rank(d.vector_en, to_tsquery('english', %s)))"
            )
        column = "d.identifiers || ' ' || d.private_identifiers"
        for fragment in parsed.identifiers:
            conditions.append(f"({column} LIKE %s{'' if private else ' AND d.identifiers LIKE %s'})")
            params += [f"%{fragment}%"] * (1 if private else 2)
        if not conditions:
            return []
        sql = (
            f"SELECT d.id, {rank} AS score FROM search_searchdocument d "  # noqa: S608 - fixed SQL, params bound
            f"WHERE ({' OR '.join(conditions)}) AND d.id IN ({scope_sql}) ORDER BY score DESC, d.id LIMIT %s"
        )
        rank_params = [query, query] if query else []
        with connection.cursor() as cursor:
            cursor.execute(sql, [*rank_params, *params, *scope_params, limit])
            return [Candidate(document_id=row[0], score=float(row[1])) for row in cursor.fetchall()]
