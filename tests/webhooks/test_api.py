"""The webhook endpoints as an integration would use them (the role matrix is in tests/api)."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from escalade.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client) -> Api:
    return Api(client=client)


def test_an_integration_registers_a_webhook_and_receives_signed_events(
    api, world, receiver, new_ticket, django_capture_on_commit_callbacks
):
    body = {
        "name": "ITSM",
        "url": receiver.url,
        "event_types": ["ticket.created"],
        "organisation_id": world.client_a.pk,
    }

    created = api.post("/api/webhooks", world.administrator, body)

    assert created.status_code == 201
    answer = created.json()
    assert answer["secret"].startswith("whsec_")
    assert (answer["organisation_id"], answer["event_types"], answer["is_active"]) == (
        world.client_a.pk, ["ticket.created"], True
    )  # fmt: skip
    listed = api.get("/api/webhooks", world.administrator).json()
    assert [item["name"] for item in listed] == ["ITSM"]
    assert "secret" not in listed[0]

    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket()
    [request] = receiver.received
    payload = Webhook(answer["secret"]).verify(request.body, request.headers)
    assert payload["data"]["ticket"]["reference"] == ticket.reference

    page = api.get(f"/api/webhooks/{answer['id']}/deliveries", world.administrator).json()
    assert page["before"] is None
    [item] = page["items"]
    assert (item["state"], item["status_code"], item["message_id"]) == (
        "succeeded", 200, request.headers["webhook-id"]
    )  # fmt: skip


def test_bad_input_names_the_field(api, world):
    cases = [
        ({"name": "x", "url": "file:///etc/passwd", "event_types": ["*"]}, "url"),
        ({"name": "x", "url": "console:", "event_types": ["asset.created"]}, "event_types"),
        (
            {"name": "x", "url": "console:", "event_types": ["*"], "organisation_id": world.provider.pk},
            "organisation",
        ),
        (
            {"name": "x", "url": "console:", "event_types": ["*"], "organisation_id": 999999},
            "organisation_id",
        ),
    ]
    for body, field in cases:
        response = api.post("/api/webhooks", world.administrator, body)
        assert response.status_code == 422, body
        assert response.json()["field"] == field
    assert not WebhookSubscription.objects.exists()


def test_a_disabled_webhook_is_enabled_again_by_a_patch(api, world):
    created = api.post(
        "/api/webhooks", world.administrator, {"name": "x", "url": "console:", "event_types": ["*"]}
    ).json()
    WebhookSubscription.objects.filter(pk=created["id"]).update(
        is_active=False, consecutive_failures=50, disabled_reason="Trop d'échecs"
    )

    answer = api.patch(f"/api/webhooks/{created['id']}", world.administrator, {"is_active": True}).json()

    assert (answer["is_active"], answer["consecutive_failures"], answer["disabled_reason"]) == (True, 0, "")


def test_replay_and_test_message(api, world, django_capture_on_commit_callbacks):
    created = api.post(
        "/api/webhooks", world.administrator, {"name": "x", "url": "console:", "event_types": ["*"]}
    ).json()

    with django_capture_on_commit_callbacks(execute=True):
        test = api.post(f"/api/webhooks/{created['id']}/test", world.administrator)
    assert test.status_code == 201
    delivery = WebhookDelivery.objects.get(pk=test.json()["id"])
    assert (delivery.event_type, delivery.state) == ("webhook.test", DeliveryState.SUCCEEDED)

    replay = api.post(f"/api/webhooks/{created['id']}/deliveries/{delivery.pk}/replay", world.administrator)
    assert replay.status_code == 201
    assert (replay.json()["message_id"], replay.json()["replay_of_id"]) == (delivery.message_id, delivery.pk)
    again = api.post(
        f"/api/webhooks/{created['id']}/deliveries/{replay.json()['id']}/replay", world.administrator
    )
    assert again.status_code == 409  # the replay is still pending
