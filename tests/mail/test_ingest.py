"""mail_ingest: new tickets, follow-ups by headers and subject, policies, noise, limits, quarantine."""

from __future__ import annotations

import pytest
from django.core import mail as django_mail

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.mail.models import (
    BouncingAddress,
    Direction,
    MailMessage,
    OutboundMail,
    Quarantine,
    QuarantineStatus,
    UnknownSenderPolicy,
)
from escalade.mail.services import quarantine_discard, quarantine_retry
from escalade.tickets.choices import Channel, State
from escalade.tickets.services import ticket_reply, ticket_resolve
from tests.mail.conftest import ingest, make_message

pytestmark = pytest.mark.django_db


def test_new_message_from_known_requester_becomes_an_email_ticket(mail_world, mailbox):
    outcome = ingest(make_message(), mailbox=mailbox)
    assert outcome.kind == "ticket"
    ticket = outcome.ticket
    assert ticket.requester == mail_world.requester_a
    assert ticket.channel == Channel.EMAIL
    assert ticket.title == "Imprimante en panne"
    assert "2e étage" in ticket.description
    record = MailMessage.objects.get(direction=Direction.INBOUND)
    assert (record.ticket, record.message_id, record.sender) == (ticket, "<m1@a.example>", "req.a@a.example")
    assert record.raw.read().startswith(b"From: ")


def test_same_message_twice_is_imported_once(mail_world, mailbox):
    first = ingest(make_message(), mailbox=mailbox)
    second = ingest(make_message(), mailbox=None)
    assert (first.kind, second.kind) == ("ticket", "duplicate")
    assert MailMessage.objects.filter(direction=Direction.INBOUND).count() == 1


