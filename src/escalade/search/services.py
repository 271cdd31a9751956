"""Writes of the search index. The services that change tickets and articles call these, so the index
follows the data without signals."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from escalade.search.backends import backend
from escalade.search.models import DocumentKind, SearchDocument, SearchTerm
from escalade.tickets.models import Ticket


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

    ticket_id = ticket.pk
    transaction.on_commit(lambda: index_ticket_task(ticket_id))


def search_remove(*, kind: str, object_id: int) -> None:
    backend().remove(kind, object_id)


def search_rebuild(*, progress: Callable[[int, int], None] = lambda _done, _total: None) -> int:
    """Rebuild the whole index from the tickets and the articles; returns the number of documents.

    ``progress(done, total)`` is called after each document (the command draws a bar with it).
    """
    from escalade.kb.models import Article  # noqa: PLC0415 - kb's services import this module

    engine = backend()
    ticket_ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    article_ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    total = len(ticket_ids) + len(article_ids)
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        SearchTerm.objects.all().delete()
    done = 0
    for kind, ids in ((DocumentKind.TICKET, ticket_ids), (DocumentKind.ARTICLE, article_ids)):
        index = engine.index_ticket if kind == DocumentKind.TICKET else engine.index_article
        for object_id in ids:
            index(object_id)
            done += 1
            progress(done, total)
    return total
