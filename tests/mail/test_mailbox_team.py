"""A mailbox's team: the requests written to that address go to that team (e.g. network@ to the network
team), when it serves the sender's organisation; others go to their organisation's first-line team.

The same on both paths: a message on its own (an MTA pipe, a retry) and the poller's groups.
"""

from __future__ import annotations

import pytest

from escalade.core.models import Event
from escalade.mail.imap import mailbox_poll
from escalade.mail.models import Mailbox
from escalade.tickets.models import Ticket
from tests.accounts.factories import StaffFactory, TeamFactory, TeamMembershipFactory
from tests.mail.conftest import FakeServer, ingest, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(mail_world, mailbox: Mailbox):
    """An L2 network team serving client A only, with one agent; the mailbox is addressed to it."""
    team = TeamFactory.create(
        name="Réseau A", support_level=2, organisations=[mail_world.client_a], is_auto_assign=True
    )
    agent = StaffFactory.create(email="network@provider.example")
    TeamMembershipFactory.create(team=team, user=agent)
    mailbox.team = team
    mailbox.save(update_fields=["team"])
    return team, agent


def _messages() -> list[bytes]:
    return [
        make_message(message_id="<a1@a.example>", subject="Switch du 3e en panne"),
        make_message(sender="Bob <req.b@b.example>", message_id="<b1@b.example>", subject="VPN coupé"),
        make_message(sender="Alice <req.a2@a.example>", message_id="<a2@a.example>", subject="Wi-Fi lent"),
    ]


def _routing() -> dict[str, tuple[str | None, int, str | None]]:
    return {
        ticket.title: (
            ticket.team.name if ticket.team else None,
            ticket.support_level,
            ticket.assignee.email if ticket.assignee else None,
        )
        for ticket in Ticket.objects.select_related("team", "assignee")
    }


EXPECTED = {
    "Switch du 3e en panne": ("Réseau A", 2, "network@provider.example"),
    "VPN coupé": ("L1 B", 1, None),  # the network team does not serve client B
    "Wi-Fi lent": ("Réseau A", 2, "network@provider.example"),
}


def test_requests_of_a_message_at_a_time_go_to_the_mailbox_team(network, mailbox):
    for raw in _messages():
        assert ingest(raw, mailbox=mailbox).kind == "ticket"
    assert _routing() == EXPECTED
    # Created in that team: no reassignment afterwards.
    assert not Event.objects.filter(action="ticket.assigned").exists()


def test_requests_of_a_poll_go_to_the_mailbox_team(network, mailbox, monkeypatch):
    monkeypatch.setattr("escalade.mail.imap.GROUP_SECONDS", 60)  # one group, written together
    report = mailbox_poll(mailbox, client=FakeServer(_messages()))
    assert report.outcomes == {"ticket": 3}
    assert _routing() == EXPECTED
    assert not Event.objects.filter(action="ticket.assigned").exists()


def test_an_inactive_mailbox_team_is_passed_over(network, mailbox):
    team, _agent = network
    team.is_active = False
    team.save(update_fields=["is_active"])
    ingest(_messages()[0], mailbox=mailbox)
    assert _routing() == {"Switch du 3e en panne": ("L1 A", 1, None)}
