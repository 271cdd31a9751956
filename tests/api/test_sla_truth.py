"""The SLA tells the whole truth through the API and on the desk: a due already missed stays shown
while the clock is paused, with how late the ticket is; first-response times and the clock's start;
closure days managed through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.sla.models import BusinessCalendar, ClosureDay
from escalade.sla.selectors import working_calendar_forget
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_assign, ticket_create, ticket_reply, ticket_transition
from tests.sla.factories import default_policy, paris

pytestmark = pytest.mark.django_db

HOUR = 3600


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    working_calendar_forget()


@pytest.fixture
def late_and_paused(world, frozen) -> Ticket:
    """Logged Monday 2 March 09:00 (Paris): answered at 09:30, due at 14:00 (4 business hours with the
    lunch break), still worked on until 15:00, then waiting for the requester."""
    default_policy(targets=dict.fromkeys(range(1, 6), (60, 240)))
    agent = Actor.of(world.agent_a)
    with frozen(paris(2, 9)):
        ticket = ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="VPN")
    with frozen(paris(2, 9, 30)):
        ticket = ticket_assign(actor=agent, ticket=ticket, assignee=world.agent_a)
        ticket = ticket_transition(actor=agent, ticket=ticket, state="in_progress")
        ticket_reply(actor=agent, ticket=ticket, body="Je regarde.")
    with frozen(paris(2, 15)):
        return ticket_transition(actor=agent, ticket=ticket, state="pending_requester")


def test_a_paused_ticket_past_its_due_keeps_the_due_and_a_negative_remaining(
    api, world, frozen, late_and_paused
):
    with frozen(paris(2, 17)):
        clock = api.get(f"/api/tickets/{late_and_paused.reference}/sla", world.agent_a).json()

    assert clock["state"] == "paused"
    assert dt.datetime.fromisoformat(clock["resolution_due"]) == paris(2, 14)
    assert clock["resolution_overdue"] is True
    assert clock["resolution_remaining_seconds"] == -1 * HOUR  # 14:00-15:00 ran past the target
    assert clock["resolution_elapsed_seconds"] == 5 * HOUR
    assert dt.datetime.fromisoformat(clock["started_at"]) == paris(2, 9)
    assert dt.datetime.fromisoformat(clock["resolution_started_at"]) == paris(2, 9)
    assert (clock["first_response_elapsed_seconds"], clock["first_response_remaining_seconds"]) == (
        1800,
        1800,
    )
    assert dt.datetime.fromisoformat(clock["paused_since"]) == paris(2, 15)


def test_the_desk_shows_how_late_a_paused_ticket_is(client, world, frozen, late_and_paused):
    client.force_login(world.agent_a)

    with frozen(paris(2, 17)):
        page = client.get(f"/desk/t/{late_and_paused.reference}/").content.decode()

    countdown = page.split('id="resolution-countdown">', 1)[1].split("</span>", 1)[0]
    assert countdown == "dépassé de 1 h 00 min"
    assert "en pause depuis" in page


def test_an_administrator_manages_closure_days_through_the_api(
    api, world, frozen, django_capture_on_commit_callbacks
):
    policy = default_policy(targets=dict.fromkeys(range(1, 6), (60, 570)))
    calendar = policy.calendar
    with frozen(paris(2, 17)):
        ticket = ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="VPN")
    assert ticket.resolution_due == paris(3, 18)  # 9.5 business hours: 1 h on Monday, 8.5 h on Tuesday
    body = {"closures": [{"date": "2026-03-03", "reason": "Pont"}]}

    with frozen(paris(2, 17, 5)), django_capture_on_commit_callbacks(execute=True):
        response = api.patch(f"/api/calendars/{calendar.pk}", world.administrator, body)

    assert response.status_code == 200, response.content
    assert response.json()["closures"] == [{"date": "2026-03-03", "reason": "Pont"}]
    assert list(ClosureDay.objects.filter(calendar=calendar).values_list("date", "reason")) == [
        (dt.date(2026, 3, 3), "Pont")
    ]
    event = Event.objects.filter(action="businesscalendar.updated").latest("id")
    assert event.changes["closures"] == {"from": [], "to": [["2026-03-03", "Pont"]]}
    ticket.refresh_from_db()
    assert ticket.resolution_due == paris(4, 18)  # Tuesday is closed now: the due moves a day
    seen = api.get("/api/calendars", world.requester_a).json()
    assert [item["closures"] for item in seen if item["id"] == calendar.pk] == [body["closures"]]


@pytest.mark.parametrize(
    "closures",
    [
        [{"date": "2026-03-03"}, {"date": "2026-03-03", "reason": "twice"}],
        [{"date": "not a date"}],
        [{"date": "2026-03-03", "reason": "x" * 201}],
    ],
)
def test_bad_closure_days_are_a_422_and_change_nothing(api, world, closures):
    calendar = BusinessCalendar.objects.get(policies__is_default=True)

    response = api.patch(f"/api/calendars/{calendar.pk}", world.administrator, {"closures": closures})

    assert response.status_code == 422
    assert response.json()["field"].startswith("closures")
    assert not ClosureDay.objects.exists()


def test_a_requester_may_not_change_closure_days(api, world):
    calendar = BusinessCalendar.objects.get(policies__is_default=True)

    response = api.patch(
        f"/api/calendars/{calendar.pk}", world.requester_a, {"closures": [{"date": "2026-03-03"}]}
    )

    assert response.status_code == 403
    assert not ClosureDay.objects.exists()
