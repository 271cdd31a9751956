"""Webhooks end to end, against a real HTTP receiver: signature, retries, disabling, replay, idempotency."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from standardwebhooks.webhooks import Webhook

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, ValidationFailed
from escalade.core.models import Event
from escalade.notifications.models import Notification, NotificationKind
from escalade.tickets.services import ticket_add_note, ticket_take
from escalade.webhooks.delivery import MAX_ATTEMPTS, SCHEDULE, deliveries_due
from escalade.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription
from escalade.webhooks.services import delivery_replay, subscription_create, subscription_enable
from escalade.webhooks.tasks import deliver, deliver_due

pytestmark = pytest.mark.django_db


def verified(hook: WebhookSubscription, request) -> Any:
    """What a receiver does with the Standard Webhooks library: verify, then read the JSON."""
    return Webhook(hook.secret).verify(request.body, request.headers)


def time_passes(delivery: WebhookDelivery) -> None:
    """The delivery's next attempt is due now (instead of waiting for its backoff)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def waits(delivery: WebhookDelivery, seconds: int) -> bool:
    """The next attempt is ``seconds`` after the last one ended (it started up to a timeout earlier)."""
    assert delivery.next_attempt_at is not None
    assert delivery.last_attempt_at is not None
    return seconds <= (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds() < seconds + 3


def sweep() -> list[int]:
    """What the minute sweep does: the due deliveries, handed to the delivery task."""
    due = deliveries_due()
    if due:
        deliver(due)
    return due


def test_a_ticket_event_reaches_the_receiver_signed_as_standard_webhooks_says(
    world, hook, receiver, new_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(title="Écran noir au démarrage")

    [request] = receiver.received
    payload = verified(hook, request)
    assert request.path == "/hooks/escalade"
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["content-type"] == "application/json"
    assert payload["type"] == "ticket.created"
    assert payload["version"] == 1
    assert payload["data"]["ticket"]["reference"] == ticket.reference
    assert payload["data"]["ticket"]["title"] == "Écran noir au démarrage"
    assert payload["data"]["ticket"]["organisation"] == {"id": world.client_a.pk, "name": "Client A"}
    assert payload["data"]["ticket"]["requester"]["name"] == world.requester_a.full_name
    assert payload["data"]["ticket"]["url"].endswith(f"/desk/t/{ticket.reference}/")
    assert payload["data"]["actor"] == {"kind": "user", "name": world.requester_a.full_name}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.status_code) == (DeliveryState.SUCCEEDED, 1, 200)
    assert delivery.message_id == request.headers["webhook-id"]
    assert delivery.response_excerpt == '{"ok": true}'
    assert delivery.response_ms is not None
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None


def test_a_tampered_body_does_not_verify(hook, receiver, new_ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        new_ticket()
    [request] = receiver.received
    request.body = request.body.replace(b"Imprimante", b"Imprimerie")

    with pytest.raises(Exception, match="signature"):
        verified(hook, request)


def test_a_receiver_that_times_out_then_fails_then_recovers_gets_the_message(
    hook, receiver, new_ticket, django_capture_on_commit_callbacks
):
    receiver.script = ["hang", 500]  # then 200

    with django_capture_on_commit_callbacks(execute=True):
        new_ticket()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.status_code) == (DeliveryState.RETRYING, 1, None)
    assert delivery.error == gettext("No answer within %(seconds)s s.") % {"seconds": 0.5}
    assert waits(delivery, SCHEDULE[0])
    assert sweep() == []  # not due yet: nothing is sent before its time

    time_passes(delivery)
    assert sweep() == [delivery.pk]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.status_code) == (DeliveryState.RETRYING, 2, 500)
    assert delivery.error == gettext("The receiver answered %(status)s.") % {"status": 500}
    assert waits(delivery, SCHEDULE[1])
    hook.refresh_from_db()
    assert hook.consecutive_failures == 2
    assert hook.failing_since is not None

    time_passes(delivery)
    sweep()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.status_code) == (DeliveryState.SUCCEEDED, 3, 200)
    assert delivery.error == ""
    ids = {request.headers["webhook-id"] for request in receiver.received}
    assert len(receiver.received) == 3
    assert ids == {delivery.message_id}  # the same message id on every attempt
    assert [verified(hook, request)["type"] for request in receiver.received[1:]] == ["ticket.created"] * 2
    hook.refresh_from_db()
    assert (hook.consecutive_failures, hook.failing_since, hook.is_active) == (0, None, True)


