"""The issue's "done when": a disk-full alert from Alertmanager at 02:00 on a Sunday opens one incident
for the right client, pages the person on call, escalates to the second person after 15 minutes
without acknowledgement, and resolves itself when Alertmanager sends "resolved"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from escalade.alerts.models import Alert
from escalade.core.models import Event
from escalade.oncall.models import Page, Paging
from escalade.oncall.services import escalations_sweep
from escalade.tickets.choices import Channel, State
from escalade.tickets.models import Ticket
from tests.oncall.helpers import SUNDAY_2H, frozen, resolved_of, rota_build, sample

pytestmark = pytest.mark.django_db


def _post(client: Client, token: str, body: dict[str, Any]) -> dict[str, int]:
    response = client.post(f"/alerts/intake/{token}/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    result: dict[str, int] = response.json()
    return result


def _actions(ticket: Ticket) -> list[str]:
    return list(
        Event.objects.filter(object_id=ticket.pk, action__startswith="ticket.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_disk_full_on_sunday_night_pages_escalates_and_resolves(
    client, world, django_capture_on_commit_callbacks
):
    rota = rota_build(world)
    firing = sample("alertmanager-0.25-firing.json")

    with frozen(SUNDAY_2H), django_capture_on_commit_callbacks(execute=True):
        assert _post(client, rota.source.token, firing) == {
            "opened": 1,
            "repeated": 0,
            "resolved": 0,
            "silenced": 0,
            "triaged": 0,
            "ignored": 0,
        }
    ticket = Ticket.objects.get()
    assert (ticket.organisation, ticket.channel, ticket.priority) == (world.client_a, Channel.MONITORING, 1)
    assert ticket.title == "Disk / is 97% full"
    paging = Paging.objects.get(ticket=ticket)
    assert [page.user for page in Page.objects.order_by("id")] == [rota.first]
    pages = [message for message in mail.outbox if "/oncall/page/" in message.body]
    assert [message.to for message in pages] == [[rota.first.email]]  # by e-mail: no other method set

    with frozen(SUNDAY_2H + dt.timedelta(minutes=3)):  # Alertmanager repeats: the same incident
        assert _post(client, rota.source.token, firing)["repeated"] == 1
    assert Ticket.objects.count() == 1
    assert Alert.objects.get().occurrences == 2

    with frozen(SUNDAY_2H + dt.timedelta(minutes=14, seconds=59)):
        assert escalations_sweep() == 0
    with frozen(SUNDAY_2H + dt.timedelta(minutes=15)):
        assert escalations_sweep() == 1
        assert escalations_sweep() == 0  # a second worker's run escalates nothing twice
    assert [page.user for page in Page.objects.order_by("id")] == [rota.first, rota.second]
    paging.refresh_from_db()
    assert paging.level == 1

    with frozen(SUNDAY_2H + dt.timedelta(minutes=20)):
        assert _post(client, rota.source.token, resolved_of(firing))["resolved"] == 1
    ticket.refresh_from_db()
    paging.refresh_from_db()
    assert ticket.state == State.RESOLVED
    assert paging.closed_at is not None
    with frozen(SUNDAY_2H + dt.timedelta(minutes=30)):
        assert escalations_sweep() == 0  # nobody is paged for a resolved incident
    assert _actions(ticket) == [
        "ticket.created",
        "ticket.paged",
        "ticket.alert_fired",
        "ticket.alert_repeated",
        "ticket.page_escalated",
        "ticket.paged",
        "ticket.alert_resolved",
        "ticket.resolved",
        "ticket.paging_ended",
    ]


def test_the_incident_timeline_tells_the_alert_and_the_pages(client, world, rota):
    with frozen(SUNDAY_2H):
        _post(client, rota.source.token, sample("alertmanager-0.25-firing.json"))
    with frozen(SUNDAY_2H + dt.timedelta(minutes=15)):
        escalations_sweep()
    ticket = Ticket.objects.get()
    world.agent_a.language = "en"
    world.agent_a.save()
    client.force_login(world.agent_a)
    page = client.get(f"/desk/t/{ticket.reference}/", headers={"accept-language": "en"}).content.decode()
    for line in (
        "Alert “Disk / is 97% full” fired",
        f"Paged {rota.first.full_name} (level 1): Monitoring alert",
        "No acknowledgement: escalated to level 2",
        f"Paged {rota.second.full_name} (level 2): Monitoring alert",
    ):
        assert line in page, line
