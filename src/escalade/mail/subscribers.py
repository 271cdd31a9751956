"""Notification mail on the event path: each ticket event queues the mails it calls for."""

from __future__ import annotations

from collections.abc import Sequence

from escalade.core.events import Published
from escalade.mail.outbound import mail_on_ticket_events
from escalade.tickets.models import Ticket


def mail_on_published(published: Sequence[Published]) -> None:
    """Choose the recipients of each event and write their mails (sent by the worker after commit)."""
    pairs = [(item.event, item.subject) for item in published if isinstance(item.subject, Ticket)]
    if pairs:
        mail_on_ticket_events(pairs=pairs)
