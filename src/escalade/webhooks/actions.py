"""The "call a webhook" action of automation rules (registered in ``WebhooksConfig.ready``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalade.automation.actions import ActionContext, ActionType, Params
from escalade.core.errors import ValidationFailed
from escalade.core.models import Event
from escalade.tickets.models import Ticket
from escalade.webhooks.models import WebhookSubscription
from escalade.webhooks.services import webhook_send_event


def _parse(value: str, _text: str) -> Params:
    if not value.isdigit() or not WebhookSubscription.objects.filter(pk=int(value)).exists():
        raise ValidationFailed(_("Choose a webhook."))
    return {"value": int(value)}


def _unparse(params: Mapping[str, Any]) -> tuple[str, str]:
    return str(params.get("value", "")), ""


def _run(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    """Send the event that triggered the rule (for a time automation, the ticket's latest event)."""
    subscription = WebhookSubscription.objects.get(pk=params["value"])
    events = Event.objects.filter(content_type__model="ticket", content_type__app_label="tickets")
    if context.trigger_event_id is not None:
        event: Event | None = events.get(pk=context.trigger_event_id)
    else:
        event = events.filter(object_id=ticket.pk).order_by("-id").first()
    if event is None:
        raise ValidationFailed(_("This ticket has no event to send."))
    webhook_send_event(subscription=subscription, event=event, subject=ticket)
    return None


def _describe(params: Mapping[str, Any]) -> str:
    value = params.get("value")
    subscriptions = WebhookSubscription.objects.filter(pk=int(str(value))) if str(value).isdigit() else None
    name = subscriptions.values_list("name", flat=True).first() if subscriptions is not None else None
    return _("call the webhook “%(name)s”") % {"name": name or value}


def _choices() -> list[tuple[str, str]]:
    return [
        (str(pk), name) for pk, name in WebhookSubscription.objects.order_by("name").values_list("pk", "name")
    ]


WEBHOOK_ACTION = ActionType(
    key="webhook",
    label=gettext_lazy("Call a webhook"),
    value_label=gettext_lazy("Webhook"),
    parse=_parse,
    unparse=_unparse,
    run=_run,
    describe=_describe,
    value_choices=_choices,
)
