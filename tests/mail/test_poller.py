"""The poller's groups (one transaction for several messages) behave as one message at a time would.

Against an in-memory folder (``FakeServer``); the real Dovecot/Postfix runs are in test_servers.py.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError

from escalade.accounts.models import User
from escalade.mail.imap import mailbox_poll
from escalade.mail.ingest import mail_ingest
from escalade.mail.models import MailMessage, Quarantine, SeenMessage, UnknownSenderPolicy
from escalade.tickets.models import Ticket
from tests.mail.conftest import FakeServer, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_group(monkeypatch):
    monkeypatch.setattr("escalade.mail.imap.GROUP_SECONDS", 60)


def test_a_reply_threads_to_a_request_of_the_same_group(mail_world, mailbox, one_group):
    request = make_message(message_id="<first@a.example>")
    reply = make_message(message_id="<second@a.example>", headers={"In-Reply-To": "<first@a.example>"})
    again = make_message(message_id="<first@a.example>")  # delivered twice
    report = mailbox_poll(mailbox, client=FakeServer([request, reply, again]))
    assert report.outcomes == {"ticket": 1, "followup": 1, "duplicate": 1}
    ticket = Ticket.objects.get()
    assert MailMessage.objects.get(message_id="<second@a.example>").ticket == ticket


def test_the_rate_limit_counts_the_messages_of_the_group(mail_world, mailbox, settings, one_group):
    settings.ESCALADE_MAIL_RATE_PER_HOUR = 2
    messages = [make_message(message_id=f"<r{n}@a.example>", subject=f"Demande {n}") for n in range(3)]
    report = mailbox_poll(mailbox, client=FakeServer(messages))
    assert report.outcomes == {"ticket": 2, "quarantine": 1}
    assert Quarantine.objects.get().reason == "rate_limited"


def test_an_unknown_sender_writing_twice_in_a_group_gets_one_account(mail_world, mailbox, one_group):
    mailbox.unknown_senders = UnknownSenderPolicy.DOMAIN
    messages = [
        make_message(sender="New Person <new@a.example>", message_id=f"<n{n}@a.example>", subject=f"D{n}")
        for n in range(2)
    ]
    report = mailbox_poll(mailbox, client=FakeServer(messages))
    assert report.outcomes == {"ticket": 2}
    person = User.objects.get(email="new@a.example")
    assert Ticket.objects.filter(requester=person).count() == 2


def test_a_database_error_rolls_the_group_back_for_the_next_poll(mail_world, mailbox, monkeypatch, one_group):
    server = FakeServer([make_message(message_id=f"<d{n}@a.example>", subject=f"D{n}") for n in range(3)])
    calls = []

    def deadlock_on_the_second(raw, **options):
        calls.append(raw)
        if len(calls) == 2:
            raise OperationalError("deadlock detected")
        return mail_ingest(raw, **options)

    monkeypatch.setattr("escalade.mail.imap.mail_ingest", deadlock_on_the_second)
    with pytest.raises(OperationalError):
        mailbox_poll(mailbox, client=server)
    assert (Ticket.objects.count(), SeenMessage.objects.count(), server.flagged) == (0, 0, [])
    monkeypatch.setattr("escalade.mail.imap.mail_ingest", mail_ingest)
    assert mailbox_poll(mailbox, client=server).outcomes == {"ticket": 3}
    assert server.flagged == [[1, 2, 3]]


def test_groups_end_after_their_time(mail_world, mailbox, monkeypatch):
    monkeypatch.setattr("escalade.mail.imap.GROUP_SECONDS", 0)  # every message commits on its own
    server = FakeServer([make_message(message_id=f"<t{n}@a.example>", subject=f"T{n}") for n in range(3)])
    assert mailbox_poll(mailbox, client=server).imported == 3
    assert server.flagged == [[1], [2], [3]]
