"""The ticket's life: allowed transitions, resolve/reopen/close, levels, priority, permissions."""

from __future__ import annotations

import datetime as dt

import pytest

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.models import Event
from escalade.notifications.models import Notification
from escalade.tickets.choices import State
from escalade.tickets.models import Ticket
from escalade.tickets.services import (
    ticket_assign,
    ticket_close,
    ticket_escalate,
    ticket_hand_back,
    ticket_qualify,
    ticket_reopen,
    ticket_resolve,
    ticket_set_priority,
    ticket_take,
    ticket_transition,
)
from tests.tickets.conftest import TUESDAY_10H

pytestmark = pytest.mark.django_db


def _state_events(ticket: Ticket) -> list[tuple[str, str]]:
    return [
        (e.changes["state"]["from"], e.changes["state"]["to"])
        for e in Event.objects.filter(object_id=ticket.pk, content_type__model="ticket").order_by("id")
        if "state" in e.changes and e.changes["state"]["from"]
    ]


def test_an_agent_takes_works_pauses_and_resolves_a_ticket(world, make_ticket):
    agent = Actor.of(world.agent_a)
    ticket = make_ticket()

    ticket = ticket_take(actor=agent, ticket=ticket)
    assert (ticket.assignee, ticket.state) == (world.agent_a, State.ASSIGNED)
    ticket = ticket_transition(actor=agent, ticket=ticket, state=State.IN_PROGRESS)
    ticket = ticket_transition(actor=agent, ticket=ticket, state=State.PENDING_REQUESTER, reason="Photo ?")
    ticket = ticket_transition(actor=agent, ticket=ticket, state=State.IN_PROGRESS)
    ticket = ticket_resolve(actor=agent, ticket=ticket, resolution_code="solved", solution="Bourrage retiré.")

    assert ticket.state == State.RESOLVED
    assert ticket.resolved_at is not None
    assert _state_events(ticket) == [
        ("new", "assigned"), ("assigned", "in_progress"), ("in_progress", "pending_requester"),
        ("pending_requester", "in_progress"), ("in_progress", "resolved"),
    ]  # fmt: skip
    pause = Event.objects.get(object_id=ticket.pk, changes__state__to="pending_requester")
    assert pause.data == {"reason": "Photo ?"}


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (State.PENDING_REQUESTER, State.ASSIGNED),
        (State.NEW, State.PENDING_THIRD_PARTY),
        (State.IN_PROGRESS, State.NEW),
    ],
)
def test_invalid_transitions_are_refused_with_a_clear_error(world, make_ticket, start, target):
    ticket = make_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(state=start, assignee=world.agent_a)

    with pytest.raises(ConflictError) as error:
        ticket_transition(actor=Actor.of(world.agent_a), ticket=ticket, state=target)

    assert error.value.field == "state"
    labels = dict(State.choices)
    assert f"« {labels[start]} »" in error.value.message or f"“{labels[start]}”" in error.value.message
    assert str(labels[target]) in error.value.message
    assert Ticket.objects.get(pk=ticket.pk).state == start


def test_in_progress_needs_an_assignee(world, make_ticket):
    with pytest.raises(ConflictError) as error:
        ticket_transition(actor=Actor.of(world.agent_a), ticket=make_ticket(), state=State.IN_PROGRESS)
    assert error.value.field == "assignee"


def test_resolving_needs_a_code_and_a_solution(world, make_ticket):
    ticket, agent = make_ticket(), Actor.of(world.agent_a)

    with pytest.raises(ValidationFailed) as no_solution:
        ticket_resolve(actor=agent, ticket=ticket, resolution_code="solved", solution="  ")
    with pytest.raises(ValidationFailed) as bad_code:
        ticket_resolve(actor=agent, ticket=ticket, resolution_code="magic", solution="x")
    with pytest.raises(ValidationFailed):
        ticket_transition(actor=agent, ticket=ticket, state=State.RESOLVED)

    assert (no_solution.value.field, bad_code.value.field) == ("solution", "resolution_code")
    assert Ticket.objects.get(pk=ticket.pk).state == State.NEW


def test_the_requester_confirms_or_reopens_within_the_window(world, make_ticket, at, settings):
    settings.ESCALADE_REOPEN_WINDOW_DAYS = 7
    agent, requester = Actor.of(world.agent_a), Actor.of(world.requester_a)
    ticket = ticket_take(actor=agent, ticket=make_ticket())
    with at(TUESDAY_10H):
        ticket = ticket_resolve(actor=agent, ticket=ticket, resolution_code="solved", solution="OK")

    with at(TUESDAY_10H + dt.timedelta(days=2)):
        reopened = ticket_reopen(actor=requester, ticket=ticket, reason="Toujours en panne")
    assert (reopened.state, reopened.resolved_at, reopened.resolution_code) == (State.IN_PROGRESS, None, "")

    with at(TUESDAY_10H + dt.timedelta(days=3)):
        ticket = ticket_resolve(
            actor=agent, ticket=reopened, resolution_code="solved", solution="Pièce changée"
        )
        ticket = ticket_close(actor=requester, ticket=ticket)
    assert ticket.state == State.CLOSED
    with at(TUESDAY_10H + dt.timedelta(days=11)), pytest.raises(ConflictError):
        ticket_reopen(actor=requester, ticket=ticket, reason="Encore")
    assert Ticket.objects.get(pk=ticket.pk).state == State.CLOSED


