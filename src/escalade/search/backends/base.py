"""The search interface both backends implement, and everything they share.

A backend finds *candidates* (ids with its own relevance score) inside a permission-filtered subquery,
and corrects typos from the vocabulary. Parsing the query, writing the index, ranking the candidates
(coverage of the query terms, identifier matches, the backend's score, the reader's language), folding
translations of one article into one hit, and highlighting snippets happen here, the same for both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field, Q, QuerySet
from django.utils import timezone

from escalade import authz
from escalade.search.documents import Document, article_document, ticket_document, ticket_documents
from escalade.search.language import QueryLanguage, bit, query_language
from escalade.search.models import DocumentKind, SearchAudience, SearchDocument, SearchTerm
from escalade.search.permissions import documents_visible_to, sees_private_text
from escalade.search.ranking import rank
from escalade.search.text import ParsedQuery, parse_query, words
from escalade.tickets.choices import OPEN_STATES, State

CANDIDATES_PER_HIT = 5
MIN_CANDIDATES = 50
CORRECTABLE_LENGTH = 4
NEARBY = 5  # close vocabulary words read for each unknown word, before the language choice


# Groups of ticket states a search may be narrowed to (the desk's "open" and "resolved or closed").
STATE_GROUPS: dict[str, tuple[str, ...]] = {
    "open": tuple(OPEN_STATES),
    "done": (State.RESOLVED, State.CLOSED),
}


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
        if self.state in STATE_GROUPS:
            q &= Q(state__in=STATE_GROUPS[self.state])
        elif self.state:
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


@dataclass(frozen=True)
class Scope:
    """The documents of one kind a reader may find, compiled by the ORM (values bound as parameters) in
    two forms: a subquery of their ids, and a condition on the unaliased ``search_searchdocument`` table
    (for a query that reads the table once instead of joining it to itself)."""

    subquery: str
    subquery_params: tuple[Any, ...]
    condition: str
    condition_params: tuple[Any, ...]

    @classmethod
    def of(cls, documents: QuerySet[SearchDocument]) -> Scope:
        """Raises ``EmptyResultSet`` when nothing can match."""
        subquery, subquery_params = documents.values("id").query.sql_with_params()
        query = documents.query
        try:
            condition, condition_params = query.get_compiler(connection=connection).compile(query.where)
        except FullResultSet:
            condition, condition_params = "TRUE", ()
        return cls(subquery, tuple(subquery_params), condition, tuple(condition_params))


class SearchBackend(ABC):
    """Index tickets and articles; search them for a person, with permissions inside the query."""

    vendor = ""

    # ------------------------------------------------------------------ writing
    def index_ticket(self, ticket_id: int) -> None:
        from escalade.tickets.models import Ticket  # noqa: PLC0415 - tickets import search lazily too

        ticket = Ticket.objects.select_related("category", "requester").filter(pk=ticket_id).first()
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
        _sync_audience(row.pk, document.audience)
        _add_vocabulary(vocabulary(document))
        return row

    def remove(self, kind: str, object_id: int) -> None:
        SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()

    # ------------------------------------------------------------------ writing in bulk
    def index_tickets(self, ticket_ids: Sequence[int]) -> int:
        """(Re)index many tickets at once (a few thousand: the ids go into ``IN`` lists); the documents
        of tickets that no longer exist are removed. Returns the number of documents written."""
        documents = ticket_documents(ticket_ids)
        missing = set(ticket_ids) - {document.object_id for document in documents}
        with transaction.atomic():
            if missing:
                SearchDocument.objects.filter(kind=DocumentKind.TICKET, object_id__in=missing).delete()
            self.write_many(documents)
        return len(documents)

    def write_many(self, documents: Sequence[Document]) -> None:
        """Write many documents in a few statements; the same rows, audiences and vocabulary as
        :meth:`write` for each of them."""
        self.write_prepared(prepare_documents(documents))

    @transaction.atomic
    def write_prepared(self, prepared: PreparedDocuments) -> None:
        """Write documents made ready by :func:`prepare_documents` (possibly in another thread)."""
        documents = prepared.documents
        if not documents:
            return
        self.upsert(prepared.rows)
        chosen = [document for document in documents if document.kind != DocumentKind.TICKET]
        if chosen:  # tickets have no audience: their readers follow from organisation and requester
            ids = {
                (kind, object_id): pk
                for pk, kind, object_id in SearchDocument.objects.filter(
                    kind__in={document.kind for document in chosen},
                    object_id__in=[document.object_id for document in chosen],
                ).values_list("pk", "kind", "object_id")
            }
            for document in chosen:
                _sync_audience(ids[document.kind, document.object_id], document.audience)
        _add_vocabulary(prepared.terms)

    def clear(self) -> None:
        """Empty the index (documents, audiences, vocabulary), at once."""
        with transaction.atomic(), connection.cursor() as cursor:
            for model in (SearchAudience, SearchDocument, SearchTerm):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608

    @abstractmethod
    def analyze(self) -> None:
        """Refresh the query planner's statistics after a bulk load."""

    def upsert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert or update ``rows`` (values of ``COLUMNS``, prepared for the database) by (kind, id).

        Portable ``INSERT ... ON CONFLICT DO UPDATE`` run with ``executemany``; PostgreSQL overrides it.
        """
        table, columns = quoted_table_and_columns()
        marks = ", ".join(["%s"] * len(COLUMNS))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks}) {on_conflict_update()}",  # noqa: S608
                rows,
            )

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
        self.correct(parsed, language=language)
        narrowing = (filters or SearchFilters()).q()
        scopes: dict[str, Scope] = {}
        for kind in DocumentKind.values:
            if types and kind not in types:
                continue
            documents = SearchDocument.objects.filter(documents_visible_to(user, kind=kind)).filter(narrowing)
            try:
                scopes[kind] = Scope.of(documents)
            except EmptyResultSet:  # e.g. nobody signed in: nothing of that kind to search
                continue
        if not scopes:
            return []
        private = sees_private_text(user)
        candidates = self.candidates(
            parsed, scopes=scopes, private=private, limit=max(MIN_CANDIDATES, limit * CANDIDATES_PER_HIT)
        )
        return rank(parsed, candidates, private=private, limit=limit, language=language)

    def correct(self, parsed: ParsedQuery, *, language: str = "") -> None:
        """Add spelling corrections from the vocabulary to words that match nothing in it, in the
        query's language (see :mod:`escalade.search.language`); ``language`` is the reader's."""
        unknown = []
        for term in parsed.terms:
            word = term.word
            if len(word) < CORRECTABLE_LENGTH or not word.isalpha() or " " in word:
                continue
            shortest = min(term.stems, key=lambda stem: (len(stem), stem))  # not the set's (hash) order
            if not SearchTerm.objects.filter(term__startswith=shortest).exists():
                unknown.append(term)
        if not unknown:
            return
        unknown_words = {term.word for term in unknown}
        written = [term.word for term in parsed.terms if term.word not in unknown_words]
        known = dict(SearchTerm.objects.filter(term__in=written).values_list("term", "languages"))
        spoken = query_language(parsed.text, known=known, reader=language)
        for term in unknown:
            term.corrected = True
            for correction in self.corrections(term.word, language=spoken):
                term.add(correction)

    def corrections(self, word: str, *, language: QueryLanguage | None = None) -> list[str]:
        """Vocabulary words close to ``word`` (best first), kept to ``language`` when given."""
        return (language or QueryLanguage("", certain=False)).choose(self.nearby(word))

    @abstractmethod
    def nearby(self, word: str) -> list[tuple[str, int]]:
        """Up to :data:`NEARBY` vocabulary words close to ``word``, closest first (equally close ones in
        alphabetical order), each with its language bits."""

    @abstractmethod
    def candidates(
        self, parsed: ParsedQuery, *, scopes: Mapping[str, Scope], private: bool, limit: int
    ) -> list[Candidate]:
        """Documents in the scopes (one per kind of document searched) matching any term or identifier."""


COLUMNS = (
    "kind", "object_id", "key", "group_key", "organisation_id", "requester_id", "visibility", "state",
    "language", "title", "keywords", "body", "private_body", "created_at", "identifiers",
    "private_identifiers", "indexed_at",
)  # fmt: skip
UNIQUE = ("kind", "object_id")


@dataclass(frozen=True)
class PreparedDocuments:
    """Documents with their rows (``COLUMNS`` order, prepared for the database) and vocabulary: the
    Python part of writing them, done before the write (the importer does it while the previous batch
    is being written)."""

    documents: Sequence[Document]
    rows: list[tuple[Any, ...]]
    terms: dict[str, int]  # vocabulary word → language bits


def prepare_documents(documents: Sequence[Document]) -> PreparedDocuments:
    moment = _moment_preparer(SearchDocument._meta.get_field("created_at"))
    indexed_at = moment(timezone.now())
    return PreparedDocuments(
        documents=documents,
        rows=[_prepared(document, indexed_at, moment) for document in documents],
        terms=documents_vocabulary(documents),
    )


def vocabulary(document: Document) -> dict[str, int]:
    """The words of the public text a document adds to the vocabulary (for typo corrections), each
    with the document's language bit."""
    return documents_vocabulary([document])


