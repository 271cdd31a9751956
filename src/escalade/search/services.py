"""Writes of the search index. The services that change tickets and articles call these, so the index
follows the data without signals."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from escalade.core.outbox import outbox_defer
from escalade.search.backends import backend
from escalade.search.backends.base import PreparedDocuments, prepare_documents
from escalade.search.documents import Document, article_document
from escalade.tickets.models import Ticket

INDEX_BATCH = 2_000  # tickets per transaction: ids fit in IN lists, documents in one statement


def index_ticket(ticket_id: int) -> None:
    """(Re)index one ticket: title, description, follow-ups, solution; removed if it no longer exists."""
    backend().index_ticket(ticket_id)


def index_article(article_id: int) -> None:
    """(Re)index one article (every state: permissions decide who finds drafts)."""
    backend().index_article(article_id)


def search_index_ticket_on_commit(ticket: Ticket) -> None:
    """Reindex ``ticket`` in the background once the caller's transaction commits (never for a
    rolled-back change, and not in the request: the page or API call does not wait for the index)."""
    from escalade.search.tasks import index_ticket_task  # noqa: PLC0415 - tasks import this module

    outbox_defer(index_ticket_task, ticket.pk)


def search_remove(*, kind: str, object_id: int) -> None:
    backend().remove(kind, object_id)


def search_index_tickets(
    *,
    ticket_ids: Sequence[int],
    batch: int = INDEX_BATCH,
    progress: Callable[[int], None] = lambda _done: None,
) -> int:
    """(Re)index many tickets, ``batch`` per transaction and a handful of queries per batch (the same
    documents as :func:`index_ticket`); ``progress(done)`` after each batch. Idempotent: a ticket has one
    document whatever the number of runs. Returns the number of documents written."""
    engine = backend()
    done = written = 0
    for start in range(0, len(ticket_ids), batch):
        ids = ticket_ids[start : start + batch]
        written += engine.index_tickets(ids)
        done += len(ids)
        progress(done)
    return written


def search_prepare_documents(*, documents: Sequence[Document]) -> PreparedDocuments:
    """The Python part of writing ``documents`` (rows and vocabulary), for :func:`search_write_documents`.

    The importer builds its tickets' documents from the rows it writes (``documents.build_ticket_document``)
    instead of reading them back, and prepares them while its previous batch is being written."""
    return prepare_documents(documents)


def search_write_documents(*, prepared: PreparedDocuments) -> None:
    """Write documents made ready by :func:`search_prepare_documents` (upsert by kind and id)."""
    backend().write_prepared(prepared)


def search_rebuild(*, progress: Callable[[int, int], None] = lambda _done, _total: None) -> int:
    """Rebuild the whole index from the tickets and the articles; returns the number of documents.

    Tickets are indexed in batches (keyset over their ids), each in its own transaction, then the articles;
    ``progress(done, total)`` is called after each batch (the command draws a bar with it).
    """
    from escalade.kb.models import Article  # noqa: PLC0415 - kb's services import this module

    engine = backend()
    total = Ticket.objects.count() + Article.objects.count()
    engine.clear()
    done, last = 0, 0
    tickets = Ticket.objects.order_by("pk").values_list("pk", flat=True)
    while ids := list(tickets.filter(pk__gt=last)[:INDEX_BATCH]):
        done += engine.index_tickets(ids)
        last = ids[-1]
        progress(done, total)
    articles = Article.objects.select_related("category").order_by("pk")
    documents = [article_document(article) for article in articles]
    engine.write_many(documents)
    done += len(documents)
    engine.analyze()  # the planner must know the new index's size before the next search
    progress(done, total)
    return done
