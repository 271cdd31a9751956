"""Every built-in action, run by a rule on a new ticket, through the ticket services."""

from __future__ import annotations

import pytest

from escalade.accounts.models import SupportLevel
from escalade.automation.actions import action_types, actions_check
from escalade.automation.models import RoundRobinCursor
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.models import Event
from escalade.notifications.models import Notification, NotificationKind
from escalade.tickets.choices import FollowUpKind, State
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_assign, ticket_take, ticket_transition
from tests.accounts.factories import StaffFactory, TeamFactory, TeamMembershipFactory
from tests.automation.conftest import action
from tests.tickets.factories import CategoryFactory


def _assignee_name(ticket: Ticket) -> str:
    assignee = Ticket.objects.select_related("assignee").get(pk=ticket.pk).assignee
    return assignee.full_name if assignee else ""


def test_every_builtin_action_is_registered() -> None:
    assert {kind.key for kind in action_types()} >= {
        "set_state", "set_priority", "set_category", "set_team", "set_agent", "assign_round_robin",
        "assign_least_loaded", "add_tags", "remove_tags", "add_note", "send_reply", "escalate", "notify",
        "resolve", "close",
    }  # fmt: skip


def test_set_priority_category_and_tags(world, make_rule, make_ticket):
    category = CategoryFactory.create(name_fr="Réseau", name_en="Network")
    make_rule(actions=[
        action("set_priority", "2"), action("set_category", str(category.pk)),
        action("add_tags", "reseau, urgent"), action("remove_tags", "old"),
    ])  # fmt: skip
    ticket = Ticket.objects.get(pk=make_ticket(tags=["old"]).pk)
    assert (ticket.priority, ticket.is_priority_overridden, ticket.category_id) == (2, True, category.pk)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["reseau", "urgent"]


def test_set_agent_and_state(world, make_rule, make_ticket):
    make_rule(actions=[action("set_agent", str(world.agent_a.pk)), action("set_state", State.IN_PROGRESS)])
    ticket = Ticket.objects.get(pk=make_ticket().pk)
    assert (ticket.assignee_id, ticket.state) == (world.agent_a.pk, State.IN_PROGRESS)


def test_round_robin_takes_turns_within_the_team(world, l2, make_rule, make_ticket):
    make_rule(actions=[action("assign_round_robin", str(l2.pk))])
    names = [_assignee_name(make_ticket()) for _ in range(3)]
    assert names == ["Anna L2", "Bruno L2", "Anna L2"]
    assert RoundRobinCursor.objects.get(team=l2).last_user == l2.members.get(full_name="Anna L2")


def test_least_loaded_picks_the_agent_with_fewest_open_tickets(world, l2, make_rule, make_ticket):
    anna = l2.members.get(full_name="Anna L2")
    first = make_ticket()

    ticket_assign(actor=Actor.system("test"), ticket=first, team=l2, assignee=anna)
    make_rule(actions=[action("assign_least_loaded", str(l2.pk))])
    assert _assignee_name(make_ticket()) == "Bruno L2"


def test_note_and_reply_render_their_variables(world, make_rule, make_ticket):
    make_rule(actions=[
        action("add_note", text="Vu par la règle pour {{ requester.name }}"),
        action("send_reply",
               text="Bonjour {{ requester.first_name }}, {{ ticket.reference }} est enregistré. {{ nope }}"),
    ])  # fmt: skip
    ticket = make_ticket()
    note, reply = ticket.followups.order_by("pk")
    assert (note.kind, note.body) == (
        FollowUpKind.NOTE,
        f"Vu par la règle pour {world.requester_a.full_name}",
    )
    first_name = world.requester_a.get_short_name()
    assert reply.kind == FollowUpKind.REPLY
    assert reply.body == f"Bonjour {first_name}, {ticket.reference} est enregistré. {{{{ nope }}}}"
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.first_responded_at is not None  # the rule answers for the desk