def test_after_the_last_attempt_the_delivery_has_failed(hook, receiver, new_ticket, settings):
    settings.ESCALADE_WEBHOOK_DISABLE_AFTER_FAILURES = 100
    receiver.default = 503
    new_ticket()  # no commit in this test: the sweep sends it
    delivery = WebhookDelivery.objects.get()

    for _ in range(MAX_ATTEMPTS):
        time_passes(delivery)
        sweep()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryState.FAILED,
        MAX_ATTEMPTS,
        None,
    )
    assert len(receiver.received) == MAX_ATTEMPTS
    time_passes(delivery)
    assert sweep() == []
    assert sum(SCHEDULE) >= 24 * 3600  # retried for at least a day


def test_a_delivery_is_posted_once_however_many_tasks_name_it(
    hook, receiver, new_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new_ticket()
    delivery = WebhookDelivery.objects.get()

    deliver([delivery.pk])  # the outbox relay hands the same task over again
    deliver([delivery.pk])

    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SUCCEEDED, 1)


def test_a_claimed_delivery_is_left_to_its_worker_until_the_lease_ends(hook, receiver, new_ticket):
    new_ticket()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENDING, attempts=1, next_attempt_at=timezone.now() + dt.timedelta(minutes=1)
    )

    deliver([delivery.pk])
    assert receiver.received == []

    time_passes(delivery)  # the worker died: its lease ran out
    assert sweep() == [delivery.pk]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, len(receiver.received)) == (DeliveryState.SUCCEEDED, 2, 1)


def test_a_subscription_failing_again_and_again_is_disabled_and_the_administrators_told(
    hook, receiver, new_ticket, settings, django_capture_on_commit_callbacks
):
    settings.ESCALADE_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    administrator = hook.created_by
    receiver.default = 500

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            new_ticket()

    hook.refresh_from_db()
    assert hook.is_active is False
    assert hook.disabled_at is not None
    assert "3" in hook.disabled_reason
    [event] = Event.objects.filter(action="webhook.disabled")
    assert event.object_id == hook.pk
    [notice] = Notification.objects.filter(kind=NotificationKind.WEBHOOK_DISABLED)
    assert notice.recipient == administrator
    assert "Supervision" in notice.text

    # Disabled: new events make no delivery, and the retries wait.
    with django_capture_on_commit_callbacks(execute=True):
        new_ticket()
    assert WebhookDelivery.objects.count() == 3
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert sweep() == []
    assert len(receiver.received) == 3

    # Enabled again: the failure record is cleared and the retries go out.
    receiver.default = 200
    subscription_enable(actor=Actor.of(administrator), subscription=hook)
    hook.refresh_from_db()
    assert (hook.is_active, hook.consecutive_failures, hook.disabled_at, hook.disabled_reason) == (
        True,
        0,
        None,
        "",
    )
    assert len(sweep()) == 3
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SUCCEEDED}
    assert Event.objects.filter(action="webhook.enabled", object_id=hook.pk).count() == 1


def test_a_subscription_failing_for_a_day_is_disabled(hook, receiver, new_ticket):
    WebhookSubscription.objects.filter(pk=hook.pk).update(
        consecutive_failures=1, failing_since=timezone.now() - dt.timedelta(hours=25)
    )
    receiver.default = 500
    new_ticket()

    sweep_ids = deliveries_due()
    assert sweep_ids == []  # a new delivery waits for its own task first
    deliver(list(WebhookDelivery.objects.values_list("pk", flat=True)))

    hook.refresh_from_db()
    assert hook.is_active is False
    assert "24" in hook.disabled_reason


