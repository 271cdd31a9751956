"""An automation rule can call a webhook: the event that triggered it is delivered, signed, after commit."""

from __future__ import annotations

import json

import pytest

from escalade.automation.services import rule_save
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.models import Event
from escalade.webhooks.models import WebhookDelivery
from escalade.webhooks.services import subscription_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalations_only(world, receiver):
    """A subscription that would never receive a creation by its own event types."""
    return subscription_create(
        actor=Actor.of(world.administrator),
        name="Astreinte",
        url=receiver.url,
        event_types=["ticket.escalated"],
    )


def rule_calling(world, subscription_id: object) -> object:
    return rule_save(
        actor=Actor.of(world.supervisor), name="Prévenir l'astreinte", triggers=["created"], conditions={},
        actions=[{"type": "webhook", "params": {"value": str(subscription_id), "text": ""}}],
    )  # fmt: skip


def test_a_rule_calls_a_webhook_with_the_event_that_triggered_it(
    world, escalations_only, receiver, new_ticket, django_capture_on_commit_callbacks
):
    rule_calling(world, escalations_only.pk)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket()

    [delivery] = WebhookDelivery.objects.filter(subscription=escalations_only)
    created = Event.objects.get(action="ticket.created", object_id=ticket.pk)
    assert delivery.event_id == created.pk
    [request] = receiver.received
    assert json.loads(request.body)["type"] == "ticket.created"
    fired = Event.objects.get(action="ticket.rule_fired", object_id=ticket.pk)
    assert fired.data["name"] == "Prévenir l'astreinte"


def test_a_rule_cannot_name_a_webhook_that_does_not_exist(world):
    with pytest.raises(ValidationFailed):
        rule_calling(world, 999_999)
