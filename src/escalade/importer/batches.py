"""An import's batch, ready to be written, and how it is stored: one transaction, complete."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from escalade.core.models import Event
from escalade.generator.writer import BulkWriter
from escalade.search.backends.base import PreparedDocuments
from escalade.search.services import search_write_documents
from escalade.sla.services import sla_refresh
from escalade.tickets.models import FollowUp, Ticket, TicketSequence


@dataclass
class Batch:
    """A batch ready to be written: the rows of each table as the database stores them (ids
    included), tags, and the search documents, all prepared beforehand (the Python work)."""

    rows_read: int  # lines of the file it came from, rejected ones included (for the rate)
    tickets: list[tuple[Any, ...]]
    followups: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    tags: list[tuple[int, int]]
    documents: PreparedDocuments
    last_ids: tuple[int, int, int]  # of tickets, follow-ups and events: their id sequences move past them
    last_references: dict[int, int] = field(default_factory=dict)  # year -> last number handed out
    open_ids: list[int] = field(default_factory=list)  # their SLA clocks start when they are written


class BatchStore:
    """Writes batches (on the connection of the thread or process it is used in)."""

    def __init__(self) -> None:
        self.writers = (BulkWriter(Ticket), BulkWriter(FollowUp), BulkWriter(Event))

    def store(self, batch: Batch) -> None:
        """Write ``batch`` in one transaction, complete: tickets, follow-ups, events, tags, search
        documents, the reference counters and id sequences moved past it, the open tickets' SLA clocks.
        An import stopped after any batch leaves a consistent database (a ticket is never imported
        without its document or its clock), and a resumed one never writes a ticket twice."""
        tickets, followups, events = self.writers
        with transaction.atomic():
            tickets.write_rows(batch.tickets)
            followups.write_rows(batch.followups)
            events.write_rows(batch.events)
            through = Ticket.tags.through
            through.objects.bulk_create(through(ticket_id=ticket, tag_id=tag) for ticket, tag in batch.tags)
            search_write_documents(prepared=batch.documents)
            for writer, last_id in zip(self.writers, batch.last_ids, strict=True):
                writer.sync_sequence(last_id)
            for year, number in batch.last_references.items():
                _advance_reference(year=year, number=number)
            for ticket in Ticket.objects.filter(pk__in=batch.open_ids):
                sla_refresh(ticket=ticket)


def _advance_reference(*, year: int, number: int) -> None:
    """Move the year's reference counter to ``number`` unless it is already past it."""
    sequence, _created = TicketSequence.objects.select_for_update().get_or_create(year=year)
    if sequence.last_number < number:
        sequence.last_number = number
        sequence.save(update_fields=["last_number"])
