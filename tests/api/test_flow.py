"""An agent takes a ticket from creation to closure through the API, with business-time due dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from escalade.accounts.models import Team
from escalade.accounts.services import team_member_add
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.sla.businesstime import add_business_time
from escalade.sla.models import SlaPolicy
from escalade.tickets.models import Ticket
from tests.accounts.factories import StaffFactory
from tests.api.conftest import PARIS

pytestmark = pytest.mark.django_db

FRIDAY_17H = dt.datetime(2026, 11, 27, 17, 0, tzinfo=PARIS)
MONDAY = dt.date(2026, 11, 30)


def monday(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(MONDAY, dt.time(hour, minute), tzinfo=PARIS)


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def paris(text: str) -> str:
    return instant(text).astimezone(PARIS).strftime("%a %Y-%m-%d %H:%M")


def office_hours_plus(start: dt.datetime, minutes: int) -> dt.datetime:
    """The default policy's calendar, through the business-time arithmetic itself."""
    calendar = SlaPolicy.objects.get(is_default=True).calendar.working_calendar(years=range(2026, 2028))
    return add_business_time(calendar=calendar, start=start, duration=dt.timedelta(minutes=minutes))


@pytest.fixture
def step(api, frozen):
    """``step(moment, user, "take", body)``: POST to the ticket's action at a frozen instant."""

    def call(moment: dt.datetime, user: Any, path: str, body: Any = None, status: int = 200) -> Any:
        with frozen(moment):
            response = api.post(f"/api/{path}", user, body)
        assert response.status_code == status, response.json()
        return response.json()

    return call


@pytest.fixture
def l2_agent(world, step):
    """An L2 team serving client A, created through the API by an administrator, with one agent."""
    body = {"name": "L2 A", "support_level": 2, "organisation_ids": [world.client_a.pk]}
    team = step(FRIDAY_17H - dt.timedelta(days=1), world.administrator, "teams", body, 201)
    agent = StaffFactory.create(email="l2@provider.example")
    team_member_add(actor=Actor.system("tests"), team=Team.objects.get(pk=team["id"]), user=agent)
    return agent


def test_an_agent_takes_a_ticket_from_creation_to_closure(world, step, l2_agent, api, frozen):
    agent, requester = world.agent_a, world.requester_a
    # The requester logs a P3 ticket on Friday at 17:00, one office hour before the weekend.
    created = step(FRIDAY_17H, requester, "tickets", {"title": "VPN", "impact": 2, "urgency": 2}, 201)
    reference = created["reference"]
    ticket = f"tickets/{reference}"
    assert (created["state"], created["priority"], created["channel"]) == ("new", 3, "api")
    assert (created["team"]["name"], created["sla"]["policy"]["name"]) == ("L1 A", "Standard")
    # 240 business minutes: Friday 17:00-18:00, then Monday 08:30-11:30.
    assert paris(created["first_response_due"]) == "Mon 2026-11-30 11:30"
    assert instant(created["first_response_due"]) == office_hours_plus(FRIDAY_17H, 240)
    # 1440 business minutes (8 h 30 a day): 60 on Friday, 510 Monday, 510 Tuesday, 360 on Wednesday.
    assert paris(created["resolution_due"]) == "Wed 2026-12-02 15:30"
    assert instant(created["resolution_due"]) == office_hours_plus(FRIDAY_17H, 1440)

    # The L1 agent takes it on Monday at 09:00, answers at 09:10 (in time) and starts working.
    taken = step(monday(9), agent, f"{ticket}/take")
    assert (taken["state"], taken["assignee"]["email"]) == ("assigned", agent.email)
    step(monday(9, 10), agent, f"{ticket}/followups", {"kind": "reply", "body": "Je regarde."}, 201)
    working = step(monday(9, 15), agent, f"{ticket}/transition", {"state": "in_progress"})
    assert working["state"] == "in_progress"
    assert instant(working["sla"]["first_responded_at"]) == monday(9, 10)
    assert working["sla"]["is_first_response_breached"] is False

    # Waiting for the requester from 10:00 to 14:00 pauses the clock for 180 business minutes.
    pending = step(
        monday(10), agent, f"{ticket}/transition", {"state": "pending_requester", "reason": "Id ?"}
    )
    assert (pending["state"], pending["sla"]["is_paused"]) == ("pending_requester", True)
    assert instant(pending["sla"]["paused_since"]) == monday(10)
    resumed = step(monday(14), agent, f"{ticket}/transition", {"state": "in_progress"})
    assert resumed["sla"]["is_paused"] is False
    # Wednesday 15:30 + 180 business minutes: 150 until Wednesday 18:00, then Thursday 08:30-09:00.
    assert paris(resumed["resolution_due"]) == "Thu 2026-12-03 09:00"
    assert instant(resumed["resolution_due"]) == office_hours_plus(FRIDAY_17H, 1440 + 180)

    # It goes up to level 2, whose agent takes and resolves it; the requester closes it.
    escalated = step(monday(15), agent, f"{ticket}/escalate", {"reason": "Routeur à reconfigurer"})
    assert (escalated["team"]["name"], escalated["support_level"], escalated["state"]) == ("L2 A", 2, "new")
    assert step(monday(15, 30), l2_agent, f"{ticket}/take")["assignee"]["email"] == l2_agent.email
    resolved = step(
        monday(16), l2_agent, f"{ticket}/resolve", {"resolution_code": "solved", "solution": "Fait."}
    )
    assert (resolved["state"], instant(resolved["resolved_at"])) == ("resolved", monday(16))
    assert resolved["sla"]["is_resolution_breached"] is False
    closed = step(monday(17), requester, f"{ticket}/close")
    assert (closed["state"], instant(closed["closed_at"])) == ("closed", monday(17))

    # The clock's timeline tells the story: ran from creation, paused 10:00-14:00, stopped at 16:00.
    with frozen(monday(18)):
        clock = api.get(f"/api/{ticket}/sla", agent).json()
    segments = [
        (part["kind"], instant(part["start"]), part["end"] and instant(part["end"]))
        for part in clock["timeline"]
    ]
    assert segments == [
        ("running", FRIDAY_17H, monday(10)),
        ("paused", monday(10), monday(14)),
        ("running", monday(14), monday(16)),
        ("stopped", monday(16), None),
    ]
    assert (clock["state"], clock["breaches"], clock["resolution_due"]) == ("stopped", [], None)

    events = Event.objects.filter(
        object_id=Ticket.objects.get(reference=reference).pk, content_type__model="ticket"
    ).order_by("id")
    assert [(event.action, event.actor, event.actor_kind) for event in events] == [
        ("ticket.created", requester, "user"),
        ("ticket.assigned", agent, "user"),
        ("ticket.replied", agent, "user"),
        ("ticket.state_changed", agent, "user"),
        ("ticket.state_changed", agent, "user"),
        ("ticket.state_changed", agent, "user"),
        ("ticket.escalated", agent, "user"),
        ("ticket.assigned", l2_agent, "user"),
        ("ticket.resolved", l2_agent, "user"),
        ("ticket.closed", requester, "user"),
    ]
    assert {event.source_ip for event in events} == {"127.0.0.1"}
    assert [event.occurred_at for event in events][-1] == monday(17)
    assert events.get(action="ticket.escalated").changes["team"]["to"] == escalated["team"]["id"]
