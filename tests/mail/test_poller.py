"""The poller's groups (one transaction for several messages) behave as one message at a time would.

Against an in-memory folder (``FakeServer``); the real Dovecot/Postfix runs are in test_servers.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from email.message import EmailMessage
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError, transaction

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.mail.imap import mailbox_poll
from escalade.mail.ingest import mail_ingest
from escalade.mail.models import (
    Mailbox,
    MailMessage,
    OutboundMail,
    Quarantine,
    SeenMessage,
    UnknownSenderPolicy,
)
from escalade.tickets.choices import State
from escalade.tickets.models import Attachment, FollowUp, Ticket, TicketSequence
from escalade.tickets.services import ticket_resolve, ticket_take, ticket_transition
from tests.mail.conftest import FakeServer, ingest, make_message
from tests.tickets.conftest import TUESDAY_10H
from tests.tickets.factories import CategoryFactory, CategoryFieldFactory

pytestmark = pytest.mark.django_db
NOW = TUESDAY_10H.astimezone(dt.UTC)


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


def _given(world: Any, mailbox: Mailbox) -> dict[str, Ticket]:
    """Two open tickets by e-mail, one waiting for its requester; then the mailbox files new requests
    under a category that client A's requests cannot satisfy (a required field): theirs fail."""
    mailbox.category = None
    waiting = ingest(
        make_message(sender="req.b@b.example", message_id="<t1@b.example>"), mailbox=mailbox
    ).ticket
    ticket_take(actor=Actor.of(world.agent_b), ticket=waiting)
    ticket_transition(actor=Actor.of(world.agent_b), ticket=waiting, state=State.PENDING_REQUESTER)
    open_a = ingest(make_message(message_id="<t2@a.example>", subject="Réseau"), mailbox=mailbox).ticket
    resolved = ingest(make_message(sender="req.b@b.example", message_id="<t3@b.example>", subject="Souris"),
                      mailbox=mailbox).ticket  # fmt: skip
    ticket_take(actor=Actor.of(world.agent_b), ticket=resolved)
    ticket_resolve(actor=Actor.of(world.agent_b), ticket=resolved, resolution_code="solved", solution="Pile")
    category = CategoryFactory.create()
    category.organisations.set([world.client_a])
    CategoryFieldFactory.create(category=category, key="poste", is_required=True)
    mailbox.category = category
    return {"waiting": waiting, "open": open_a, "resolved": resolved}


