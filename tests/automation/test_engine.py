"""Rules on ticket events: what they change, in which order, the loop guard, failures, the timeline."""

from __future__ import annotations

from django.utils import translation

from escalade.automation.models import Rule
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.tickets.choices import State
from escalade.tickets.models import Ticket
from escalade.tickets.selectors import timeline_rows
from escalade.tickets.services import ticket_reply, ticket_set_priority, ticket_take, ticket_transition
from tests.automation.conftest import action


def fired(ticket: Ticket) -> list[Event]:
    return list(Event.objects.filter(object_id=ticket.pk, action="ticket.rule_fired").order_by("pk"))


def test_vip_routing_shows_in_the_creation_answer(world, l2, make_rule, make_ticket):
    make_rule(
        name="VIP", conditions={"match": "any", "items": [
            {"field": "tags", "operator": "contains", "value": "vip"},
            {"field": "requester.email", "operator": "is", "value": "ceo@a.example"},
        ]},
        actions=[action("set_priority", "1"), action("set_team", str(l2.pk))],
    )  # fmt: skip

    ticket = make_ticket(tags=["vip"])
    plain = make_ticket()

    assert (ticket.priority, ticket.team_id) == (1, l2.pk)  # the object the API answers with
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.priority, stored.team_id, stored.support_level) == (1, l2.pk, 2)
    assert Ticket.objects.get(pk=plain.pk).team_id != l2.pk
    [event] = fired(ticket)
    assert event.actor_label == f"rule:{Rule.objects.get().pk} VIP"
    assert event.data["actions"] == [
        {"type": "set_priority", "params": {"value": "1", "text": ""}},
        {"type": "set_team", "params": {"value": str(l2.pk), "name": "L2 A"}},
    ]
    assert fired(plain) == []


def test_the_timeline_says_what_the_rule_did_in_the_readers_language(world, l2, make_rule, make_ticket):
    make_rule(name="VIP", actions=[action("set_priority", "1"), action("set_team", str(l2.pk))])
    ticket = make_ticket()

    def line(language: str) -> str:
        with translation.override(language):
            rows = timeline_rows(ticket=ticket, viewer=world.supervisor)
            return next(row.label for row in rows if row.event and row.event.action == "ticket.rule_fired")

    assert line("en") == "Rule “VIP”: set the priority to P1 — Critical, gave the ticket to the team “L2 A”"
    assert line("fr").startswith("Règle « VIP » : priorité passée à P1")


def test_rules_run_in_order_and_one_may_stop_the_rest(world, make_rule, make_ticket):
    make_rule(name="second", actions=[action("add_tags", "second")])
    first = make_rule(name="first", actions=[action("add_tags", "first")], stop_processing=True)
    Rule.objects.filter(pk=first.pk).update(position=1)
    make_rule(name="third", actions=[action("add_tags", "third")])
    from escalade.automation.engine import rules_version_bump

    rules_version_bump()
    ticket = make_ticket()
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["first"]

    Rule.objects.filter(pk=first.pk).update(stop_processing=False)
    rules_version_bump()
    ticket = make_ticket()
    assert [e.data["name"] for e in fired(ticket)] == ["first", "second", "third"]


def test_two_rules_that_undo_each_other_fire_once_each(world, make_rule, make_ticket):
    """Ping-pong: each rule's change triggers the other; the loop guard stops the chain."""
    make_rule(name="ping", triggers=["priority_changed"], actions=[action("set_priority", "2")])
    make_rule(name="pong", triggers=["priority_changed"], actions=[action("set_priority", "1")])
    ticket = make_ticket()

    ticket_set_priority(actor=Actor.of(world.agent_a), ticket=ticket, priority=3, reason="test")

    assert [e.data["name"] for e in fired(ticket)] == ["pong", "ping"]  # nested: pong fires inside ping
    assert Ticket.objects.get(pk=ticket.pk).priority == 1
    # A new chain (another change) lets them fire again, once each.
    ticket_set_priority(actor=Actor.of(world.agent_a), ticket=ticket, priority=4, reason="again")
    assert len(fired(ticket)) == 4