def test_a_rule_reminder_leaves_the_ticket_waiting_for_the_requester(world, make_rule, make_ticket):
    agent = Actor.of(world.agent_a)
    ticket = ticket_transition(actor=agent, ticket=ticket_take(actor=agent, ticket=make_ticket()),
                               state=State.PENDING_REQUESTER)  # fmt: skip
    make_rule(triggers=["note_added"], actions=[action("send_reply", text="Relance")])
    from escalade.tickets.services import ticket_add_note

    ticket_add_note(actor=agent, ticket=ticket, body="note")
    assert Ticket.objects.get(pk=ticket.pk).state == State.PENDING_REQUESTER


def test_escalate_moves_the_ticket_up_a_level(world, make_rule, make_ticket):
    l2 = TeamFactory.create(name="L2", support_level=SupportLevel.L2, organisations=[world.client_a])
    TeamMembershipFactory.create(team=l2, user=StaffFactory.create())
    make_rule(actions=[action("escalate", text="P1 client VIP")])
    ticket = Ticket.objects.get(pk=make_ticket().pk)
    assert (ticket.team_id, ticket.support_level) == (l2.pk, 2)
    assert Event.objects.get(object_id=ticket.pk, action="ticket.escalated").data["reason"] == "P1 client VIP"


def test_notify_the_supervisors(world, make_rule, make_ticket):
    make_rule(actions=[action("notify", "supervisors", "À regarder : {{ ticket.title }}")])
    ticket = make_ticket(title="Serveur arrêté")
    notice = Notification.objects.get(kind=NotificationKind.AUTOMATION)
    assert (notice.recipient, notice.text) == (
        world.supervisor,
        f"{ticket.reference}: À regarder : Serveur arrêté",
    )


def test_resolve_and_close(world, make_rule, make_ticket):
    make_rule(actions=[action("resolve", text="Résolu automatiquement"), action("close")])
    ticket = Ticket.objects.get(pk=make_ticket().pk)
    assert (ticket.state, ticket.solution, ticket.resolution_code) == (
        State.CLOSED,
        "Résolu automatiquement",
        "solved",
    )


@pytest.mark.parametrize(
    ("actions", "field"),
    [
        ([{"type": "explode", "params": {}}], "actions.0.type"),
        ([action("add_tags", "ok"), action("set_priority", "9")], "actions.1.params"),
        ([action("notify", "everyone", "hi")], "actions.0.params"),
        ([action("send_reply")], "actions.0.params"),
        ([action("set_team", "999999")], "actions.0.params"),
        ("set_priority", "actions"),
    ],
)
def test_bad_actions_name_the_faulty_item(db, actions, field):
    with pytest.raises(ValidationFailed) as caught:
        actions_check(actions)
    assert caught.value.field == field


def test_assignment_prefers_the_skilled_members(world, l2, make_rule, make_ticket):
    bruno = l2.memberships.get(user__full_name="Bruno L2")
    bruno.skills = ["Réseau", "vpn"]
    bruno.save()
    make_rule(actions=[action("assign_round_robin", str(l2.pk))])
    assert [_assignee_name(make_ticket(tags=["VPN"])) for _ in range(2)] == ["Bruno L2", "Bruno L2"]
    assert _assignee_name(
        make_ticket(category=CategoryFactory.create(name_fr="Réseau", name_en="Network"))
    ) == ("Bruno L2")
    assert _assignee_name(make_ticket(tags=["imprimante"])) == "Anna L2"  # nobody's skill: everyone's turn


def test_least_loaded_prefers_the_skilled_members(world, l2, make_rule, make_ticket):
    anna = l2.memberships.get(user__full_name="Anna L2")
    anna.skills = ["sage"]
    anna.save()
    make_rule(actions=[action("assign_least_loaded", str(l2.pk))])
    assert [_assignee_name(make_ticket(tags=["sage"])) for _ in range(2)] == ["Anna L2", "Anna L2"]
    assert _assignee_name(make_ticket()) == "Bruno L2"  # the least loaded of all
