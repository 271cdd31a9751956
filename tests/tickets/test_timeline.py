"""What each person sees of a ticket's history, and the auto-close of resolved tickets."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from escalade.automation.models import TimeRule
from escalade.automation.timed import time_rules_sweep
from escalade.core import events
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.tickets.choices import State
from escalade.tickets.models import Ticket
from escalade.tickets.selectors import attachments_visible, ticket_timeline
from escalade.tickets.services import (
    attachment_add,
    ticket_add_note,
    ticket_reply,
    ticket_resolve,
    ticket_take,
)
from tests.tickets.conftest import TUESDAY_10H

pytestmark = pytest.mark.django_db


def _story(world, make_ticket, at):
    agent = Actor.of(world.agent_a)
    ticket = make_ticket()
    minute = iter(range(1, 10))

    def step():  # each action one minute after the previous one
        return at(TUESDAY_10H + dt.timedelta(minutes=next(minute)))

    with step():
        ticket = ticket_take(actor=agent, ticket=ticket)
    with step():
        ticket_reply(actor=agent, ticket=ticket, body="Bonjour, je regarde.")
    with step():
        note = ticket_add_note(actor=agent, ticket=ticket, body="Le client a déjà eu ce souci.")
        attachment_add(
            actor=agent, ticket=ticket, filename="diag.txt", content=io.BytesIO(b"logs"), followup=note
        )
    with step():
        attachment_add(
            actor=Actor.of(world.requester_a), ticket=ticket, filename="photo.txt", content=io.BytesIO(b"p")
        )
    with step():
        return ticket_resolve(actor=agent, ticket=ticket, resolution_code="solved", solution="Redémarré.")


def test_the_requester_sees_replies_and_milestones_but_no_internal_notes_or_events(world, make_ticket, at):
    ticket = _story(world, make_ticket, at)

    lines = ticket_timeline(ticket=ticket, viewer=world.requester_a)

    bodies = [line.followup.body for line in lines if line.followup]
    actions = [line.event.action for line in lines if line.event]
    assert bodies == ["Bonjour, je regarde."]
    assert actions == ["ticket.created", "ticket.resolved"]
    assert [a.filename for a in attachments_visible(ticket=ticket, viewer=world.requester_a)] == ["photo.txt"]


def test_staff_see_the_whole_story_in_order(world, make_ticket, at):
    ticket = _story(world, make_ticket, at)

    lines = ticket_timeline(ticket=ticket, viewer=world.agent_a)

    assert [line.followup.kind for line in lines if line.followup] == ["reply", "note"]
    actions = [line.event.action for line in lines if line.event]
    assert actions[:3] == ["ticket.created", "ticket.assigned", "ticket.replied"]
    assert "ticket.note_added" in actions
    assert [line.at for line in lines] == sorted(line.at for line in lines)
    assert len(attachments_visible(ticket=ticket, viewer=world.agent_a)) == 2


def test_resolved_tickets_close_by_themselves_after_the_window(world, make_ticket, at):
    """The seeded time automation closes what the hourly job closed: resolved for the reopen window
    (14 days by default when the migration ran)."""
    agent = Actor.of(world.agent_a)
    with at(TUESDAY_10H):
        old = ticket_resolve(actor=agent, ticket=ticket_take(actor=agent, ticket=make_ticket()),
                             resolution_code="solved", solution="ok")  # fmt: skip
    with at(TUESDAY_10H + dt.timedelta(days=6)):
        recent = ticket_resolve(actor=agent, ticket=ticket_take(actor=agent, ticket=make_ticket()),
                                resolution_code="solved", solution="ok")  # fmt: skip

    with at(TUESDAY_10H + dt.timedelta(days=15)):
        assert time_rules_sweep().fired == 1
        assert time_rules_sweep().fired == 0  # once per resolution

    assert Ticket.objects.get(pk=old.pk).state == State.CLOSED
    assert Ticket.objects.get(pk=recent.pk).state == State.RESOLVED


def test_a_ticket_failing_to_auto_close_does_not_keep_the_others_open(world, make_ticket, at):
    """The auto-close is a time automation: one ticket whose closing fails (a subscriber down) is
    logged and left resolved; the others close."""
    agent = Actor.of(world.agent_a)
    with at(TUESDAY_10H):
        failing, other = [
            ticket_resolve(
                actor=agent,
                ticket=ticket_take(actor=agent, ticket=make_ticket()),
                resolution_code="solved",
                solution="ok",
            )
            for _ in range(2)
        ]

    def subscriber_down(published):
        if any(item.event.object_id == failing.pk for item in published):
            raise RuntimeError("subscriber down")

    events.subscribe("ticket.closed", handler=subscriber_down, name="test.subscriber_down")
    try:
        with at(TUESDAY_10H + dt.timedelta(days=15)):
            time_rules_sweep()
    finally:
        events._subscriptions.pop("test.subscriber_down")
        events._ordered[:] = [s for s in events._ordered if s.name != "test.subscriber_down"]

    assert Ticket.objects.get(pk=other.pk).state == State.CLOSED
    assert Ticket.objects.get(pk=failing.pk).state == State.RESOLVED
    # The failure is shown where a supervisor looks: on the automation and on the ticket's timeline.
    assert TimeRule.objects.get(actions__0__type="close").last_error == "subscriber down"
    fired = Event.objects.get(object_id=failing.pk, action="ticket.rule_fired")
    assert [item["type"] for item in fired.data["failed"]] == ["close"]
