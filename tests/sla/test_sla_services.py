"""Due dates kept by the ticket services: pause/resume, reopenings, policy and calendar changes.

Tickets go through the real ticket services at fixed instants (``frozen_at``); the week is that of
Monday 2 March 2026, Paris office hours 08:30-12:30 / 13:30-18:00. A P3 ticket must be answered
within 4 business hours and resolved within 24.
"""

from __future__ import annotations

from datetime import datetime, time

import pytest

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.sla.clock import Segment, SegmentKind
from escalade.sla.models import ClosureDay, SlaPolicy, SlaTarget, WorkingInterval
from escalade.sla.selectors import sla_timeline, working_calendar_forget
from escalade.sla.services import sla_recompute_open_tickets, sla_refresh
from escalade.sla.tasks import sla_recompute
from escalade.tickets.models import Ticket
from escalade.tickets.services import (
    ticket_assign,
    ticket_create,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
    ticket_set_priority,
    ticket_transition,
)
from tests.conftest import World
from tests.sla.factories import BusinessCalendarFactory, default_policy, frozen_at, paris

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    # Ids come back after a rollback on SQLite: never let one test's calendar serve another.
    working_calendar_forget()


@pytest.fixture
def policy(world: World) -> SlaPolicy:
    return default_policy()


def create(world: World, moment: datetime) -> Ticket:
    """A P3 ticket (impact and urgency medium) logged by requester A at ``moment``."""
    with frozen_at(moment):
        return ticket_create(
            actor=Actor.of(world.requester_a),
            requester=world.requester_a,
            title="Imprimante",
            impact=2,
            urgency=2,
        )


def in_progress(world: World, ticket: Ticket, moment: datetime) -> Ticket:
    agent = Actor.of(world.agent_a)
    with frozen_at(moment):
        ticket = ticket_assign(actor=agent, ticket=ticket, assignee=world.agent_a)
        return ticket_transition(actor=agent, ticket=ticket, state="in_progress")


def transition(world: World, ticket: Ticket, moment: datetime, state: str) -> Ticket:
    with frozen_at(moment):
        return ticket_transition(actor=Actor.of(world.agent_a), ticket=ticket, state=state)


def resolve(world: World, ticket: Ticket, moment: datetime) -> Ticket:
    with frozen_at(moment):
        return ticket_resolve(
            actor=Actor.of(world.agent_a), ticket=ticket, resolution_code="solved", solution="Redémarrée"
        )


def reopen(world: World, ticket: Ticket, moment: datetime) -> Ticket:
    with frozen_at(moment):
        return ticket_reopen(actor=Actor.of(world.requester_a), ticket=ticket, reason="Toujours bloquée")


def stored(ticket: Ticket) -> tuple[datetime | None, datetime | None, datetime | None]:
    ticket.refresh_from_db()
    return ticket.first_response_due, ticket.resolution_due, ticket.sla_paused_since


# ----------------------------------------------------------------------------- creation


def test_a_friday_evening_ticket_is_due_the_next_week(world, policy):
    ticket = create(world, paris(6, 17))

    assert ticket.priority == 3
    assert ticket.sla_policy == policy
    # First response: one hour on Friday, three on Monday. Resolution: 1 + 8.5 + 8.5 + 6 hours.
    assert stored(ticket) == (paris(9, 11, 30), paris(11, 15, 30), None)


def test_a_ticket_without_a_policy_has_no_due_dates(world):
    SlaPolicy.objects.update(is_default=False)

    ticket = create(world, paris(2, 9))

    assert ticket.sla_policy is None
    assert stored(ticket) == (None, None, None)
    assert sla_timeline(ticket=ticket, now=paris(2, 10)).resolution_due is None


def test_a_calendar_without_working_time_leaves_the_desk_working(world, caplog):
    default_policy(calendar=BusinessCalendarFactory.create(hours={}))

    ticket = create(world, paris(2, 9))

    assert stored(ticket) == (None, None, None)
    assert "cannot run" in caplog.text


def test_changing_the_priority_moves_the_due_dates(world, policy):
    ticket = create(world, paris(2, 9))

    with frozen_at(paris(2, 10)):
        ticket_set_priority(actor=Actor.of(world.agent_a), ticket=ticket, priority=2, reason="Toute l'équipe")

    # P2: one hour to answer, eight to resolve (a whole Monday, to its closing time), from creation.
    assert stored(ticket) == (paris(2, 10), paris(2, 18), None)


# ----------------------------------------------------------------------------- pause and resume