def _with_files(sender: str, message_id: str, subject: str, headers: dict[str, str] | None = None) -> bytes:
    """A message with a file and an empty one (which is listed in a note)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "support@desk.example", subject
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content("Voir le journal joint.")
    message.add_attachment(b"", maintype="text", subtype="plain", filename="vide.txt")
    message.add_attachment(b"erreur 42", maintype="text", subtype="plain", filename="journal.txt")
    return bytes(message)


def _mixed_group() -> list[bytes]:
    b = "Bob <req.b@b.example>"
    return [
        make_message(sender=b, message_id="<m1@b.example>", subject="Écran noir"),
        make_message(sender=b, message_id="<m2@b.example>", headers={"In-Reply-To": "<t1@b.example>"},
                     body="Voici le numéro de série."),
        make_message(message_id="<m3@a.example>", subject="Sans poste"),  # fails: required field
        make_message(sender=b, message_id="<m4@b.example>", headers={"In-Reply-To": "<m1@b.example>"},
                     body="Toujours noir."),
        make_message(sender=b, message_id="<m1@b.example>", subject="Écran noir"),  # delivered twice
        _with_files(b, "<m6@b.example>", "Journal"),
        _with_files("req.a@a.example", "<m7@a.example>", "Re: Réseau", {"In-Reply-To": "<t2@a.example>"}),
        make_message(message_id="<m17@a.example>", headers={"In-Reply-To": "<t2@a.example>"},
                     body="Le journal est joint au message précédent."),  # after m7's files
        make_message(sender=b, message_id="<m8@b.example>", headers={"Auto-Submitted": "auto-replied"}),
        make_message(sender=b, message_id="<m9@b.example>", subject="Clavier"),
        make_message(sender=b, message_id="<m10@b.example>", headers={"In-Reply-To": "<m9@b.example>"},
                     body="Touche Entrée."),
        make_message(sender=b, message_id="<m11@b.example>", headers={"In-Reply-To": "<m10@b.example>",
                     "References": "<m9@b.example> <m10@b.example>"}, body="Et Échap."),
        make_message(sender="Nouvelle <new@b.example>", message_id="<m12@b.example>", subject="Accès"),
        make_message(sender="Nouvelle <new@b.example>", message_id="<m13@b.example>", subject="Accès (suite)",
                     headers={"In-Reply-To": "<m12@b.example>"}),
        make_message(sender="Nouvelle <new@b.example>", message_id="<m14@b.example>", subject="Autre"),
        make_message(sender=b, message_id="<m15@b.example>", headers={"In-Reply-To": "<t3@b.example>"},
                     body="Elle ne marche plus."),  # reopens it
        make_message(sender=b, message_id="<m16@b.example>", subject="RE: [ESC-2026-000003] Souris",
                     body="Ni avec une pile neuve."),  # then follows it up
    ]  # fmt: skip


def _rows() -> dict[str, Any]:
    """What ingestion wrote, ids replaced by tickets' references (and a follow-up's place on its ticket);
    each ticket's events in order (a batch writes different tickets' events in another order)."""
    reference = dict(Ticket.objects.values_list("pk", "reference"))
    followups: dict[int, tuple[str, int]] = {}
    for pk, ticket in FollowUp.objects.order_by("pk").values_list("pk", "ticket"):
        followups[pk] = (
            reference[ticket],
            sum(place[0] == reference[ticket] for place in followups.values()),
        )
    attachments = {pk: reference[ticket] for pk, ticket in Attachment.objects.values_list("pk", "ticket")}
    named: dict[str, dict[int, Any]] = {"followup": followups, "attachment": attachments}
    people = dict(User.objects.values_list("pk", "email"))  # an account created by a run: its address

    def changes(values: dict[str, Any]) -> dict[str, Any]:
        if "requester" not in values:
            return values
        return {**values, "requester": {"from": None, "to": people[values["requester"]["to"]]}}

    events = sorted(
        (reference[event.object_id], event.pk, event.action, changes(event.changes), event.actor_label,
         {key: named[key][value] if key in named else value for key, value in event.data.items()})
        for event in Event.objects.filter(action__startswith="ticket.")
    )  # fmt: skip
    ticket_rows = Ticket.objects.order_by("reference").values()
    return {
        "tickets": [
            {**{k: v for k, v in row.items() if k != "id"}, "requester_id": people[row["requester_id"]]}
            for row in ticket_rows
        ],
        "followups": sorted(
            (followups[pk], kind, body, people.get(author), channel)
            for pk, kind, body, author, channel in FollowUp.objects.values_list(
                "pk", "kind", "body", "author", "channel"
            )
        ),
        "events": [(ticket, *rest) for ticket, _pk, *rest in events],
        "quarantine": sorted(
            Quarantine.objects.values_list("message_id", "sender", "reason", "status", "detail")
        ),
        "records": sorted(
            (message_id, reference[ticket], followups.get(followup))
            for message_id, ticket, followup in MailMessage.objects.values_list(
                "message_id", "ticket", "followup"
            )
        ),
        "mails": sorted(
            (reference[ticket], kind, to)
            for ticket, kind, to in OutboundMail.objects.values_list("ticket", "kind", "to")
        ),
        "attachments": sorted(
            (reference[ticket], followups.get(followup), name)
            for ticket, followup, name in Attachment.objects.values_list("ticket", "followup", "filename")
        ),
        "counter": list(TicketSequence.objects.values_list("year", "last_number")),
        "accounts": list(
            Event.objects.filter(action="user.created", object_repr__contains="new@").values_list(
                "actor_label", "action"
            )
        ),
    }


def test_a_group_writes_what_one_by_one_ingestion_writes(mail_world, mailbox, one_group, caplog):
    """New requests, replies to them (and to a reply) and to older tickets, a failing request, a
    duplicate, files (one empty) on a request and on a reply followed by another reply, an automatic
    reply, someone new writing three times, two replies to a resolved ticket (the first reopens it):
    the same rows as mail_ingest called for each message in order."""
    messages = _mixed_group()

    def run(ingest_all: Any) -> tuple[Any, dict[str, Any]]:
        with transaction.atomic(), mock.patch("django.utils.timezone.now", return_value=NOW):
            given = _given(mail_world, mailbox)
            outcome = ingest_all()
            rows = _rows()
            rows["given"] = sorted(ticket.reference for ticket in given.values())
            transaction.set_rollback(True)
        return outcome, rows

    kinds, expected = run(lambda: [mail_ingest(raw, mailbox=mailbox).kind for raw in messages])
    caplog.set_level(logging.INFO, logger="escalade.mail.batch")
    server = FakeServer(messages)
    report, rows = run(lambda: mailbox_poll(mailbox, client=server))

    assert rows == expected
    assert server.flagged == [list(range(1, len(messages) + 1))]  # one group
    assert report.outcomes == dict(Counter(kinds))
    assert kinds == ["ticket", "followup", "quarantine", "followup", "duplicate", "ticket", "followup",
                     "followup", "quarantine", "ticket", "followup", "followup", "ticket", "followup",
                     "ticket", "followup", "followup"]  # fmt: skip
    assert [entry[2] for entry in rows["quarantine"]] == ["error", "auto_reply"]
    assert [t["state"] for t in rows["tickets"] if t["title"] == "Imprimante en panne"] == ["in_progress"]
    assert [t["state"] for t in rows["tickets"] if t["title"] == "Souris"] == ["in_progress"]  # reopened
    assert rows["accounts"] == [("email", "user.created")]  # one account for the three messages
    # m1 to m4 waited together (m4 on m1's ticket), failed because of m3, and were imported one by one.
    assert caplog.messages.count("a batch of 4 messages failed; importing them one by one") == 1
