"""Time automations: due in business time, exactly once per stay in the state."""

from __future__ import annotations

import datetime as dt

from escalade.automation.models import TimeRule, TimeRuleFiring
from escalade.automation.services import time_rule_save
from escalade.automation.timed import candidates, time_rules_sweep
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.notifications.models import Notification, NotificationKind
from escalade.tickets.choices import FollowUpKind, State
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_reply, ticket_take, ticket_transition
from tests.automation.conftest import action
from tests.sla.factories import paris

# Friday 27 November 2026, 10:00 in Paris (office hours Monday to Friday).
FRIDAY_10H = paris(27, 10, month=11)


def _pending(world, make_ticket, at, moment):
    agent = Actor.of(world.agent_a)
    with at(moment):
        ticket = ticket_take(actor=agent, ticket=make_ticket(moment=moment))
        return ticket_transition(actor=agent, ticket=ticket, state=State.PENDING_REQUESTER)


def _reminders(world, **fields):
    supervisor = Actor.of(world.supervisor)
    remind = time_rule_save(
        actor=supervisor, name="Relance", state=State.PENDING_REQUESTER, after=3, unit="days",
        is_business_time=True, actions=[action("send_reply", text="Avez-vous pu essayer ?")], **fields,
    )  # fmt: skip
    close = time_rule_save(
        actor=supervisor, name="Sans réponse", state=State.PENDING_REQUESTER, after=7, unit="days",
        is_business_time=True, actions=[action("resolve", text="Sans nouvelles de votre part : résolu.")],
    )  # fmt: skip
    return remind, close


def test_pending_reminder_after_three_business_days_then_resolve_after_seven(world, make_ticket, at):
    ticket = _pending(world, make_ticket, at, FRIDAY_10H)
    _reminders(world)

    with at(paris(1, 17, month=12)):  # Tuesday: 4 calendar days, 2 working days
        assert time_rules_sweep().fired == 0
    with at(paris(2, 10, 1, month=12)):  # Wednesday 10:01: 3 working days
        assert time_rules_sweep().fired == 1
        assert time_rules_sweep().fired == 0  # exactly once per stay
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.state == State.PENDING_REQUESTER  # the reminder keeps it waiting
    assert stored.followups.filter(kind=FollowUpKind.REPLY).get().body == "Avez-vous pu essayer ?"
    with at(paris(8, 10, 1, month=12)):  # Tuesday 8 December 10:01: 7 working days
        assert time_rules_sweep().fired == 1
    assert Ticket.objects.get(pk=ticket.pk).state == State.RESOLVED
    fired = Event.objects.filter(object_id=ticket.pk, action="ticket.rule_fired").order_by("pk")
    assert [event.data["name"] for event in fired] == ["Relance", "Sans réponse"]
    assert [event.actor_label.split(" ")[0] for event in fired] == [  # the label names the automation
        f"time:{TimeRule.objects.get(name=name).pk}" for name in ("Relance", "Sans réponse")
    ]  # fmt: skip


def test_a_new_stay_in_the_state_is_a_new_episode(world, make_ticket, at):
    ticket = _pending(world, make_ticket, at, FRIDAY_10H)
    remind, _close = _reminders(world)
    with at(paris(2, 11, month=12)):
        assert time_rules_sweep().fired == 1
        ticket_reply(actor=Actor.of(world.requester_a), ticket=ticket, body="Toujours en panne")
        ticket = ticket_transition(actor=Actor.of(world.agent_a), ticket=Ticket.objects.get(pk=ticket.pk),
                                   state=State.PENDING_REQUESTER)  # fmt: skip
    with at(paris(7, 11, 30, month=12)):  # Monday: 3 working days since Wednesday 11:00
        assert time_rules_sweep().fired == 1
    assert TimeRuleFiring.objects.filter(rule=remind, ticket=ticket).count() == 2


def test_unassigned_p1_for_ten_minutes_notifies_the_supervisors(world, make_ticket, at):
    time_rule_save(
        actor=Actor.of(world.supervisor), name="P1 sans agent", state=State.NEW, after=10, unit="minutes",
        priority=1, is_unassigned_only=True, actions=[action("notify", "supervisors", "P1 sans agent")],
    )  # fmt: skip
    start = paris(24, 10, month=11)
    p1 = make_ticket(moment=start, impact=1, urgency=1)
    make_ticket(moment=start, impact=3, urgency=3)  # P5: not concerned
    with at(start + dt.timedelta(minutes=9)):
        assert time_rules_sweep().fired == 0
    with at(start + dt.timedelta(minutes=10)):
        assert time_rules_sweep().fired == 1
    notice = Notification.objects.get(kind=NotificationKind.AUTOMATION)
    assert (notice.recipient, notice.ticket_id) == (world.supervisor, p1.pk)


def test_a_ticket_that_moved_on_is_skipped(world, make_ticket, at):
    _pending(world, make_ticket, at, FRIDAY_10H)
    remind, _close = _reminders(world)
    now = paris(2, 11, month=12)
    [(ticket_id, anchor)] = candidates(remind, now)
    Ticket.objects.filter(pk=ticket_id).update(state=State.IN_PROGRESS)
    from escalade.automation.timed import _fire

    assert _fire(remind, ticket_id, anchor) is False
    assert not TimeRuleFiring.objects.exists()


def test_a_second_worker_does_not_act_twice(world, make_ticket, at):
    """The firing row is claimed before acting: the same (rule, ticket, stay) is refused the second time."""
    ticket = _pending(world, make_ticket, at, FRIDAY_10H)
    remind, _close = _reminders(world)
    now = paris(2, 11, month=12)
    [(ticket_id, anchor)] = candidates(remind, now)
    from escalade.automation.timed import _fire

    with at(now):
        assert _fire(remind, ticket_id, anchor) is True
        assert _fire(remind, ticket_id, anchor) is False  # what a worker that selected it too would do
    assert ticket.followups.filter(kind=FollowUpKind.REPLY).count() == 1