def test_waiting_for_the_requester_pauses_the_clock_and_their_reply_resumes_it(world, policy):
    ticket = create(world, paris(2, 9))
    ticket = in_progress(world, ticket, paris(2, 9, 15))
    with frozen_at(paris(2, 9, 30)):
        ticket_reply(actor=Actor.of(world.agent_a), ticket=ticket, body="Pouvez-vous redémarrer ?")
    ticket = transition(world, ticket, paris(2, 10), "pending_requester")

    assert stored(ticket) == (paris(2, 14), None, paris(2, 10))

    with frozen_at(paris(3, 10)):
        ticket_reply(actor=Actor.of(world.requester_a), ticket=ticket, body="C'est fait, sans effet.")

    ticket.refresh_from_db()
    assert ticket.state == "in_progress"
    assert ticket.first_responded_at == paris(2, 9, 30)
    # One hour ran on Monday; 23 are left from Tuesday 10:00: 7 + 8.5 + 7.5, Thursday 17:00.
    assert stored(ticket) == (paris(2, 14), paris(5, 17), None)
    timeline = sla_timeline(ticket=ticket, now=paris(3, 11))
    assert timeline.timeline == (
        Segment(kind=SegmentKind.RUNNING, start=paris(2, 9), end=paris(2, 10)),
        Segment(kind=SegmentKind.PAUSED, start=paris(2, 10), end=paris(3, 10)),
        Segment(kind=SegmentKind.RUNNING, start=paris(3, 10), end=None),
    )
    assert timeline.breaches == ()


def test_a_state_the_policy_does_not_pause_keeps_the_clock_running(world):
    default_policy(pause_states=["pending_requester"])
    ticket = in_progress(world, create(world, paris(2, 9)), paris(2, 9, 15))

    transition(world, ticket, paris(2, 10), "pending_third_party")

    assert stored(ticket) == (paris(2, 14), paris(4, 17), None)


# ----------------------------------------------------------------------------- reopening


def test_a_reopened_ticket_resumes_where_its_clock_stopped(world, policy):
    ticket = in_progress(world, create(world, paris(2, 9)), paris(2, 9, 15))
    ticket = resolve(world, ticket, paris(2, 10))

    assert stored(ticket) == (paris(2, 14), None, None)

    reopen(world, ticket, paris(3, 10))

    assert stored(ticket) == (paris(2, 14), paris(5, 17), None)
    assert [segment.kind for segment in sla_timeline(ticket=ticket, now=paris(3, 11)).timeline] == [
        SegmentKind.RUNNING, SegmentKind.STOPPED, SegmentKind.RUNNING,
    ]  # fmt: skip


def test_a_reopened_ticket_starts_a_new_clock_when_the_policy_resets_it(world):
    default_policy(reset_on_reopen=True)
    ticket = in_progress(world, create(world, paris(2, 9)), paris(2, 9, 15))
    ticket = resolve(world, ticket, paris(2, 10))
    Ticket.objects.filter(pk=ticket.pk).update(resolution_warned_at=paris(2, 9, 59))

    reopen(world, ticket, paris(3, 10))

    # A full 24 hours from Tuesday 10:00: 7 + 8.5 + 8.5, Thursday 18:00; the old warning is history.
    assert stored(ticket) == (paris(2, 14), paris(5, 18), None)
    assert ticket.resolution_warned_at is None
    assert sla_timeline(ticket=ticket, now=paris(3, 11)).resolution_started_at == paris(3, 10)


# ----------------------------------------------------------------------------- configuration changes


def test_a_policy_change_recomputes_its_open_tickets_only(world, policy):
    friday = create(world, paris(6, 17))
    monday = create(world, paris(9, 9))
    resolved = resolve(world, in_progress(world, create(world, paris(2, 9)), paris(2, 9, 5)), paris(2, 10))
    other = create(world, paris(6, 17))
    Ticket.objects.filter(pk=other.pk).update(sla_policy=default_policy())

    SlaTarget.objects.filter(policy=policy, priority=3).update(
        first_response_minutes=60, resolution_minutes=480
    )
    recomputed = sla_recompute_open_tickets(policy=policy)

    assert recomputed == 2
    assert stored(friday) == (paris(6, 18), paris(9, 16, 30), None)
    assert stored(monday) == (paris(9, 10), paris(9, 18), None)
    assert stored(resolved) == (paris(2, 14), None, None)
    assert stored(other) == (paris(9, 11, 30), paris(11, 15, 30), None)


def test_a_calendar_change_recomputes_the_open_tickets_of_its_policies(world, policy):
    ticket = create(world, paris(6, 17))
    # The desk closes on Monday 9 March; the calendar row itself is not saved, so not marked changed.
    ClosureDay.objects.create(calendar=policy.calendar, date=paris(9, 12).date(), reason="Inventaire")

    assert sla_recompute.call_local(calendar_id=policy.calendar_id) == 1

    assert stored(ticket) == (paris(10, 11, 30), paris(12, 15, 30), None)


def calendar_form(name: str, *, intervals: int, initial: int) -> dict[str, str]:
    """The admin's calendar change form, without any interval or closure filled in."""
    return {
        "name": name, "time_zone": "Europe/Paris", "holiday_country": "FR", "holiday_subdivision": "",
        "intervals-TOTAL_FORMS": str(intervals), "intervals-INITIAL_FORMS": str(initial),
        "closures-TOTAL_FORMS": "0", "closures-INITIAL_FORMS": "0",
    }  # fmt: skip


