"""Background jobs of search. Thin: each calls one service."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from escalade.core.outbox import deferrable
from escalade.search.services import index_ticket, search_index_tickets


@deferrable
@db_task(name="search.index_ticket", retries=3, retry_delay=10)
def index_ticket_task(ticket_id: int) -> None:
    """(Re)index one ticket; idempotent, so a retry or a duplicate changes nothing."""
    index_ticket(ticket_id)


@deferrable
@db_task(name="search.index_tickets", retries=3, retry_delay=10)
def index_tickets_task(ticket_ids: list[int]) -> None:
    """(Re)index several tickets at once (tickets created in a batch); idempotent like the above."""
    search_index_tickets(ticket_ids=ticket_ids)
