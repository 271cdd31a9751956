"""``webhook_send_event``: one event to one subscription on demand (automation's "call a webhook")."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, ValidationFailed
from escalade.core.models import Event
from escalade.webhooks.models import DeliveryState, WebhookDelivery
from escalade.webhooks.services import subscription_create, subscription_update, webhook_send_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def created(new_ticket):
    ticket = new_ticket()
    return Event.objects.get(action="ticket.created", object_id=ticket.pk), ticket


def test_an_event_is_sent_whatever_the_subscriptions_patterns(
    world, receiver, created, django_capture_on_commit_callbacks
):
    event, ticket = created
    hook = subscription_create(
        actor=Actor.of(world.administrator), name="Rule", url=receiver.url, event_types=["ticket.closed"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_event(subscription=hook, event=event)

    [request] = receiver.received
    payload = Webhook(hook.secret).verify(request.body, request.headers)
    assert (payload["type"], payload["data"]["event_id"]) == ("ticket.created", event.pk)
    assert payload["data"]["ticket"]["reference"] == ticket.reference
    delivery.refresh_from_db()
    assert (delivery.event_id, delivery.state) == (event.pk, DeliveryState.SUCCEEDED)


def test_a_client_scoped_subscription_never_gets_another_clients_event(world, receiver, created):
    event, _ticket = created  # client A's
    hook = subscription_create(
        actor=Actor.of(world.administrator), name="B", url=receiver.url, event_types=["*"],
        organisation=world.client_b,
    )  # fmt: skip

    with pytest.raises(ValidationFailed):
        webhook_send_event(subscription=hook, event=event)
    assert not WebhookDelivery.objects.exists()


def test_a_disabled_subscription_is_refused(world, receiver, created):
    event, _ticket = created
    hook = subscription_create(
        actor=Actor.of(world.administrator), name="x", url=receiver.url, event_types=["*"]
    )
    subscription_update(actor=Actor.of(world.administrator), subscription=hook, is_active=False)
    hook.refresh_from_db()

    with pytest.raises(ConflictError):
        webhook_send_event(subscription=hook, event=event)
    assert not WebhookDelivery.objects.exists()
