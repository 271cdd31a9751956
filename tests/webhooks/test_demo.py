"""The demo's webhook: one subscription to the console sink, made once, quiet while loading."""

from __future__ import annotations

import logging

import pytest

from escalade.core.actors import Actor
from escalade.demo import load_demo
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create
from escalade.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_console_webhook_and_loading_it_sends_nothing(
    caplog, django_capture_on_commit_callbacks
):
    load_demo()
    load_demo()

    [webhook] = WebhookSubscription.objects.all()
    assert (webhook.url, webhook.is_active) == ("console:", True)
    assert not WebhookDelivery.objects.exists()

    requester = Ticket.objects.select_related("requester").order_by("pk")[0].requester
    with (
        caplog.at_level(logging.INFO, logger="escalade.webhooks.console"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket_create(actor=Actor.of(requester), requester=requester, title="Souris sans fil HS")

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert [r.name for r in caplog.records].count("escalade.webhooks.console") == 1
