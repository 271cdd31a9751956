"""The SLA sweep: warnings and breaches flagged once, the breach policy applied once, even when racing.

A P3 ticket logged on Monday 2 March 2026 at 09:00 (Paris office hours) must be answered by 14:00
(warning at 12:00, 75 %) and resolved by Wednesday 4 March 17:00 (warning Wednesday 10:00).
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

import pytest
from django.db import connection
from django.utils import translation

from escalade.accounts.models import SupportLevel, Team, User
from escalade.core.actors import Actor
from escalade.core.models import Event, ScheduledTick
from escalade.notifications.models import Notification, NotificationKind
from escalade.notifications.selectors import notification_text
from escalade.sla import services
from escalade.sla.models import SlaPolicy
from escalade.sla.selectors import working_calendar_forget
from escalade.sla.services import BREACH_REASON, SweepReport, sla_sweep
from escalade.sla.tasks import sweep as periodic_sweep
from escalade.tickets.models import Ticket
from escalade.tickets.services import (
    ticket_assign,
    ticket_create,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
    ticket_transition,
)
from tests.accounts.factories import StaffFactory, TeamFactory, TeamMembershipFactory
from tests.conftest import World
from tests.sla.factories import default_policy, frozen_at, paris

pytestmark = pytest.mark.django_db

NOTHING = SweepReport()
MONDAY_9H = paris(2, 9)


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    working_calendar_forget()


@pytest.fixture
def policy(world: World) -> SlaPolicy:
    return default_policy()


@pytest.fixture
def level_2(world: World) -> Team:
    team = TeamFactory.create(name="L2 A", support_level=SupportLevel.L2, organisations=[world.client_a])
    TeamMembershipFactory.create(team=team, user=StaffFactory.create(email="l2@provider.example"))
    return team


def create(world: World, moment: datetime = MONDAY_9H) -> Ticket:
    """A P3 ticket from requester A, in the queue of team L1 A."""
    with frozen_at(moment):
        return ticket_create(
            actor=Actor.of(world.requester_a), requester=world.requester_a, title="VPN", impact=2, urgency=2
        )


def answered(world: World, ticket: Ticket) -> Ticket:
    """Agent A takes the ticket at 09:15 and answers at 09:30."""
    agent = Actor.of(world.agent_a)
    with frozen_at(paris(2, 9, 15)):
        ticket = ticket_assign(actor=agent, ticket=ticket, assignee=world.agent_a)
        ticket = ticket_transition(actor=agent, ticket=ticket, state="in_progress")
    with frozen_at(paris(2, 9, 30)):
        ticket_reply(actor=agent, ticket=ticket, body="Je regarde.")
    ticket.refresh_from_db()
    return ticket


def sweep(moment: datetime) -> SweepReport:
    with frozen_at(moment):
        return sla_sweep(now=moment)


def actions(ticket: Ticket) -> list[tuple[str, object]]:
    events = Event.objects.filter(object_id=ticket.pk, action__startswith="ticket.").order_by("id")
    return [(event.action, event.data.get("target")) for event in events if "sla" in event.action]


def notified(kind: str, ticket: Ticket) -> list[str]:
    notifications = Notification.objects.filter(kind=kind, ticket=ticket).select_related("recipient")
    return sorted(notification.recipient.email for notification in notifications)


# ----------------------------------------------------------------------------- warnings


def test_a_first_response_warning_is_flagged_once_when_its_time_comes(world, policy):
    ticket = create(world)

    assert sweep(paris(2, 11, 59)) == NOTHING
    assert sweep(paris(2, 12)) == SweepReport(first_response_warnings=1)
    assert sweep(paris(2, 12, 1)) == NOTHING

    ticket.refresh_from_db()
    assert ticket.first_response_warned_at == paris(2, 12)
    assert actions(ticket) == [("ticket.sla_warning", "first_response")]
    event = Event.objects.get(object_id=ticket.pk, action="ticket.sla_warning")
    assert event.actor_label == "system:sla-sweep"
    assert event.changes == {"first_response_warned_at": {"from": None, "to": paris(2, 12).isoformat()}}
    # No assignee yet: the team is told.
    assert notified(NotificationKind.SLA_WARNING, ticket) == ["agent.a@provider.example"]
    with translation.override("en"):
        text = notification_text(Notification.objects.get(ticket=ticket, kind=NotificationKind.SLA_WARNING))
    assert text == f"The first response to {ticket.reference} is due soon."


def test_a_resolution_warning_goes_to_the_assignee(world, policy):
    ticket = answered(world, create(world))

    assert sweep(paris(4, 9, 59)) == NOTHING
    assert sweep(paris(4, 10)) == SweepReport(resolution_warnings=1)

    assert actions(ticket) == [("ticket.sla_warning", "resolution")]
    assert notified(NotificationKind.SLA_WARNING, ticket) == ["agent.a@provider.example"]


def test_a_paused_ticket_neither_warns_nor_breaches(world, policy):
    ticket = answered(world, create(world))
    with frozen_at(paris(2, 10)):
        ticket_transition(actor=Actor.of(world.agent_a), ticket=ticket, state="pending_requester")

    assert sweep(paris(13, 17)) == NOTHING


def test_a_reset_reopening_may_warn_again(world):
    default_policy(reset_on_reopen=True)
    ticket = answered(world, create(world))
    sweep(paris(4, 10))
    with frozen_at(paris(4, 11)):
        ticket = ticket_resolve(
            actor=Actor.of(world.agent_a), ticket=ticket, resolution_code="solved", solution="OK"
        )
    with frozen_at(paris(5, 9)):
        ticket_reopen(actor=Actor.of(world.requester_a), ticket=ticket, reason="Encore")

    # The new cycle warns after 18 business hours: Thursday 09:00 + 8 + 8.5 + 1.5, Monday 9 at 10:00.
    assert sweep(paris(9, 9, 59)) == NOTHING
    assert sweep(paris(9, 10)) == SweepReport(resolution_warnings=1)
    assert actions(ticket) == [("ticket.sla_warning", "resolution"), ("ticket.sla_warning", "resolution")]


# ----------------------------------------------------------------------------- breaches


def test_a_resolution_breach_escalates_and_alerts_the_supervisors_once(world, policy, level_2):
    ticket = answered(world, create(world))

    assert sweep(paris(4, 16, 59)) == SweepReport(resolution_warnings=1)
    assert sweep(paris(4, 17)) == SweepReport(resolution_breaches=1, escalations=1)
    assert sweep(paris(4, 17, 1)) == NOTHING
    assert sweep(paris(5, 9)) == NOTHING

    ticket.refresh_from_db()
    assert ticket.resolution_breached_at == paris(4, 17)
    assert ticket.team == level_2
    assert ticket.support_level == 2
    assert actions(ticket) == [("ticket.sla_warning", "resolution"), ("ticket.sla_breached", "resolution")]
    escalation = Event.objects.get(object_id=ticket.pk, action="ticket.escalated")
    assert escalation.actor_label == "system:sla-sweep"
    assert escalation.data == {"reason": str(BREACH_REASON)}  # in the installation's language
    # The assignee when it was missed, and the supervisors (ADR 0022, 0024).
    assert notified(NotificationKind.SLA_BREACH, ticket) == [
        "agent.a@provider.example",
        "supervisor@provider.example",
    ]


def test_a_breach_found_late_marks_its_warning_as_given(world, policy, level_2):
    ticket = answered(world, create(world))

    assert sweep(paris(5, 9)) == SweepReport(resolution_breaches=1, escalations=1)
    assert sweep(paris(5, 9, 1)) == NOTHING

    ticket.refresh_from_db()
    assert ticket.resolution_warned_at == paris(5, 9)
    assert actions(ticket) == [("ticket.sla_breached", "resolution")]


def test_a_breach_raises_the_priority_when_the_policy_says_so(world):
    default_policy(escalate_on_breach=False, raise_priority_on_breach=True, notify_supervisor_on_breach=False)
    ticket = answered(world, create(world))

    assert sweep(paris(4, 17)) == SweepReport(resolution_breaches=1, priority_raises=1)

    ticket.refresh_from_db()
    assert ticket.priority == 2
    assert Event.objects.get(object_id=ticket.pk, action="ticket.priority_changed").changes["priority"] == {
        "from": 3, "to": 2,
    }  # fmt: skip
    assert ticket.resolution_due == paris(2, 18)  # P2: eight hours from Monday 09:00
    assert notified(NotificationKind.SLA_BREACH, ticket) == ["agent.a@provider.example"]  # no supervisor


def test_a_breach_with_no_higher_level_is_still_recorded(world, policy):
    ticket = answered(world, create(world))

    assert sweep(paris(4, 17)) == SweepReport(resolution_breaches=1, failed_actions=1)

    ticket.refresh_from_db()
    assert ticket.resolution_breached_at == paris(4, 17)
    assert ticket.support_level == 1
    assert not Event.objects.filter(object_id=ticket.pk, action="ticket.escalated").exists()
    assert sweep(paris(4, 18)) == NOTHING


def test_a_missed_first_response_alerts_the_assignee_and_the_supervisors(world, policy):
    ticket = create(world)
    with frozen_at(paris(2, 9, 15)):
        ticket_assign(actor=Actor.of(world.agent_a), ticket=ticket, assignee=world.agent_a)

    assert sweep(paris(2, 14)) == SweepReport(first_response_breaches=1)

    assert actions(ticket) == [("ticket.sla_breached", "first_response")]
    assert notified(NotificationKind.SLA_BREACH, ticket) == [
        "agent.a@provider.example",
        "supervisor@provider.example",
    ]


def test_the_sweep_walks_through_more_tickets_than_a_batch(world, monkeypatch):
    default_policy(escalate_on_breach=False, notify_supervisor_on_breach=False)
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    tickets = [create(world, paris(2, 9, minute)) for minute in range(5)]

    report = sweep(paris(2, 14, 30))

    assert report == SweepReport(first_response_breaches=5)
    assert (
        Ticket.objects.filter(pk__in=[t.pk for t in tickets], first_response_breached_at__isnull=True).count()
        == 0
    )


def test_a_quiet_sweep_reads_a_handful_of_queries(world, policy, django_assert_num_queries):
    create(world)
    sweep(paris(2, 10))  # warms the calendars

    # Two breach candidate reads, the targets with their policies, two warning candidate reads.
    with django_assert_num_queries(5):
        assert sweep(paris(2, 10, 1)) == NOTHING


def test_the_periodic_sweep_runs_once_per_minute_whoever_enqueues_it():
    assert periodic_sweep.run_once() is True
    assert periodic_sweep.run_once() is False
    assert ScheduledTick.objects.filter(job="sla.sweep").count() == 1


# ----------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_flag_and_escalate_each_breach_exactly_once(world, policy, level_2):
    tickets = [create(world, paris(2, 9, minute)) for minute in range(4)]
    moment = paris(4, 18)
    reports: list[SweepReport] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            reports.append(sla_sweep(now=moment))
        except Exception as error:  # noqa: BLE001 - a thread's failure is reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    with frozen_at(moment):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert sum(report.resolution_breaches for report in reports) == 4
    assert sum(report.first_response_breaches for report in reports) == 4
    assert sum(report.escalations for report in reports) == 4
    for ticket in tickets:
        breaches = Counter(target for action, target in actions(ticket) if action == "ticket.sla_breached")
        assert breaches == {"first_response": 1, "resolution": 1}
        assert Event.objects.filter(object_id=ticket.pk, action="ticket.escalated").count() == 1
        assert Notification.objects.filter(ticket=ticket, kind=NotificationKind.SLA_BREACH,
                                           recipient=world.supervisor).count() == 1  # fmt: skip
        # one alert per late ticket: the resolution missed minutes after the first response is not news
    assert User.objects.get(pk=world.supervisor.pk).notifications.count() == 4
