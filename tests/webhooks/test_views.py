"""The webhooks pages of the desk: administrators only, secret shown once, delivery log, buttons."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription
from escalade.webhooks.services import subscription_create, webhook_send_test

pytestmark = pytest.mark.django_db

DENIED = ["agent_a", "supervisor", "requester_a", "manager_a", "manager_b"]


@pytest.fixture
def sink(world):
    return subscription_create(
        actor=Actor.of(world.administrator), name="Journal", url="console:", event_types=["ticket.*"]
    )


def everything() -> tuple[object, ...]:
    return (
        list(WebhookSubscription.objects.values()),
        list(WebhookDelivery.objects.values()),
        Event.objects.count(),
    )


def posts(sink, delivery):
    return {
        reverse("webhooks:create"): {"name": "x", "url": "console:", "event_types": ["ticket.created"]},
        reverse("webhooks:detail", args=[sink.pk]): {"name": "y", "url": "console:", "event_types": ["*"]},
        reverse("webhooks:rotate", args=[sink.pk]): {},
        reverse("webhooks:enable", args=[sink.pk]): {},
        reverse("webhooks:test", args=[sink.pk]): {},
        reverse("webhooks:replay", args=[sink.pk, delivery.pk]): {},
    }


@pytest.mark.parametrize("role", DENIED)
def test_only_administrators_see_or_change_webhooks(client, world, sink, role):
    delivery = webhook_send_test(actor=Actor.of(world.administrator), subscription=sink)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SUCCEEDED)
    before = everything()
    client.force_login(world.person(role))

    for url in (
        reverse("webhooks:list"),
        reverse("webhooks:create"),
        reverse("webhooks:detail", args=[sink.pk]),
    ):
        assert client.get(url).status_code == 403
    for url, data in posts(sink, delivery).items():
        assert client.post(url, data).status_code == 403

    assert everything() == before
    assert b"/desk/webhooks/" not in client.get(reverse("workspace:queue")).content or role in {
        "requester_a", "manager_a", "manager_b"
    }  # fmt: skip


def test_anonymous_visitors_are_sent_to_sign_in(client, sink):
    response = client.get(reverse("webhooks:list"))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_an_administrator_creates_a_webhook_and_sees_its_secret_once(client, world):
    client.force_login(world.administrator)

    response = client.post(
        reverse("webhooks:create"),
        {"name": "Supervision", "url": "https://hooks.example.com/escalade", "event_types": ["ticket.*"],
         "organisation": world.client_a.pk, "is_active": "on"},
    )  # fmt: skip

    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert (subscription.name, subscription.organisation, subscription.event_types) == (
        "Supervision", world.client_a, ["ticket.*"]
    )  # fmt: skip
    assert subscription.secret.startswith("whsec_")
    assert subscription.secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert (
        subscription.secret
        not in client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    )
    assert subscription.secret not in client.get(reverse("webhooks:list")).content.decode()


def test_a_bad_address_is_refused_next_to_its_field(client, world):
    client.force_login(world.administrator)

    response = client.post(
        reverse("webhooks:create"),
        {"name": "x", "url": "ftp://example.com/", "event_types": ["ticket.created"]},
    )

    assert response.status_code == 422
    assert gettext("Enter an http:// or https:// address.") in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_forms_need_the_csrf_token(world, sink):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.administrator)

    assert client.post(reverse("webhooks:test", args=[sink.pk])).status_code == 403
    assert not WebhookDelivery.objects.exists()


def test_the_list_page_reads_a_constant_number_of_rows(client, world, sink, django_assert_num_queries):
    for number in range(5):
        subscription_create(
            actor=Actor.of(world.administrator), name=f"Hook {number}", url="console:", event_types=["*"],
            organisation=world.client_b,
        )  # fmt: skip
    client.force_login(world.administrator)
    client.get(reverse("webhooks:list"))

    with django_assert_num_queries(3):  # session, user, subscriptions with their organisations
        response = client.get(reverse("webhooks:list"))
    assert response.content.decode().count("/desk/webhooks/") >= 6


def test_the_delivery_log_pages_by_keyset(client, world, sink, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr("escalade.webhooks.selectors.LOG_PAGE", 3)
    deliveries = [webhook_send_test(actor=Actor.of(world.administrator), subscription=sink) for _ in range(5)]
    client.force_login(world.administrator)
    url = reverse("webhooks:detail", args=[sink.pk])
    client.get(url)

    with django_assert_num_queries(5):  # session, user, subscription, a page of deliveries, the clients
        first = client.get(url).content.decode()
    newest = [delivery.message_id for delivery in reversed(deliveries)]
    assert all(message in first for message in newest[:3])
    assert newest[3] not in first
    assert f"?before={deliveries[2].pk}" in first

    more = client.get(url, {"before": deliveries[2].pk}, headers={"HX-Request": "true"}).content.decode()
    assert "<h1>" not in more  # the rows alone
    assert all(message in more for message in newest[3:])
    assert "before=" not in more


def test_the_buttons_send_a_test_replay_rotate_and_enable(
    client, world, sink, django_capture_on_commit_callbacks
):
    client.force_login(world.administrator)
    old_secret = sink.secret

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:test", args=[sink.pk]))
    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.state) == ("webhook.test", DeliveryState.SUCCEEDED)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:replay", args=[sink.pk, delivery.pk]))
    replay = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert (replay.message_id, replay.replay_of_id, replay.state) == (
        delivery.message_id, delivery.pk, DeliveryState.SUCCEEDED
    )  # fmt: skip

    response = client.post(reverse("webhooks:rotate", args=[sink.pk]))
    sink.refresh_from_db()
    assert sink.secret != old_secret
    assert sink.secret in response.content.decode()

    WebhookSubscription.objects.filter(pk=sink.pk).update(is_active=False, disabled_reason="x")
    client.post(reverse("webhooks:enable", args=[sink.pk]))
    sink.refresh_from_db()
    assert sink.is_active is True
    page = client.get(reverse("webhooks:detail", args=[sink.pk])).content.decode()
    assert "Send a test event" in page or "Envoyer un événement de test" in page


def test_the_replay_of_another_webhooks_delivery_is_not_found(client, world, sink):
    other = subscription_create(
        actor=Actor.of(world.administrator), name="B", url="console:", event_types=["*"]
    )
    delivery = webhook_send_test(actor=Actor.of(world.administrator), subscription=other)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED)
    client.force_login(world.administrator)

    assert client.post(reverse("webhooks:replay", args=[sink.pk, delivery.pk])).status_code == 404
    assert WebhookDelivery.objects.count() == 1