def test_saving_a_calendar_in_the_admin_recomputes_after_commit(
    client, world, policy, django_capture_on_commit_callbacks
):
    ticket = create(world, paris(6, 17))
    calendar = policy.calendar
    intervals = list(WorkingInterval.objects.filter(calendar=calendar).order_by("weekday", "start"))
    form = calendar_form(calendar.name, intervals=len(intervals) + 1, initial=len(intervals))
    for index, interval in enumerate(intervals):
        form |= {
            f"intervals-{index}-id": str(interval.pk), f"intervals-{index}-calendar": str(calendar.pk),
            f"intervals-{index}-weekday": str(interval.weekday),
            f"intervals-{index}-start": f"{interval.start:%H:%M}",
            f"intervals-{index}-end": f"{interval.end:%H:%M}",
        }  # fmt: skip
    saturday = len(intervals)
    form |= {f"intervals-{saturday}-weekday": "5", f"intervals-{saturday}-start": "09:00",
             f"intervals-{saturday}-end": "12:00"}  # fmt: skip
    client.force_login(world.administrator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/admin/sla/businesscalendar/{calendar.pk}/change/", form)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert len(recomputes(callbacks)) == 1
    # Friday 17:00-18:00, then Saturday 09:00-12:00 now counts: answered by Saturday noon.
    assert stored(ticket)[0] == paris(7, 12)


def test_the_admin_refuses_working_hours_the_clock_cannot_use(client, world, policy):
    calendar = BusinessCalendarFactory.create(hours={})
    form = calendar_form(calendar.name, intervals=1, initial=0)
    form |= {"intervals-0-weekday": "0", "intervals-0-start": "18:00", "intervals-0-end": "08:00"}
    client.force_login(world.administrator)

    response = client.post(f"/admin/sla/businesscalendar/{calendar.pk}/change/", form)

    assert response.status_code == 200
    assert not WorkingInterval.objects.filter(calendar=calendar).exists()


def recomputes(callbacks: list[object]) -> list[object]:
    """The after-commit work but the reference data's version bump (every admin save of a policy or
    calendar moves it, ``core.refdata``)."""
    return [
        callback for callback in callbacks if getattr(callback, "__module__", "") != "escalade.core.refdata"
    ]


def policy_form(policy: SlaPolicy, *, name: str, p3_first_response: int) -> dict[str, object]:
    """The admin's change form of ``policy`` as it stands, with a new name and P3 first response."""
    targets = list(SlaTarget.objects.filter(policy=policy).order_by("priority"))
    form: dict[str, object] = {
        "name": name, "calendar": str(policy.calendar_id), "warning_percent": "75",
        "pause_states": ["pending_requester", "pending_third_party"], "escalate_on_breach": "on",
        "notify_supervisor_on_breach": "on", "is_default": "on",
        "targets-TOTAL_FORMS": str(len(targets)), "targets-INITIAL_FORMS": str(len(targets)),
    }  # fmt: skip
    for index, target in enumerate(targets):
        first = p3_first_response if target.priority == 3 else target.first_response_minutes
        form |= {
            f"targets-{index}-id": str(target.pk), f"targets-{index}-policy": str(policy.pk),
            f"targets-{index}-priority": str(target.priority),
            f"targets-{index}-first_response_minutes": str(first),
            f"targets-{index}-resolution_minutes": str(target.resolution_minutes),
        }  # fmt: skip
    return form


def test_saving_a_policy_in_the_admin_recomputes_after_commit(
    client, world, policy, django_capture_on_commit_callbacks
):
    ticket = create(world, paris(6, 17))
    client.force_login(world.administrator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            f"/admin/sla/slapolicy/{policy.pk}/change/",
            policy_form(policy, name=policy.name, p3_first_response=60),
        )

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert len(recomputes(callbacks)) == 1
    assert stored(ticket)[0] == paris(6, 18)


def test_renaming_a_policy_in_the_admin_recomputes_nothing(
    client, world, policy, django_capture_on_commit_callbacks
):
    client.force_login(world.administrator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            f"/admin/sla/slapolicy/{policy.pk}/change/",
            policy_form(policy, name="Standard+", p3_first_response=240),
        )

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert recomputes(callbacks) == []
    assert (
        Event.objects.get(action="slapolicy.updated", object_id=policy.pk).changes["name"]["to"]
        == "Standard+"
    )


def test_refreshing_a_ticket_reads_a_bounded_number_of_queries(world, policy, django_assert_num_queries):
    ticket = create(world, paris(2, 9))
    ticket.resolution_due = None

    # The policy with its calendar, the targets, the clock's events, the update (calendar cached).
    with django_assert_num_queries(4):
        sla_refresh(ticket=ticket, now=paris(2, 10))
    with django_assert_num_queries(3):
        sla_refresh(ticket=ticket, now=paris(2, 10))  # nothing changed: nothing written


def test_weekly_hours_in_the_factory_are_office_hours(policy):
    hours = list(
        WorkingInterval.objects.filter(calendar=policy.calendar).values_list("weekday", "start", "end")
    )

    assert len(hours) == 10
    assert (0, time(8, 30), time(12, 30)) in hours