def test_reply_threads_by_in_reply_to_and_trims_the_quote(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    reply = make_message(
        subject="Re: Imprimante en panne",
        message_id="<m2@a.example>",
        headers={"In-Reply-To": "<m1@a.example>", "References": "<m1@a.example>"},
        body="Elle remarche, merci.\n\n"
        "Le mar. 24 nov. 2026 à 10:00, Support <support@desk.example> a écrit :\n> ancien",
    )
    outcome = ingest(reply, mailbox=mailbox)
    assert outcome.kind == "followup"
    assert outcome.ticket == ticket
    assert outcome.followup.body == "Elle remarche, merci."
    assert outcome.followup.channel == Channel.EMAIL
    assert "ancien" in MailMessage.objects.get(message_id="<m2@a.example>").full_text


def test_reply_threads_by_reference_in_subject(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    reply = make_message(subject=f"RE: [{ticket.reference}] Imprimante", message_id="<m3@a.example>")
    outcome = ingest(reply, mailbox=mailbox)
    assert (outcome.kind, outcome.ticket) == ("followup", ticket)


def test_subject_reference_from_someone_not_on_the_ticket_opens_their_own_ticket(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    intruder = make_message(
        sender="req.b@b.example", subject=f"[{ticket.reference}] hello", message_id="<x@b>"
    )
    outcome = ingest(intruder, mailbox=mailbox)
    assert outcome.kind == "ticket"
    assert outcome.ticket != ticket
    assert outcome.ticket.requester == mail_world.requester_b


def test_refuse_policy_quarantines_a_reply_from_someone_not_allowed(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    mailbox.unknown_senders = UnknownSenderPolicy.REFUSE
    intruder = make_message(
        sender="req.b@b.example", subject=f"[{ticket.reference}] hello", message_id="<x@b>"
    )
    outcome = ingest(intruder, mailbox=mailbox)
    assert (outcome.kind, outcome.reason) == ("quarantine", "not_allowed")


@pytest.mark.parametrize(
    ("policy", "sender", "expected"),
    [
        (UnknownSenderPolicy.DOMAIN, "new@a.example", "client_a"),
        (UnknownSenderPolicy.DOMAIN, "new@unknown.example", None),
        (UnknownSenderPolicy.DEFAULT_ORGANISATION, "new@unknown.example", "client_a"),
        (UnknownSenderPolicy.DEFAULT_ORGANISATION, "new@b.example", "client_b"),
        (UnknownSenderPolicy.REFUSE, "new@a.example", None),
    ],
)
def test_unknown_sender_policy(mail_world, mailbox, policy, sender, expected):
    mailbox.unknown_senders = policy
    outcome = ingest(make_message(sender=f"New Person <{sender}>"), mailbox=mailbox)
    if expected is None:
        assert (outcome.kind, outcome.reason) == ("quarantine", "unknown_sender")
        assert not User.objects.filter(email=sender).exists()
    else:
        person = User.objects.get(email=sender)
        assert (person.full_name, person.organisation) == ("New Person", getattr(mail_world, expected))
        assert outcome.ticket.requester == person


def test_reply_to_a_ticket_waiting_for_the_requester_puts_it_back_in_progress(mail_world, mailbox):
    from escalade.tickets.services import ticket_take, ticket_transition

    ticket = ingest(make_message(), mailbox=mailbox).ticket
    agent = Actor.of(mail_world.agent_a)
    ticket_take(actor=agent, ticket=ticket)
    ticket_transition(actor=agent, ticket=ticket, state=State.IN_PROGRESS)
    ticket_transition(actor=agent, ticket=ticket, state=State.PENDING_REQUESTER)
    reply = make_message(
        message_id="<m4@a.example>", headers={"In-Reply-To": "<m1@a.example>"}, body="Voilà."
    )
    ingest(reply, mailbox=mailbox)
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS


def test_reply_to_a_resolved_ticket_reopens_it(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    ticket_resolve(
        actor=Actor.of(mail_world.agent_a), ticket=ticket, resolution_code="solved", solution="Redémarrée"
    )
    reply = make_message(
        message_id="<m5@a.example>", headers={"In-Reply-To": "<m1@a.example>"}, body="Non, toujours en panne."
    )
    outcome = ingest(reply, mailbox=mailbox)
    ticket.refresh_from_db()
    assert (outcome.kind, outcome.ticket, ticket.state) == ("followup", ticket, State.NEW)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto_reply"),
        ({"Precedence": "bulk"}, "bulk"),
        ({"Precedence": "junk"}, "bulk"),
        ({"X-Autoreply": "yes"}, "auto_reply"),
        ({"List-Id": "<news.a.example>"}, "bulk"),
        ({"X-Escalade-Ticket": "ESC-2026-000001"}, "loop"),
    ],
)
def test_automatic_mail_is_quarantined_as_ignored_and_never_answered(mail_world, mailbox, headers, reason):
    outcome = ingest(make_message(headers=headers), mailbox=mailbox)
    assert (outcome.kind, outcome.reason) == ("quarantine", reason)
    assert outcome.quarantine.status == QuarantineStatus.IGNORED
    assert OutboundMail.objects.count() == 0


def test_auto_submitted_no_is_a_person(mail_world, mailbox):
    assert ingest(make_message(headers={"Auto-Submitted": "no"}), mailbox=mailbox).kind == "ticket"


def test_rate_limit_per_sender(mail_world, mailbox, settings):
    settings.ESCALADE_MAIL_RATE_PER_HOUR = 2
    kinds = [ingest(make_message(message_id=f"<r{n}@a.example>"), mailbox=mailbox).kind for n in range(3)]
    assert kinds == ["ticket", "ticket", "quarantine"]
    entry = Quarantine.objects.get()
    assert (entry.reason, entry.status) == ("rate_limited", QuarantineStatus.PENDING)
    settings.ESCALADE_MAIL_RATE_PER_HOUR = 30
    assert quarantine_retry(actor=Actor.of(mail_world.administrator), entry=entry).kind == "ticket"
    entry.refresh_from_db()
    assert (entry.status, entry.retries) == (QuarantineStatus.RETRIED, 1)


def test_quarantine_retry_after_fixing_the_cause_and_discard(mail_world, mailbox):
    mailbox.unknown_senders = UnknownSenderPolicy.REFUSE
    entry = ingest(make_message(sender="x@nowhere.example"), mailbox=mailbox).quarantine
    admin = Actor.of(mail_world.administrator)
    again = quarantine_retry(actor=admin, entry=entry)
    assert again.kind == "quarantine"
    assert Quarantine.objects.count() == 1
    entry.refresh_from_db()
    assert (entry.retries, entry.status) == (1, QuarantineStatus.PENDING)
    quarantine_discard(actor=admin, entry=entry)
    entry.refresh_from_db()
    assert entry.status == QuarantineStatus.DISCARDED


def test_processing_error_is_quarantined_with_its_reason(mail_world, mailbox, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("escalade.mail.ingest.ticket_create", explode)
    outcome = ingest(make_message(), mailbox=mailbox)
    assert (outcome.kind, outcome.reason) == ("quarantine", "error")
    assert "database on fire" in outcome.quarantine.detail
    assert outcome.quarantine.raw.read() == make_message()


def test_attachments_stored_and_dropped_files_noted(mail_world, mailbox, settings):
    from email.message import EmailMessage

    settings.ESCALADE_ATTACHMENT_MAX_BYTES = 1000
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "req.a@a.example", "support@desk.example", "Logs"
    message["Message-ID"] = "<att@a.example>"
    message.set_content("Voir pièces jointes")
    message.add_attachment(b"small log", maintype="text", subtype="plain", filename="résumé été.txt")
    message.add_attachment(b"x" * 5000, maintype="application", subtype="octet-stream", filename="big.bin")
    message.add_attachment(b"", maintype="text", subtype="plain", filename="empty.txt")
    ticket = ingest(bytes(message), mailbox=mailbox).ticket
    assert [a.filename for a in ticket.attachments.all()] == ["résumé été.txt"]
    note = ticket.followups.get(kind="note").body
    assert "big.bin" in note
    assert "empty.txt" in note


def test_bounce_marks_the_address_and_the_mail(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    sent = OutboundMail.objects.filter(ticket=ticket, kind="ticket_received").first()
    original = sent.message_id if sent else "<unknown@desk.example>"
    dsn = (
        "From: MAILER-DAEMON@desk.example\r\nTo: support@desk.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn1@desk.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; desk.example\r\n\r\n"
        "Final-Recipient: rfc822; req.a@a.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {original}\r\nSubject: x\r\n--B--\r\n"
    ).encode()
    outcome = ingest(dsn, mailbox=mailbox)
    assert (outcome.kind, outcome.reason) == ("quarantine", "bounce")
    bouncing = BouncingAddress.objects.get()
    assert bouncing.email == "req.a@a.example"
    assert "550" in bouncing.last_reason
    reply = ticket_reply(actor=Actor.of(mail_world.agent_a), ticket=ticket, body="Bonjour")
    assert reply.pk


def test_staff_reply_sends_nothing_without_the_hook(mail_world, mailbox):
    django_mail.outbox.clear()
    ingest(make_message(), mailbox=mailbox)
    assert django_mail.outbox == []
