"""The SLA clock on the event path: every ticket event that can move the clock refreshes the due dates,
in the transaction that records it (so the page or API answer that follows shows them)."""

from __future__ import annotations

from collections.abc import Sequence

from escalade.core.events import Published
from escalade.sla.services import sla_refresh, sla_refresh_many, sla_start_many
from escalade.tickets.models import Ticket

# The actions that change what the clock reads: the state, the priority (targets), the first response,
# the policy. Notes, attachments, links and the sweep's own flags do not.
CLOCK_ACTIONS = (
    "ticket.created", "ticket.replied", "ticket.state_changed", "ticket.resolved", "ticket.reopened",
    "ticket.closed", "ticket.assigned", "ticket.escalated", "ticket.handed_back",
    "ticket.priority_changed", "ticket.qualified", "ticket.merged",
)  # fmt: skip


def sla_on_ticket_events(published: Sequence[Published]) -> None:
    """Start the clocks of new tickets (their history is their creation: nothing to read back) and
    refresh the others from their events (one read for all the tickets of the batch)."""
    created: list[Ticket] = []
    changed: dict[int, Ticket] = {}
    for item in published:
        ticket = item.subject
        if not isinstance(ticket, Ticket):
            continue
        if item.event.action == "ticket.created":
            created.append(ticket)
        else:
            changed[ticket.pk] = ticket  # the last state the service left it in
    if created:
        sla_start_many(tickets=created, now=max(item.event.occurred_at for item in published))
    if len(changed) == 1:
        [ticket] = changed.values()
        sla_refresh(ticket=ticket)
    elif changed:
        sla_refresh_many(tickets=list(changed.values()))
