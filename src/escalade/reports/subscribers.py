"""The reports on the event path: each ticket event refreshes the ticket's fact and the rollups, in
the transaction that records it (so the dashboard and reports are never behind the tickets)."""

from __future__ import annotations

from collections.abc import Sequence

from escalade.core.events import Published
from escalade.reports.rollups import facts_refresh
from escalade.reports.surveys import survey_plan
from escalade.tickets.models import Ticket

# Events that change nothing the reports count (the rest refresh the fact, which costs a read of the
# ticket's state events; a fact that did not change writes nothing).
IGNORED = frozenset({"ticket.note_added", "ticket.attachment_added", "ticket.linked"})


def reports_on_ticket_events(published: Sequence[Published]) -> None:
    """Refresh the facts of the tickets the events are about, as the services left them."""
    created: dict[int, Ticket] = {}
    changed: dict[int, Ticket] = {}
    for item in published:
        if item.event.action in IGNORED or not isinstance(item.subject, Ticket):
            continue
        fresh = item.event.action == "ticket.created" and item.subject.is_open
        into = created if fresh and item.subject.first_responded_at is None else changed
        into[item.subject.pk] = item.subject  # the last state the service left it in
    for pk in changed:
        created.pop(pk, None)
    facts_refresh(created=list(created.values()), changed=list(changed.values()))
    resolved = {
        item.subject.pk: item.subject
        for item in published
        if item.event.action == "ticket.resolved" and isinstance(item.subject, Ticket)
    }
    survey_plan(tickets=list(resolved.values()))
