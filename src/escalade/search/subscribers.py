"""Search on the event path: every ticket event re-indexes its ticket after the commit (through the
outbox, so an index update is never lost to a queue outage)."""

from __future__ import annotations

from collections.abc import Sequence

from escalade.core.events import Published
from escalade.core.outbox import outbox_defer


def search_on_ticket_events(published: Sequence[Published]) -> None:
    """One indexing task for all the tickets of the published events (in order, without repeats)."""
    from escalade.search.tasks import index_tickets_task  # noqa: PLC0415 - tasks import the services

    ticket_ids = list(dict.fromkeys(item.event.object_id for item in published))
    outbox_defer(index_tickets_task, ticket_ids)
