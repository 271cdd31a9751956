"""Queries per received message, pinned: the ingestion rate per worker rests on them (docs/benchmarks.md).

A change in the ticket services (creation, reply, SLA refresh) moves these counts too: update them
knowingly. The mail's own part is small: the claim, one lookup for the duplicate check and threading,
the sender (with the organisation), the rate check, the message record and the notification mails of
each ticket event (one insert, whatever the number of recipients; the worker composes and sends them).
"""

from __future__ import annotations

import pytest

from escalade.accounts.models import Team
from escalade.mail.imap import mailbox_poll
from escalade.mail.models import SeenMessage
from tests.accounts.factories import StaffFactory, TeamMembershipFactory
from tests.mail.conftest import FakeServer, ingest, make_message

pytestmark = pytest.mark.django_db

# 6 for the mail itself (lookup, savepoint, rate, sender, record), 7 for a reply (its ticket); the rest is
# the ticket service.
NEW_TICKET = 19  # ticket_create: contract, team, reference, SLA, the acknowledgement (1)
REPLY = 18  # ticket_reply: row lock, event, SLA, the mails to the team's agents (2, whatever their number)


@pytest.fixture
def warm(mail_world, mailbox):
    """One message first, so that per-process caches (content types, calendars) are filled."""
    return ingest(make_message(message_id="<warm@a.example>", subject="Premier"), mailbox=mailbox).ticket


def test_new_ticket_from_a_known_requester(warm, mailbox, django_assert_num_queries):
    with django_assert_num_queries(NEW_TICKET):
        outcome = ingest(make_message(message_id="<new@a.example>"), mailbox=mailbox)
    assert outcome.kind == "ticket"


@pytest.mark.parametrize("agents", [1, 5])
def test_reply_costs_the_same_whatever_the_size_of_the_team(
    warm, mail_world, mailbox, agents, django_assert_num_queries
):
    team = Team.objects.get(name="L1 A")
    for _ in range(agents - 1):
        TeamMembershipFactory.create(team=team, user=StaffFactory.create())
    reply = make_message(message_id="<reply@a.example>", headers={"In-Reply-To": "<warm@a.example>"})
    with django_assert_num_queries(REPLY):
        outcome = ingest(reply, mailbox=mailbox)
    assert (outcome.kind, outcome.ticket) == ("followup", warm)
    assert warm.outbound_mails.filter(kind="requester_reply").count() == agents


def test_automatic_reply_and_duplicate(warm, mailbox, django_assert_num_queries):
    with django_assert_num_queries(2):  # the lookup, the quarantine entry
        outcome = ingest(
            make_message(message_id="<ooo@a.example>", headers={"Auto-Submitted": "auto-replied"})
        )
    assert outcome.kind == "quarantine"
    with django_assert_num_queries(1):
        assert ingest(make_message(message_id="<warm@a.example>"), mailbox=mailbox).kind == "duplicate"


def test_a_poll_imports_consecutive_messages_in_one_transaction(
    warm, mailbox, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr("escalade.mail.imap.GROUP_SECONDS", 60)  # a slow machine must not split the group
    server = FakeServer(
        [make_message(message_id=f"<p{n}@a.example>", subject=f"Demande {n}") for n in range(4)]
    )
    # 1 already-claimed lookup, 2 for the senders (accounts, rate), 2 for the group's savepoint, then per
    # message the claim and the import without its sender lookups, 1 flag update, 1 mailbox update.
    # A transaction per message would add 2 per message, lookups per message 2 more.
    with django_assert_num_queries(1 + 2 + 2 + 4 * (1 + NEW_TICKET - 2) + 1 + 1):
        report = mailbox_poll(mailbox, client=server)
    assert (report.imported, report.outcomes) == (4, {"ticket": 4})
    assert server.flagged == [[1, 2, 3, 4]]
    assert SeenMessage.objects.filter(mailbox=mailbox, is_flagged=True).count() == 4
    assert mailbox_poll(mailbox, client=server).imported == 0
