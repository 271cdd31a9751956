"""The event path's cost: nothing without subscriptions, a constant number of queries with some."""

from __future__ import annotations

import pytest

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.tickets.models import Ticket
from escalade.webhooks.models import WebhookDelivery
from escalade.webhooks.services import deliveries_for_events, listeners, subscription_create

pytestmark = pytest.mark.django_db


def pairs_of(tickets: list[Ticket]) -> list[tuple[Event, Ticket]]:
    events = {event.object_id: event for event in Event.objects.filter(action="ticket.created")}
    return [(events[ticket.pk], ticket) for ticket in tickets]


def test_without_subscriptions_a_ticket_change_reads_nothing_more(
    world, new_ticket, django_assert_num_queries
):
    pairs = pairs_of([new_ticket()])

    with django_assert_num_queries(0):
        assert deliveries_for_events(pairs) == []


def test_the_subscriptions_are_read_once_then_remembered(world, django_assert_num_queries):
    subscription_create(actor=Actor.of(world.administrator), name="x", url="console:", event_types=["*"])

    with django_assert_num_queries(1):
        first = listeners()
    with django_assert_num_queries(0):
        assert listeners() == first


@pytest.mark.parametrize("count", [1, 8])
def test_deliveries_cost_the_same_for_one_event_or_many(world, new_ticket, count, django_assert_num_queries):
    pairs = pairs_of([new_ticket() for _ in range(count)])
    for name in ("A", "B"):
        subscription_create(actor=Actor.of(world.administrator), name=name, url="console:", event_types=["*"])
    listeners()

    # organisations, people, teams; the deliveries; the outbox row (the task's after-commit hand-over)
    with django_assert_num_queries(5):
        deliveries = deliveries_for_events(pairs)

    assert len(deliveries) == 2 * count
    assert WebhookDelivery.objects.count() == 2 * count
    assert len({delivery.body for delivery in deliveries}) == count  # one body per event, shared
