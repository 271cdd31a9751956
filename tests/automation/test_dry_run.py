"""“What would it do?”: the rule runs against a ticket and nothing survives."""

from __future__ import annotations

from escalade.automation.services import rule_dry_run
from escalade.core.actors import Actor
from escalade.core.models import Event, OutboxTask
from escalade.mail.models import OutboundMail
from escalade.notifications.models import Notification
from escalade.tickets.models import FollowUp, Ticket
from tests.automation.conftest import action


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Event, FollowUp, OutboxTask, OutboundMail, Notification))


def test_a_dry_run_lists_the_changes_and_leaves_nothing(
    world, l2, make_ticket, django_capture_on_commit_callbacks
):
    ticket = make_ticket(title="Serveur de fichiers")
    before, row = _counts(), Ticket.objects.filter(pk=ticket.pk).values().get()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = rule_dry_run(
            actor=Actor.of(world.supervisor), ticket=ticket, name="VIP",
            conditions={"items": [{"field": "title", "operator": "contains", "value": "serveur"}]},
            actions=[action("set_priority", "1"), action("set_team", str(l2.pk)),
                     action("send_reply",
                            text="Bonjour {{ requester.name }}, {{ ticket.reference }} est pris en charge."),
                     action("notify", "supervisors", "VIP")],
        )  # fmt: skip

    assert result.matches
    assert ("priority", 4, 1) in result.changes
    assert ("team", ticket.team_id, l2.pk) in result.changes
    assert len(result.actions) == 4
    assert result.messages == [
        ("Réponse publique", f"Bonjour {world.requester_a.full_name}, {ticket.reference} est pris en charge.")
    ]
    assert _counts() == before  # no event, follow-up, outbox row, mail or notification survives
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == row
    assert callbacks == []  # nothing handed to the queue after commit


def test_a_dry_run_says_when_the_conditions_do_not_match(world, make_ticket):
    ticket = make_ticket(title="Imprimante")
    result = rule_dry_run(
        actor=Actor.of(world.supervisor), ticket=ticket, name="VIP",
        conditions={"items": [{"field": "title", "operator": "contains", "value": "serveur"}]},
        actions=[action("set_priority", "1")],
    )  # fmt: skip
    assert not result.matches
    assert result.actions == []