def documents_vocabulary(documents: Sequence[Document]) -> dict[str, int]:
    """The documents' :func:`vocabulary` merged (a word's language bits or-ed): the texts of one
    language are read as one (a space between two texts ends a word), each distinct word checked once."""
    texts: dict[int, list[str]] = {}
    for document in documents:
        texts.setdefault(bit(document.language), []).append(
            f"{document.title} {document.keywords} {document.body}"
        )
    merged: dict[str, int] = {}
    for language, parts in texts.items():
        for word in set(words(" ".join(parts))):
            if word.isalpha() and 3 <= len(word) <= 64:
                merged[word] = merged.get(word, 0) | language
    return merged


VOCABULARY_CHUNK = 500


def _add_vocabulary(terms: Mapping[str, int]) -> None:
    """Add new words and the languages known words gain; words already there as they are write nothing
    (one read first, so a re-index locks no vocabulary row)."""
    if not terms:
        return
    table = connection.ops.quote_name(SearchTerm._meta.db_table)
    ordered = sorted(terms)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), VOCABULARY_CHUNK):
            chunk = ordered[start : start + VOCABULARY_CHUNK]
            stored = dict(SearchTerm.objects.filter(term__in=chunk).values_list("term", "languages"))
            changes = [
                (term, terms[term]) for term in chunk if term not in stored or terms[term] & ~stored[term]
            ]
            if not changes:
                continue
            values = ", ".join(["(%s, %s)"] * len(changes))
            cursor.execute(
                f"INSERT INTO {table} (term, languages) VALUES {values} ON CONFLICT (term) DO UPDATE "  # noqa: S608
                f"SET languages = {table}.languages | EXCLUDED.languages",
                [value for change in changes for value in change],
            )


