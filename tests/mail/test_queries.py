"""Queries per received message, pinned: the ingestion rate per worker rests on them (docs/benchmarks.md).

A change in the ticket services (creation, reply, SLA refresh) moves these counts too: update them
knowingly. The mail's own part is small: the claim, one lookup for the duplicate check and threading,
the sender (with the organisation), the rate check, the message record and the notification mails of
each ticket event (one insert, whatever the number of recipients; the worker composes and sends them).
The poller shares all of it within a chunk or a group: its new requests and replies cost a constant
number of queries per group, whatever their number.
"""

from __future__ import annotations

import pytest

from escalade.accounts.models import Team
from escalade.mail.imap import mailbox_poll
from escalade.mail.models import SeenMessage
from escalade.tickets.models import Ticket
from tests.accounts.factories import StaffFactory, TeamMembershipFactory
from tests.mail.conftest import FakeServer, ingest, make_message

pytestmark = pytest.mark.django_db

# A message on its own (``escalade mail ingest`` from an MTA, a quarantine retry): 6 for the mail itself
# (lookup, savepoint, rate, sender, record), 7 for a reply (its ticket); the rest is the ticket service.
NEW_TICKET = 18  # ticket_create: reference, SLA, the acknowledgement (1), the outbox (1), the reports' fact
# and rollup (2); the requester's notification preferences
# and the bell's row (2, ADR 0024); the matrix, teams, contracts (the contract's decision at intake, ADR
# 0017, included), policies and targets are kept per process (core.refdata)
REPLY = 21  # ticket_reply: row lock, event, SLA, the mails to the team's agents (2, whatever their number),
# the notification preferences and bell rows (ADR 0024; policies and targets are kept per process),
# the outbox (1), the reports (3: history, targets, the fact; an unchanged fact writes nothing)

# The poller: per chunk of fetched messages, 1 already-claimed lookup and 3 lookups (senders' accounts,
# their rate, our records of the messages and of those they answer; a 4th for the tickets these records
# and the subjects' references name, when there are some); per group, its savepoint (2), the
# flag update and the mailbox update; the claims, one for the first message then up to ten at a time.
# New requests and replies wait until the group ends, then are written together (savepoint, 2):
POLL, CLAIMS = 1 + 3 + 2 + 2 + 2, 2
# ticket_create_many: its savepoint, the matrix, teams, references, the default policy, the
# tickets, events, acknowledgements, policies, targets, due dates, the outbox (after-commit work), the
# reports' facts and rollups (2); the notification preferences and the bell's rows (2); the reference
# data, the contracts included (for the decision at intake and for the tickets), is kept per process.
CREATIONS = 2 + 12
# ticket_reply_many: its savepoint, the row locks, follow-ups, tickets, events, the agents to mail (1,
# whatever their number), the mails, policies, histories, targets (the due dates did not move), the outbox,
# the reports (3: history, targets, facts).
REPLIES = 2 + 12  # with the preferences and bell rows, without policies and targets (kept)
# and one insert for the records of all the messages (the "+ 1" below).


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
    # The lookup, whether this same message was quarantined before (a second delivery of an automatic
    # mail adds no entry and counts no second bounce: issue 23), the quarantine entry.
    with django_assert_num_queries(3):
        outcome = ingest(
            make_message(message_id="<ooo@a.example>", headers={"Auto-Submitted": "auto-replied"})
        )
    assert outcome.kind == "quarantine"
    with django_assert_num_queries(1):
        again = make_message(message_id="<warm@a.example>", subject="Premier")  # the same message again
        assert ingest(again, mailbox=mailbox).kind == "duplicate"


@pytest.fixture
def one_group(monkeypatch):
    monkeypatch.setattr("escalade.mail.imap.GROUP_SECONDS", 60)  # a slow machine must not split the group


def _requests(count: int, first: int = 0) -> list[bytes]:
    return [
        make_message(message_id=f"<p{n}@a.example>", subject=f"Demande {n}")
        for n in range(first, first + count)
    ]


@pytest.mark.parametrize("count", [4, 8])
def test_a_poll_writes_its_new_requests_together(warm, mailbox, one_group, count, django_assert_num_queries):
    server = FakeServer(_requests(count))
    with django_assert_num_queries(POLL + CLAIMS + CREATIONS + 1):  # whatever the number of messages
        report = mailbox_poll(mailbox, client=server)
    assert (report.imported, report.outcomes) == (count, {"ticket": count})
    assert server.flagged == [list(range(1, count + 1))]
    assert SeenMessage.objects.filter(mailbox=mailbox, is_flagged=True).count() == count
    assert mailbox_poll(mailbox, client=server).imported == 0


@pytest.mark.parametrize("count", [4, 8])
def test_a_mailbox_team_costs_nothing_per_request(warm, mailbox, one_group, count, django_assert_num_queries):
    # The new tickets are created in the mailbox's team (no reassignment afterwards).
    mailbox.team = Team.objects.create(name="Réseau A", support_level=2)
    mailbox.team.organisations.add(mailbox.organisation)
    with django_assert_num_queries(POLL + CLAIMS + CREATIONS + 1):
        report = mailbox_poll(mailbox, client=FakeServer(_requests(count)))
    assert report.outcomes == {"ticket": count}
    new = Ticket.objects.exclude(pk=warm.pk)
    assert set(new.values_list("team__name", flat=True)) == {"Réseau A"}


@pytest.mark.parametrize("agents", [1, 5])
def test_a_poll_adds_its_replies_together(warm, mailbox, one_group, agents, django_assert_num_queries):
    team = Team.objects.get(name="L1 A")
    for _ in range(agents - 1):
        TeamMembershipFactory.create(team=team, user=StaffFactory.create())
    other = ingest(make_message(message_id="<other@a.example>", subject="Autre"), mailbox=mailbox).ticket
    replies = [
        make_message(message_id=f"<re{n}@a.example>", headers={"In-Reply-To": parent})
        for n, parent in enumerate(["<warm@a.example>", "<other@a.example>", "<warm@a.example>"])
    ]
    server = FakeServer([*_requests(2), *replies])
    # The tickets they answer are read together with the chunk (1), then the group is written:
    # creations, then replies.
    with django_assert_num_queries(POLL + 1 + CLAIMS + CREATIONS + REPLIES + 1):
        report = mailbox_poll(mailbox, client=server)
    assert report.outcomes == {"ticket": 2, "followup": 3}
    assert [warm.followups.count(), other.followups.count()] == [2, 1]
    assert warm.outbound_mails.filter(kind="requester_reply").count() == 2 * agents
