"""Webhooks on the event path: each published ticket event becomes a delivery per matching subscription."""

from __future__ import annotations

from collections.abc import Sequence

from escalade.core.events import Published
from escalade.tickets.models import Ticket
from escalade.webhooks.services import deliveries_for_events


def webhooks_on_published(published: Sequence[Published]) -> None:
    """Write the deliveries of these events (in the change's transaction); the worker sends them."""
    pairs = [(item.event, item.subject) for item in published if isinstance(item.subject, Ticket)]
    if pairs:
        deliveries_for_events(pairs)