def _sync_audience(document_id: int, audience: Sequence[int]) -> None:
    SearchAudience.objects.filter(document_id=document_id).exclude(organisation_id__in=audience).delete()
    SearchAudience.objects.bulk_create(
        [SearchAudience(document_id=document_id, organisation_id=pk) for pk in audience],
        ignore_conflicts=True,
    )


def column_fields() -> list[Field[Any, Any]]:
    """The model fields of ``COLUMNS``, in order."""
    fields = [SearchDocument._meta.get_field(name) for name in COLUMNS]
    return [field for field in fields if isinstance(field, Field)]


_IN_COLUMNS_ORDER = itemgetter(*COLUMNS)


def _moment_preparer(field: Field[Any, Any]) -> Callable[[datetime], Any]:
    """``field.get_db_prep_save`` for datetimes; an aware one is stored as it is on PostgreSQL (what
    the field would return), without the field's checks."""
    database = connections[DEFAULT_DB_ALIAS]
    if database.vendor == "postgresql":
        return lambda value: (
            value
            if type(value) is datetime and value.tzinfo is not None
            else field.get_db_prep_save(value, database)
        )
    return lambda value: field.get_db_prep_save(value, database)


def _prepared(document: Document, indexed_at: Any, moment: Callable[[datetime], Any]) -> tuple[Any, ...]:
    """The row of ``document`` in ``COLUMNS`` order, each value prepared as the ORM would save it: the
    dates through ``moment`` (``indexed_at`` once for all), the others are strings and integers."""
    values = {"kind": document.kind, "object_id": document.object_id, **document.fields()}
    values["created_at"] = moment(values["created_at"])  # type: ignore[arg-type]
    values["indexed_at"] = indexed_at
    return _IN_COLUMNS_ORDER(values)  # type: ignore[no-any-return]


def quoted_table_and_columns() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(SearchDocument._meta.db_table), ", ".join(quote(column) for column in COLUMNS)


def on_conflict_update() -> str:
    """``ON CONFLICT (kind, object_id) DO UPDATE SET ...`` (PostgreSQL and SQLite spell it alike)."""
    quote = connection.ops.quote_name
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in COLUMNS if c not in UNIQUE)
    return f"ON CONFLICT ({', '.join(quote(c) for c in UNIQUE)}) DO UPDATE SET {updates}"
