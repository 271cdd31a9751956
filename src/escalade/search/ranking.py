"""Ranking the candidates a backend found: the same for both backends.

A document is scored by its coverage of the query's meaningful words (weighted by the field that holds
them), identifier matches, the backend's own score and the reader's language. An article must also
cover enough of the query to count as an answer (:func:`relevance_floor`): a question the knowledge
base does not cover gets no article rather than noise, and the portal then offers to open a request.
The translations of one article come back as one hit, in the reader's language whenever that version
answers too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalade.search.models import DocumentKind, SearchDocument
from escalade.search.text import ParsedQuery, Term, compact, matches_sorted, snippet, words

if TYPE_CHECKING:
    from escalade.search.backends.base import Candidate, Hit

FIELD_WEIGHTS = (("title", 1.0), ("keywords", 0.8), ("body", 0.6), ("private_body", 0.4))
# A version in the reader's language is preferred over a better-scored translation within this margin
# (the same article: their coverage differs only by how each language words it).
LANGUAGE_MARGIN = 0.35
SHORT_QUERY = 4  # up to this many meaningful words, an article must cover half of them
LONG_QUERY_SHARE = 0.25  # a longer description (a paragraph typed in the portal): this share, at least two
RELATIVE_FLOOR = 0.5  # and at least half the (field-weighted) coverage of the best article


@dataclass(frozen=True)
class Coverage:
    """How much of the query a document covers: ``weighted`` (by field, 0-1) and ``matched`` (terms)."""

    weighted: float
    matched: int
    as_written: int  # matched terms that are words of the vocabulary (not spelling corrections)


def coverage(terms: list[Term], row: SearchDocument, private: bool) -> Coverage:
    if not terms:
        return Coverage(0.0, 0, 0)
    total, matched, as_written = 0.0, 0, 0
    fields = [(name, weight) for name, weight in FIELD_WEIGHTS if private or name != "private_body"]
    distinct = {name: sorted(set(words(getattr(row, name)))) for name, _weight in fields}  # once per row
    for term in terms:
        best = 0.0
        for name, weight in fields:
            found = matches_sorted(term.stems, distinct[name])
            if any(set(alternative) <= found for alternative in term.alternatives):
                best = max(best, weight)
        total += best
        matched += best > 0
        as_written += best > 0 and not term.corrected
    return Coverage(total / len(terms), matched, as_written)


def relevance_floor(terms: int) -> int:
    """How many of a query's ``terms`` meaningful words an article must hold to be an answer: half of
    a short query's, a share of a long description's (at least two), the word of a one-word query."""
    if terms <= SHORT_QUERY:
        return math.ceil(terms / 2)
    return max(2, math.ceil(terms * LONG_QUERY_SHARE))


def _answers(covered: Coverage, floor: int, parsed: ParsedQuery) -> bool:
    """Enough of the query, and, for a query of several words, one of them as written: a guess at a
    misspelt word ("pivot" read as some other word of the vocabulary) is no evidence on its own."""
    return covered.matched >= floor and (covered.as_written > 0 or len(parsed.terms) == 1)


def _identifier_match(fragments: list[str], row: SearchDocument, private: bool) -> float:
    text = row.identifiers + (" " + row.private_identifiers if private else "")
    return 1.0 if fragments and any(f in compact(text) or f in text for f in fragments) else 0.0


def rank(
    parsed: ParsedQuery, candidates: list[Candidate], *, private: bool, limit: int, language: str
) -> list[Hit]:
    """Order candidates by coverage of the query, identifier matches and the backend's score; drop
    articles under the relevance floor; keep one version of each article (the reader's language when
    it answers). Snippets are built for the hits returned only."""
    if not candidates:
        return []
    top = max(c.score for c in candidates) or 1.0
    backend_score = {c.document_id: c.score / top for c in candidates}
    rows = SearchDocument.objects.filter(pk__in=list(backend_score)).defer("indexed_at")
    # Identifiers in the query (error codes, serial numbers) are matched as such: a document without
    # them may still answer its words, so they do not raise the floor.
    floor = relevance_floor(sum(1 for term in parsed.terms if not any(c.isdigit() for c in term.word)))
    scored: list[tuple[float, SearchDocument]] = []
    weighted: dict[int, float] = {}
    for row in rows:
        covered = coverage(parsed.terms, row, private)
        weighted[row.pk] = covered.weighted
        identified = _identifier_match(parsed.identifiers, row, private)
        if row.kind == DocumentKind.ARTICLE and not identified and not _answers(covered, floor, parsed):
            continue
        score = covered.weighted + identified + 0.3 * backend_score[row.pk]
        score += 0.05 if language and row.language == language else 0.0
        scored.append((score, row))
    # Ties by what the documents are, not by their rows' ids (which depend on the order of indexing).
    scored.sort(key=lambda item: (-item[0], item[1].kind, item[1].object_id))
    scored = _near_the_best(scored, weighted)
    chosen = _one_per_group(scored, language)[:limit]
    return [_hit(score, row, parsed, private) for score, row in chosen]


def _near_the_best(
    scored: list[tuple[float, SearchDocument]], weighted: dict[int, float]
) -> list[tuple[float, SearchDocument]]:
    """Articles that cover the query much less than the best one (:data:`RELATIVE_FLOOR`) are left
    out: "connecter" in a password article is no answer to a VPN question the VPN article answers."""
    articles = [weighted[row.pk] for _score, row in scored if row.kind == DocumentKind.ARTICLE]
    if not articles:
        return scored
    bar = RELATIVE_FLOOR * max(articles)
    return [item for item in scored if item[1].kind != DocumentKind.ARTICLE or weighted[item[1].pk] >= bar]


def _one_per_group(
    scored: list[tuple[float, SearchDocument]], language: str
) -> list[tuple[float, SearchDocument]]:
    """One version of each article (translations share a ``group_key``), at its best version's place:
    the reader's language when that version scores within :data:`LANGUAGE_MARGIN` of the best."""
    best: dict[str, tuple[float, SearchDocument]] = {}
    order: list[str] = []
    for score, row in scored:
        key = row.group_key or f"#{row.pk}"
        if key not in best:
            best[key] = (score, row)
            order.append(key)
        elif _prefer(row, best[key], score, language):
            best[key] = (best[key][0], row)  # the group keeps its place
    return [best[key] for key in order]


def _prefer(row: SearchDocument, best: tuple[float, SearchDocument], score: float, language: str) -> bool:
    """``row`` is in the reader's language, the group's best version is not, and ``row`` answers too."""
    in_language = bool(language) and row.language == language and best[1].language != language
    return in_language and score >= best[0] - LANGUAGE_MARGIN


def _hit(score: float, row: SearchDocument, parsed: ParsedQuery, private: bool) -> Hit:
    from escalade.search.backends.base import Hit  # noqa: PLC0415 - base imports this module

    text = row.body + ("\n" + row.private_body if private and row.private_body else "")
    return Hit(
        type=row.kind, id=row.object_id, key=row.key, title=row.title, snippet=snippet(text, parsed),
        score=round(score, 4), state=row.state, language=row.language, created_at=row.created_at,
    )  # fmt: skip
