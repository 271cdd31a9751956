"""Demo data for webhooks: one subscription to the console sink (``console:``), so that a new,
resolved or breached ticket shows its signed message as one line of the server's log. A few event
types only, and made after the demo tickets: loading the demo writes no message, and using it
writes one line per such event, not a flood."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalade.webhooks.models import CONSOLE_URL, WebhookSubscription
from escalade.webhooks.services import subscription_create

if TYPE_CHECKING:
    from escalade.demo import DemoContext

NAME = "Console (démo / demo)"
EVENT_TYPES = ["ticket.created", "ticket.resolved", "ticket.sla_breached"]


def load(context: DemoContext) -> None:
    if WebhookSubscription.objects.filter(url=CONSOLE_URL, name=NAME).exists():
        return
    context.objects["webhook"] = subscription_create(
        actor=context.actor, name=NAME, url=CONSOLE_URL, event_types=EVENT_TYPES
    )