def test_escalation_goes_up_one_level_and_hand_back_returns_to_the_sender(world, make_ticket, levels):
    agent = Actor.of(world.agent_a)
    ticket = ticket_take(actor=agent, ticket=make_ticket())

    ticket = ticket_escalate(actor=agent, ticket=ticket, reason="Serveur d'impression à redémarrer")
    assert (ticket.team, ticket.support_level, ticket.assignee) == (levels["l2"], 2, None)
    assert ticket.state == State.NEW
    event = Event.objects.get(action="ticket.escalated", object_id=ticket.pk)
    assert event.changes["support_level"] == {"from": 1, "to": 2}
    assert event.data == {"reason": "Serveur d'impression à redémarrer"}
    assert Notification.objects.get(kind="escalated").recipient == levels["l2_agent"]

    ticket = ticket_escalate(actor=Actor.of(levels["l2_agent"]), ticket=ticket, reason="Réseau")
    assert ticket.team == levels["l3"]
    with pytest.raises(ConflictError):
        ticket_escalate(actor=Actor.of(levels["l3_agent"]), ticket=ticket, reason="Plus haut ?")

    ticket = ticket_hand_back(actor=Actor.of(levels["l3_agent"]), ticket=ticket, reason="Réseau OK")
    assert ticket.team == levels["l2"]
    ticket = ticket_hand_back(actor=Actor.of(levels["l2_agent"]), ticket=ticket, reason="À clôturer en N1")
    assert ticket.team is not None
    assert ticket.team.name == "L1 A"


def test_escalation_needs_a_reason_and_a_serving_team(world, make_ticket, levels):
    agent = Actor.of(world.agent_a)
    ticket = make_ticket()
    with pytest.raises(ValidationFailed):
        ticket_escalate(actor=agent, ticket=ticket, reason=" ")
    other = world.agent_b.teams.get()  # serves client B only
    with pytest.raises(ValidationFailed) as error:
        ticket_escalate(actor=agent, ticket=ticket, reason="x", team=other)
    assert error.value.field == "team"
    assert Ticket.objects.get(pk=ticket.pk).team_id == world.agent_a.teams.get().pk


def test_assigning_to_someone_outside_the_team_is_refused(world, make_ticket, levels):
    ticket = make_ticket()
    with pytest.raises(ValidationFailed) as error:
        ticket_assign(actor=Actor.of(world.agent_a), ticket=ticket, assignee=levels["l2_agent"])
    assert error.value.field == "assignee"
    ticket = ticket_assign(actor=Actor.of(world.supervisor), ticket=ticket, team=levels["l2"],
                           assignee=levels["l2_agent"])  # fmt: skip
    assert (ticket.support_level, ticket.state) == (2, State.ASSIGNED)


def test_priority_follows_the_matrix_unless_overridden_with_a_reason(world, make_ticket):
    agent = Actor.of(world.agent_a)
    ticket = make_ticket(impact=3, urgency=3)
    assert ticket.priority == 5

    ticket = ticket_qualify(actor=agent, ticket=ticket, impact=1, urgency=2)
    assert ticket.priority == 2
    with pytest.raises(ValidationFailed):
        ticket_set_priority(actor=agent, ticket=ticket, priority=1, reason="")
    ticket = ticket_set_priority(actor=agent, ticket=ticket, priority=1, reason="Paie bloquée")
    ticket = ticket_qualify(actor=agent, ticket=ticket, impact=3, urgency=3)
    assert (ticket.priority, ticket.is_priority_overridden) == (1, True)
    event = Event.objects.get(action="ticket.priority_changed")
    assert event.changes["priority"] == {"from": 2, "to": 1}
    assert event.data == {"reason": "Paie bloquée"}


@pytest.mark.parametrize("who", ["requester_a", "manager_a", "agent_b", "requester_b"])
def test_only_staff_serving_the_organisation_work_on_a_ticket(world, make_ticket, who):
    ticket = make_ticket()
    before = Event.objects.count()

    with pytest.raises(PermissionDeniedError):
        ticket_transition(actor=Actor.of(world.person(who)), ticket=ticket, state=State.ASSIGNED)
    with pytest.raises(PermissionDeniedError):
        ticket_escalate(actor=Actor.of(world.person(who)), ticket=ticket, reason="x")

    assert Event.objects.count() == before
    assert Ticket.objects.get(pk=ticket.pk).state == State.NEW


def test_someone_else_cannot_reopen_or_close_a_requesters_ticket(world, make_ticket):
    ticket = ticket_take(actor=Actor.of(world.agent_a), ticket=make_ticket())
    ticket = ticket_resolve(
        actor=Actor.of(world.agent_a), ticket=ticket, resolution_code="solved", solution="ok"
    )

    for who in ("requester_a2", "requester_b", "manager_b"):
        with pytest.raises(PermissionDeniedError):
            ticket_close(actor=Actor.of(world.person(who)), ticket=ticket)
    ticket_close(actor=Actor.of(world.manager_a), ticket=ticket)
    assert Ticket.objects.get(pk=ticket.pk).state == State.CLOSED
