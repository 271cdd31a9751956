"""Escalation to a chosen team or level, hand back down with a mandatory reason, who may do which,
and what the SLA clock does meanwhile (it keeps running: the client's deadlines do not move)."""

from __future__ import annotations

import pytest
from django.utils import translation

from escalade.accounts.models import SupportLevel
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.models import Event
from escalade.sla.services import SweepReport, sla_sweep
from escalade.tickets.models import Ticket
from escalade.tickets.selectors import timeline_rows
from escalade.tickets.services import ticket_create, ticket_escalate, ticket_hand_back, ticket_take
from tests.accounts.factories import TeamFactory
from tests.sla.factories import default_policy, frozen_at, paris

pytestmark = pytest.mark.django_db


def test_an_l1_agent_escalates_straight_to_level_3_by_level_or_by_team(world, make_ticket, levels):
    agent = Actor.of(world.agent_a)
    ticket = ticket_escalate(actor=agent, ticket=make_ticket(), reason="Panne réseau du site", level=3)
    assert (ticket.team, ticket.support_level) == (levels["l3"], 3)

    other = make_ticket(title="Autre")
    ticket = ticket_escalate(actor=agent, ticket=other, reason="Base de données", team=levels["l3"])
    assert ticket.team == levels["l3"]
    event = Event.objects.filter(action="ticket.escalated", object_id=other.pk).get()
    assert event.changes["support_level"] == {"from": 1, "to": 3}


def test_escalation_only_goes_up(world, make_ticket, levels):
    other_l1 = TeamFactory.create(name="L1 A bis", organisations=[world.client_a])
    ticket = ticket_escalate(actor=Actor.of(world.agent_a), ticket=make_ticket(), reason="x", level=2)
    l2 = Actor.of(levels["l2_agent"])
    with pytest.raises(ValidationFailed) as same_level:
        ticket_escalate(actor=l2, ticket=ticket, reason="x", team=levels["l2"])
    assert same_level.value.field == "team"
    with pytest.raises(ValidationFailed):
        ticket_escalate(actor=l2, ticket=ticket, reason="x", team=other_l1)  # down is a hand back
    with pytest.raises(ValidationFailed) as wrong_level:
        ticket_escalate(actor=l2, ticket=ticket, reason="x", team=levels["l3"], level=2)
    assert wrong_level.value.field == "team"
    with pytest.raises(ValidationFailed):
        ticket_escalate(actor=l2, ticket=ticket, reason="x", level=7)
    assert Ticket.objects.get(pk=ticket.pk).team == levels["l2"]


def test_hand_back_to_a_chosen_lower_team_needs_a_reason_and_the_holding_level(world, make_ticket, levels):
    other_l1 = TeamFactory.create(name="L1 A bis", organisations=[world.client_a])
    ticket = ticket_escalate(actor=Actor.of(world.agent_a), ticket=make_ticket(), reason="x", level=3)

    with pytest.raises(PermissionDeniedError):  # level 1 does not push back what level 3 holds
        ticket_hand_back(actor=Actor.of(world.agent_a), ticket=ticket, reason="Pas pour moi")
    l3 = Actor.of(levels["l3_agent"])
    with pytest.raises(ValidationFailed) as no_reason:
        ticket_hand_back(actor=l3, ticket=ticket, reason="  ")
    assert no_reason.value.field == "reason"
    with pytest.raises(ValidationFailed):
        ticket_hand_back(actor=l3, ticket=ticket, reason="x", team=levels["l3"])  # not lower

    ticket = ticket_hand_back(actor=l3, ticket=ticket, reason="Mot de passe à réinitialiser", team=other_l1)
    assert (ticket.team, ticket.support_level) == (other_l1, 1)
    event = Event.objects.get(action="ticket.handed_back", object_id=ticket.pk)
    assert event.data == {"reason": "Mot de passe à réinitialiser"}

    with translation.override("en"):
        rows = [row for row in timeline_rows(ticket=ticket, viewer=world.agent_a) if row.event == event]
    [row] = rows
    assert row.label == "Handed back"
    assert row.actor == levels["l3_agent"].full_name
    assert "Team: L3 A → L1 A bis" in row.details


def test_supervisors_hand_back_by_level(world, make_ticket, levels):
    ticket = ticket_escalate(actor=Actor.of(world.agent_a), ticket=make_ticket(), reason="x", level=3)
    ticket = ticket_hand_back(actor=Actor.of(world.supervisor), ticket=ticket, reason="Niveau 2", level=2)
    assert ticket.team == levels["l2"]
    with pytest.raises(ValidationFailed):
        ticket_hand_back(actor=Actor.of(world.supervisor), ticket=ticket, reason="x", level=3)  # not lower
    ticket = ticket_hand_back(actor=Actor.of(world.supervisor), ticket=ticket, reason="N1", level=1)
    with pytest.raises(ConflictError):  # nothing below level 1
        ticket_hand_back(actor=Actor.of(world.supervisor), ticket=ticket, reason="x")


def test_the_sla_clock_keeps_running_through_escalation_and_hand_back(world, levels):
    """Deadlines belong to the client: they do not move when the work changes hands, and a breach the
    sweep already escalated is not flagged nor escalated again after a hand back."""
    default_policy()
    with frozen_at(paris(2, 9)):
        ticket = ticket_create(
            actor=Actor.of(world.requester_a), requester=world.requester_a, title="VPN", impact=2, urgency=2
        )
        ticket = ticket_take(actor=Actor.of(world.agent_a), ticket=ticket)
    due = (ticket.first_response_due, ticket.resolution_due)
    assert due[1] is not None
    with frozen_at(paris(2, 10)):
        ticket = ticket_escalate(actor=Actor.of(world.agent_a), ticket=ticket, reason="x", level=2)
    assert (ticket.first_response_due, ticket.resolution_due) == due

    with frozen_at(paris(5, 9)):
        assert sla_sweep(now=paris(5, 9)).escalations == 1  # the breach policy: up to level 3
    ticket.refresh_from_db()
    breached = ticket.resolution_breached_at
    assert ticket.support_level == SupportLevel.L3
    with frozen_at(paris(5, 10)):
        ticket = ticket_hand_back(actor=Actor.of(levels["l3_agent"]), ticket=ticket, reason="Retour N2")
    assert ticket.support_level == SupportLevel.L2
    assert (ticket.first_response_due, ticket.resolution_due) == due
    with frozen_at(paris(5, 11)):
        assert sla_sweep(now=paris(5, 11)) == SweepReport()
    ticket.refresh_from_db()
    assert (ticket.resolution_breached_at, ticket.support_level) == (breached, SupportLevel.L2)