def test_a_failing_action_is_skipped_recorded_and_the_change_commits(world, make_rule, make_ticket, l2):
    from tests.accounts.factories import TeamFactory

    elsewhere = TeamFactory.create(name="B only", organisations=[world.client_b])
    rule = make_rule(
        name="broken", actions=[action("set_team", str(elsewhere.pk)), action("add_tags", "seen")]
    )

    with translation.override("en"):
        ticket = make_ticket()

    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert list(ticket.tags.values_list("name", flat=True)) == ["seen"]
    rule.refresh_from_db()
    assert rule.last_error == "This team does not serve the ticket's organisation."
    assert rule.last_error_at is not None
    [event] = fired(ticket)
    assert event.data["failed"][0]["type"] == "set_team"


def test_replies_trigger_by_who_wrote_them(world, make_rule, make_ticket):
    make_rule(name="customer", triggers=["replied_by_requester"], actions=[action("add_tags", "customer")])
    make_rule(name="agent", triggers=["replied_by_agent"], actions=[action("add_tags", "agent")])
    ticket = make_ticket()
    ticket = ticket_take(actor=Actor.of(world.agent_a), ticket=ticket)

    ticket_reply(actor=Actor.of(world.agent_a), ticket=ticket, body="Bonjour")
    assert list(ticket.tags.values_list("name", flat=True)) == ["agent"]
    ticket_reply(actor=Actor.of(world.requester_a), ticket=ticket, body="Merci")
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["agent", "customer"]


def test_previous_value_condition(world, make_rule, make_ticket):
    make_rule(
        name="back from pending", triggers=["state_changed"],
        conditions={"items": [{"field": "previous.state", "operator": "is", "value": "pending_requester"}]},
        actions=[action("add_note", text="Le demandeur a répondu sur {{ ticket.reference }}")],
    )  # fmt: skip
    agent = Actor.of(world.agent_a)
    ticket = ticket_take(actor=agent, ticket=make_ticket())  # a creation is not a change of state
    ticket = ticket_transition(actor=agent, ticket=ticket, state=State.IN_PROGRESS)
    assert fired(ticket) == []
    ticket = ticket_transition(actor=agent, ticket=ticket, state=State.PENDING_REQUESTER)
    ticket_reply(actor=Actor.of(world.requester_a), ticket=ticket, body="Voilà")

    assert len(fired(ticket)) == 1
    note = ticket.followups.filter(kind="note").get()
    assert note.body == f"Le demandeur a répondu sur {ticket.reference}"


def test_organisation_scope(world, make_rule, make_ticket):
    make_rule(name="B only", organisation=world.client_b, actions=[action("add_tags", "b")])
    assert fired(make_ticket()) == []
    assert len(fired(make_ticket(requester=world.requester_b))) == 1


def test_inactive_rules_do_nothing(world, make_rule, make_ticket):
    make_rule(name="off", is_active=False, actions=[action("add_tags", "off")])
    assert fired(make_ticket()) == []


def test_rules_run_for_each_ticket_of_a_batch(world, l2, make_rule):
    from escalade.tickets.services import TicketRequest, ticket_create_many

    make_rule(
        name="VIP", conditions={"items": [{"field": "tags", "operator": "contains", "value": "vip"}]},
        actions=[action("set_team", str(l2.pk))],
    )  # fmt: skip
    requests = [
        TicketRequest(requester=world.requester_a, title=f"Demande {n}", tags=["vip"] if n % 2 else [])
        for n in range(4)
    ]
    created = ticket_create_many(actor=Actor.of(world.agent_a), requests=requests)

    assert [ticket.team_id == l2.pk for ticket in created] == [False, True, False, True]
    assert [len(fired(ticket)) for ticket in created] == [0, 1, 0, 1]


def test_a_state_change_by_any_service_triggers_state_rules_but_a_creation_does_not(
    world, make_rule, make_ticket
):
    make_rule(name="moved", triggers=["state_changed"], actions=[action("add_tags", "moved")])
    ticket = make_ticket()
    assert fired(ticket) == []
    ticket_take(actor=Actor.of(world.agent_a), ticket=ticket)  # ticket.assigned: new → assigned
    assert [e.data["trigger"] for e in fired(ticket)] == ["ticket.assigned"]
