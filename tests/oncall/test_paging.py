"""Paging: what pages (monitoring, P1 outside office hours, SLA breach at night), channels (e-mail,
SMS/voice through the provider's HTTP API, Slack/Teams webhooks, against a local stand-in), retries,
acknowledging from a signed link (expiring; a GET never acknowledges) and from the desk, repeats."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any
from unittest import mock

import pytest
from django.core import mail, signing

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.oncall.links import page_token, page_url
from escalade.oncall.models import ContactKind, ContactMethod, DeliveryState, Page, PageDelivery, Paging
from escalade.oncall.services import deliveries_due, deliveries_send, escalations_sweep, paging_start
from escalade.sla.models import SlaPolicy
from escalade.tickets.choices import Channel, State
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create
from escalade.tickets.services._common import record
from tests.oncall.helpers import PARIS, SUNDAY_2H, frozen

pytestmark = pytest.mark.django_db

TUESDAY_10H = dt.datetime(2026, 12, 8, 10, 0, tzinfo=PARIS)


def _ticket(world: Any, *, priority: int = 3, channel: str = Channel.PHONE) -> Ticket:
    return ticket_create(
        actor=Actor.of(world.agent_a), requester=world.requester_a, title="Server room too hot",
        channel=channel, priority=priority, priority_reason="test",
    )  # fmt: skip


def _paged(ticket: Ticket) -> list[Any]:
    return list(
        Page.objects.filter(paging__ticket=ticket).order_by("id").values_list("user__email", flat=True)
    )


def test_a_p1_at_night_pages_but_not_in_office_hours_nor_a_p3(world, rota):
    with frozen(SUNDAY_2H):
        night_p1 = _ticket(world, priority=1)
        night_p3 = _ticket(world, priority=3)
    with frozen(TUESDAY_10H):
        day_p1 = _ticket(world, priority=1)
    assert _paged(night_p1) == [rota.first.email]
    assert _paged(night_p3) == []
    assert _paged(day_p1) == []


def test_an_sla_breach_at_night_pages(world, rota):
    with frozen(SUNDAY_2H):
        ticket = _ticket(world, priority=3)
        record(
            actor=Actor.system("sla"),
            ticket=ticket,
            action="ticket.sla_breached",
            data={"target": "resolution"},
        )
    assert _paged(ticket) == [rota.first.email]
    assert Paging.objects.get(ticket=ticket).reason == "SLA breached outside office hours"


def test_pages_go_through_every_contact_method(world, rota, receiver, loopback, settings):
    settings.ESCALADE_ONCALL_SMS_URL = receiver.url
    settings.ESCALADE_ONCALL_SMS_TOKEN = "provider-key"
    ContactMethod.objects.create(user=rota.first, kind=ContactKind.SMS, address="+33600000001")
    ContactMethod.objects.create(user=rota.first, kind=ContactKind.SLACK, address=receiver.url + "/slack")
    ContactMethod.objects.create(user=rota.first, kind=ContactKind.TEAMS, address=receiver.url + "/teams")
    ContactMethod.objects.create(user=rota.first, kind=ContactKind.EMAIL, address="pager@agent-a.example")
    with frozen(SUNDAY_2H):
        ticket = _ticket(world, priority=1)
    paging = Paging.objects.get(ticket=ticket)
    assert deliveries_send(ids=list(PageDelivery.objects.values_list("pk", flat=True))) == 4
    sms, slack, teams = (json.loads(item.body) for item in receiver.received)
    assert (sms["to"], sms["channel"]) == ("+33600000001", "sms")
    assert receiver.received[0].headers["authorization"] == "Bearer provider-key"
    assert ticket.reference in sms["text"]
    assert page_url(paging_id=paging.pk, user_id=rota.first.pk).split("/oncall/")[0] in slack["text"]
    assert [item.path for item in receiver.received[1:]] == ["/hooks/escalade/slack", "/hooks/escalade/teams"]
    assert ticket.reference in teams["text"]
    assert [m.to for m in mail.outbox if "/oncall/page/" in m.body] == [["pager@agent-a.example"]]
    assert set(PageDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    event = Event.objects.get(object_id=ticket.pk, action="ticket.paged")
    assert event.data["channels"] == ["email", "slack", "sms", "teams"]


def test_a_failing_provider_is_retried_then_given_up(world, rota, receiver, loopback, settings):
    settings.ESCALADE_ONCALL_SMS_URL = receiver.url
    receiver.script = [503, 503, 503]
    ContactMethod.objects.create(user=rota.first, kind=ContactKind.VOICE, address="+33600000001")
    with frozen(SUNDAY_2H):
        _ticket(world, priority=1)
        delivery = PageDelivery.objects.get()
        assert deliveries_send(ids=[delivery.pk]) == 0
        assert deliveries_send(ids=[delivery.pk]) == 0  # not due again yet: no second call
    assert len(receiver.received) == 1
    for minutes in (1, 7):
        with frozen(SUNDAY_2H + dt.timedelta(minutes=minutes)):
            assert deliveries_send(ids=deliveries_due()) == 0
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, len(receiver.received)) == (DeliveryState.FAILED, 3, 3)
    assert "503" in delivery.error


def test_the_signed_link_acknowledges_on_post_only(world, rota, client):
    with frozen(SUNDAY_2H):
        ticket = _ticket(world, priority=1)
    paging = Paging.objects.get(ticket=ticket)
    address = page_url(paging_id=paging.pk, user_id=rota.first.pk).split("://", 1)[1].split("/", 1)[1]
    with frozen(SUNDAY_2H + dt.timedelta(minutes=5)):
        assert client.get(f"/{address}").status_code == 200
        paging.refresh_from_db()
        assert paging.acknowledged_at is None  # link previews must not acknowledge
        assert client.post(f"/{address}", {"action": "acknowledge"}).status_code == 302
    paging = Paging.objects.get(pk=paging.pk)
    assert (paging.acknowledged_by, paging.acknowledged_at) == (
        rota.first,
        SUNDAY_2H + dt.timedelta(minutes=5),
    )
    with frozen(SUNDAY_2H + dt.timedelta(minutes=20)):
        assert escalations_sweep() == 0  # acknowledged: nobody else is paged
    assert "ticket.page_acknowledged" in Event.objects.filter(object_id=ticket.pk).values_list(
        "action", flat=True
    )


def test_the_signed_link_resolves(world, rota, client):
    with frozen(SUNDAY_2H):
        ticket = _ticket(world, priority=1)
    paging = Paging.objects.get(ticket=ticket)
    address = "/" + page_url(paging_id=paging.pk, user_id=rota.first.pk).split("/", 3)[3]
    client.post(address, {"action": "resolve", "solution": "Restarted the cooling unit"})
    ticket.refresh_from_db()
    paging.refresh_from_db()
    assert (ticket.state, ticket.solution) == (State.RESOLVED, "Restarted the cooling unit")
    assert paging.closed_at is not None


@pytest.mark.parametrize("token", ["forged", "expired"])
def test_a_forged_or_expired_link_is_refused(world, rota, client, token, settings):
    with frozen(SUNDAY_2H):
        ticket = _ticket(world, priority=1)
    paging = Paging.objects.get(ticket=ticket)
    if token == "forged":
        value = signing.dumps({"p": paging.pk, "u": rota.first.pk}, salt="another salt")
    else:  # signed longer ago than the links live
        then = time.time() - (settings.ESCALADE_ONCALL_LINK_HOURS * 3600 + 60)
        with mock.patch("time.time", return_value=then):
            value = page_token(paging_id=paging.pk, user_id=rota.first.pk)
    assert client.post(f"/oncall/page/{value}/", {"action": "acknowledge"}).status_code == 404
    paging.refresh_from_db()
    assert paging.acknowledged_at is None


def test_acknowledge_from_the_desk(world, rota, client):
    with frozen(SUNDAY_2H):
        ticket = _ticket(world, priority=1)
    paging = Paging.objects.get(ticket=ticket)
    client.force_login(world.agent_a)
    page = client.get("/desk/oncall/pages/")
    assert ticket.reference in page.content.decode()
    assert client.post(f"/desk/oncall/pages/{paging.pk}/acknowledge/").status_code == 302
    paging.refresh_from_db()
    assert paging.acknowledged_by == world.agent_a


def test_policies_repeat_then_stop(world, rota):
    rota.policy.repeat = 1
    rota.policy.save()
    with frozen(SUNDAY_2H):
        ticket = _ticket(world, priority=1)
    for minutes in range(15, 15 * 7, 15):
        with frozen(SUNDAY_2H + dt.timedelta(minutes=minutes)):
            escalations_sweep()
    supervisor = world.supervisor.email
    assert _paged(ticket) == [rota.first.email, rota.second.email, supervisor] * 2
    assert Event.objects.filter(object_id=ticket.pk, action="ticket.paging_ended").count() == 1


def test_a_ticket_already_paged_is_not_paged_twice(world, rota):
    with frozen(SUNDAY_2H):
        ticket = _ticket(world, priority=1)
        assert paging_start(ticket=ticket, policy=rota.policy, reason="again") is None
    assert Paging.objects.count() == 1


def test_office_hours_come_from_the_tickets_sla_calendar(world, rota):
    assert SlaPolicy.objects.filter(is_default=True).exists()
    with frozen(TUESDAY_10H.replace(hour=22)):  # a weekday evening: outside office hours
        assert _paged(_ticket(world, priority=1)) == [rota.second.email]  # the second week's person


def test_the_minute_job_runs_once_per_tick_however_many_workers(world, rota):
    from escalade.oncall.tasks import escalate

    with frozen(SUNDAY_2H):
        ticket = _ticket(world, priority=1)
    with frozen(SUNDAY_2H + dt.timedelta(minutes=15, seconds=5)):
        assert escalate.run_once() is True
    with frozen(SUNDAY_2H + dt.timedelta(minutes=15, seconds=40)):  # another worker, same minute
        assert escalate.run_once() is False
    assert _paged(ticket) == [rota.first.email, rota.second.email]
