"""The search interface both backends implement, and everything they share.

A backend finds *candidates* (ids with its own relevance score) inside a permission-filtered subquery,
and corrects typos from the vocabulary. Parsing the query, writing the index, ranking the candidates
(coverage of the query terms, identifier matches, the backend's score, the reader's language), folding
translations of one article into one hit, and highlighting snippets happen here, the same for both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import transaction
from django.db.models import Q

from escalade import authz
from escalade.search.documents import Document, article_document, ticket_document
from escalade.search.models import DocumentKind, SearchAudience, SearchDocument, SearchTerm
from escalade.search.permissions import documents_visible_to, sees_private_text
from escalade.search.text import ParsedQuery, Term, compact, matches, parse_query, snippet, words

CANDIDATES_PER_HIT = 5
MIN_CANDIDATES = 50
FIELD_WEIGHTS = (("title", 1.0), ("keywords", 0.8), ("body", 0.6), ("private_body", 0.4))
CORRECTABLE_LENGTH = 4


@dataclass(frozen=True)
class SearchFilters:
    """Optional narrowing: one organisation, one state, a creation date range."""

    organisation_id: int | None = None
    state: str = ""
    since: date | None = None
    until: date | None = None

    def q(self) -> Q:
        q = Q()
        if self.organisation_id is not None:
            q &= Q(organisation_id=self.organisation_id)
        if self.state:
            q &= Q(state=self.state)
        if self.since is not None:
            q &= Q(created_at__date__gte=self.since)
        if self.until is not None:
            q &= Q(created_at__date__lte=self.until)
        return q


@dataclass(frozen=True)
class Hit:
    """One result: what it is, its key (ticket reference or article slug), a highlighted snippet (safe
    HTML: escaped, then ``<mark>``), and its score (higher is better)."""

    type: str
    id: int
    key: str
    title: str
    snippet: str
    score: float
    state: str
    language: str
    created_at: datetime


@dataclass(frozen=True)
class Candidate:
    document_id: int
    score: float


class SearchBackend(ABC):
    """Index tickets and articles; search them for a person, with permissions inside the query."""

    vendor = ""

    # ------------------------------------------------------------------ writing
    def index_ticket(self, ticket_id: int) -> None:
        from escalade.tickets.models import Ticket  # noqa: PLC0415 - tickets import search lazily too

        ticket = Ticket.objects.select_related("category").filter(pk=ticket_id).first()
        if ticket is None:
            self.remove(DocumentKind.TICKET, ticket_id)
            return
        self.write(ticket_document(ticket))

    def index_article(self, article_id: int) -> None:
        from escalade.kb.models import Article  # noqa: PLC0415

        article = Article.objects.select_related("category").filter(pk=article_id).first()
        if article is None:
            self.remove(DocumentKind.ARTICLE, article_id)
            return
        self.write(article_document(article))

    @transaction.atomic
    def write(self, document: Document) -> SearchDocument:
        row, _created = SearchDocument.objects.update_or_create(
            kind=document.kind, object_id=document.object_id, defaults=document.fields()
        )
        SearchAudience.objects.filter(document=row).exclude(organisation_id__in=document.audience).delete()
        SearchAudience.objects.bulk_create(
            [SearchAudience(document=row, organisation_id=pk) for pk in document.audience],
            ignore_conflicts=True,
        )
        vocabulary = {
            w for w in words(f"{document.title} {document.keywords} {document.body}") if w.isalpha()
        }
        SearchTerm.objects.bulk_create(
            [SearchTerm(term=w) for w in sorted(vocabulary) if 3 <= len(w) <= 64], ignore_conflicts=True
        )
        return row

    def remove(self, kind: str, object_id: int) -> None:
        SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()

    # ------------------------------------------------------------------ reading
    def search(
        self,
        query: str,
        user: authz.AnyUser,
        *,
        types: Sequence[str] = (),
        filters: SearchFilters | None = None,
        limit: int = 20,
        language: str = "",
    ) -> list[Hit]:
        """The best ``limit`` hits for ``query`` among the documents ``user`` may see."""
        parsed = parse_query(query)
        if parsed.is_empty:
            return []
        self.correct(parsed)
        scope = SearchDocument.objects.filter(documents_visible_to(user))
        if types:
            scope = scope.filter(kind__in=list(types))
        scope = scope.filter((filters or SearchFilters()).q())
        private = sees_private_text(user)
        try:
            sql, params = scope.values("id").query.sql_with_params()
        except EmptyResultSet:  # e.g. nobody signed in: nothing to search
            return []
        candidates = self.candidates(
            parsed, scope_sql=sql, scope_params=params, private=private,
            limit=max(MIN_CANDIDATES, limit * CANDIDATES_PER_HIT),
        )  # fmt: skip
        return rank(parsed, candidates, private=private, limit=limit, language=language)

    def correct(self, parsed: ParsedQuery) -> None:
        """Add spelling corrections from the vocabulary to words that match nothing in it."""
        for term in parsed.terms:
            word = term.word
            if len(word) < CORRECTABLE_LENGTH or not word.isalpha() or " " in word:
                continue
            if SearchTerm.objects.filter(term__startswith=min(term.stems, key=len)).exists():
                continue
            for correction in self.corrections(word):
                term.add(correction)

    @abstractmethod
    def corrections(self, word: str) -> list[str]:
        """Vocabulary words close to ``word`` (best first)."""

    @abstractmethod
    def candidates(
        self,
        parsed: ParsedQuery,
        *,
        scope_sql: str,
        scope_params: Sequence[Any],
        private: bool,
        limit: int,
    ) -> list[Candidate]:
        """Documents in the scope subquery matching any term or identifier, best first."""


def _coverage(terms: list[Term], row: SearchDocument, private: bool) -> float:
    if not terms:
        return 0.0
    total = 0.0
    for term in terms:
        best = 0.0
        for name, weight in FIELD_WEIGHTS:
            if name == "private_body" and not private:
                continue
            found = matches(term.stems, getattr(row, name))
            if any(set(alternative) <= found for alternative in term.alternatives):
                best = max(best, weight)
        total += best
    return total / len(terms)


def _identifier_match(fragments: list[str], row: SearchDocument, private: bool) -> float:
    text = row.identifiers + (" " + row.private_identifiers if private else "")
    return 1.0 if fragments and any(f in compact(text) or f in text for f in fragments) else 0.0


def rank(
    parsed: ParsedQuery, candidates: list[Candidate], *, private: bool, limit: int, language: str
) -> list[Hit]:
    """Order candidates by coverage of the query, identifier matches and the backend's score; keep one
    version of each article (the reader's language first)."""
    if not candidates:
        return []
    top = max(c.score for c in candidates) or 1.0
    backend_score = {c.document_id: c.score / top for c in candidates}
    rows = SearchDocument.objects.filter(pk__in=list(backend_score)).defer("indexed_at")
    scored: list[tuple[float, SearchDocument]] = []
    for row in rows:
        score = (
            _coverage(parsed.terms, row, private)
            + _identifier_match(parsed.identifiers, row, private)
            + 0.3 * backend_score[row.pk]
            + (0.05 if language and row.language == language else 0.0)
        )
        scored.append((score, row))
    scored.sort(key=lambda item: (-item[0], item[1].pk))
    hits: list[Hit] = []
    groups: set[str] = set()
    for score, row in scored:
        if row.group_key and row.group_key in groups:
            continue
        groups.add(row.group_key or f"#{row.pk}")
        text = row.body + ("\n" + row.private_body if private and row.private_body else "")
        hits.append(
            Hit(
                type=row.kind, id=row.object_id, key=row.key, title=row.title, snippet=snippet(text, parsed),
                score=round(score, 4), state=row.state, language=row.language, created_at=row.created_at,
            )
        )  # fmt: skip
        if len(hits) == limit:
            break
    return hits