def test_a_finished_delivery_can_be_replayed_with_the_same_message_id(
    world, hook, receiver, new_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new_ticket()
    first = WebhookDelivery.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        replay = delivery_replay(actor=Actor.of(world.administrator), delivery=first)

    assert replay.pk != first.pk
    assert (replay.message_id, replay.body, replay.replay_of_id) == (first.message_id, first.body, first.pk)
    replay.refresh_from_db()
    assert replay.state == DeliveryState.SUCCEEDED
    assert [r.headers["webhook-id"] for r in receiver.received] == [first.message_id] * 2
    assert receiver.received[0].body == receiver.received[1].body
    assert verified(hook, receiver.received[1])["type"] == "ticket.created"
    assert Event.objects.filter(action="webhook.replayed", object_id=hook.pk).count() == 1


def test_a_delivery_still_being_attempted_cannot_be_replayed(world, hook, receiver, new_ticket):
    new_ticket()
    pending = WebhookDelivery.objects.get()

    with pytest.raises(ConflictError):
        delivery_replay(actor=Actor.of(world.administrator), delivery=pending)
    assert WebhookDelivery.objects.count() == 1


def test_a_client_scoped_subscription_only_ever_receives_that_clients_public_events(
    world, receiver, new_ticket, django_capture_on_commit_callbacks
):
    scoped = subscription_create(
        actor=Actor.of(world.administrator), name="Client A", url=receiver.url, event_types=["*"],
        organisation=world.client_a,
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        mine = new_ticket(requester=world.requester_a)
        new_ticket(requester=world.requester_b)
        ticket_add_note(actor=Actor.of(world.agent_a), ticket=mine, body="Mot de passe admin : hunter2")
        ticket_take(actor=Actor.of(world.agent_a), ticket=mine)

    payloads = [verified(scoped, request) for request in receiver.received]
    assert [(p["type"], p["data"]["ticket"]["reference"]) for p in payloads] == [
        ("ticket.created", mine.reference)
    ]
    assert all(b"hunter2" not in request.body for request in receiver.received)


def test_notes_reach_the_providers_own_subscriptions_without_their_text(
    world, hook, receiver, new_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket()
        note = ticket_add_note(
            actor=Actor.of(world.agent_a), ticket=ticket, body="Mot de passe admin : hunter2"
        )

    payload = verified(hook, receiver.received[-1])
    assert payload["type"] == "ticket.note_added"
    assert payload["data"]["followup_id"] == note.pk
    assert b"hunter2" not in receiver.received[-1].body


def test_only_the_event_types_asked_for_are_delivered(
    world, receiver, new_ticket, django_capture_on_commit_callbacks
):
    hook = subscription_create(
        actor=Actor.of(world.administrator),
        name="Assignments",
        url=receiver.url,
        event_types=["ticket.assigned"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket()
        ticket_take(actor=Actor.of(world.agent_a), ticket=ticket)

    assert [verified(hook, request)["type"] for request in receiver.received] == ["ticket.assigned"]
    changes = verified(hook, receiver.received[0])["data"]["changes"]
    assert changes["assignee"] == {"from": None, "to": world.agent_a.pk}


def test_redirects_are_not_followed(hook, receiver, new_ticket, django_capture_on_commit_callbacks):
    receiver.default = 302
    with django_capture_on_commit_callbacks(execute=True):
        new_ticket()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.status_code) == (DeliveryState.RETRYING, 302)
    assert len(receiver.received) == 1


def test_the_response_kept_is_an_excerpt(hook, receiver, new_ticket, django_capture_on_commit_callbacks):
    receiver.answer = b"<html>" + b"x" * 5000 + b"</html>"
    with django_capture_on_commit_callbacks(execute=True):
        new_ticket()

    delivery = WebhookDelivery.objects.get()
    assert len(delivery.response_excerpt) == 1024
    assert delivery.response_excerpt.startswith("<html>xxx")


def test_loopback_is_refused_unless_allowed(world, hook, receiver, new_ticket, settings):
    settings.ESCALADE_WEBHOOK_ALLOWED_NETWORKS = []
    new_ticket()
    deliver(list(WebhookDelivery.objects.values_list("pk", flat=True)))

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.RETRYING
    refusal = gettext("%(host)s resolves to a network webhooks may not call (%(address)s).")
    assert delivery.error == refusal % {"host": "127.0.0.1", "address": "127.0.0.1"}
    assert receiver.received == []
    with pytest.raises(ValidationFailed) as refused:
        subscription_create(
            actor=Actor.of(world.administrator), name="x", url="http://127.0.0.1:8000/", event_types=["*"]
        )
    assert refused.value.field == "url"


def test_the_console_sink_logs_one_line_per_message(
    world, new_ticket, caplog, django_capture_on_commit_callbacks
):
    subscription_create(actor=Actor.of(world.administrator), name="Démo", url="console:", event_types=["*"])

    with (
        caplog.at_level(logging.INFO, logger="escalade.webhooks.console"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        new_ticket()

    delivery = WebhookDelivery.objects.get()
    [line] = [r.getMessage() for r in caplog.records if r.name == "escalade.webhooks.console"]
    assert delivery.message_id in line
    assert "ticket.created" in line
    assert delivery.state == DeliveryState.SUCCEEDED


def test_the_minute_sweep_sends_what_the_queue_lost(hook, receiver, new_ticket):
    new_ticket()  # committed without its task running (as if the queue had lost it)
    delivery = WebhookDelivery.objects.get()
    assert deliveries_due() == []  # a new delivery is left to its own task for a minute
    time_passes(delivery)

    assert deliver_due.run_once() is True

    delivery.refresh_from_db()
    assert (delivery.state, len(receiver.received)) == (DeliveryState.SUCCEEDED, 1)
