"""Background jobs of search. Thin: each calls one service."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from escalade.search.services import index_ticket


@db_task(name="search.index_ticket", retries=3, retry_delay=10)
def index_ticket_task(ticket_id: int) -> None:
    """(Re)index one ticket; idempotent, so a retry or a duplicate changes nothing."""
    index_ticket(ticket_id)
