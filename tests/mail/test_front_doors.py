"""Issue 23, e-mail intake: nothing lost, ever.

Every message here is written for these tests (not taken from the corpus): re-used and missing
Message-IDs, colleagues in Cc, forked threads, receipts and envelope bounces, broken headers,
internationalised addresses, empty messages, MIME bombs, loops, and quarantine retries.
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import gettext

from escalade.core.actors import Actor
from escalade.mail.models import (
    BouncingAddress,
    Direction,
    MailMessage,
    OutboundMail,
    OutboundState,
    Quarantine,
    QuarantineStatus,
)
from escalade.mail.outbound import outbound_send
from escalade.mail.services import quarantine_retry, retry_summary
from escalade.tickets.models import FollowUp, TicketLink
from tests.accounts.factories import UserFactory
from tests.mail.conftest import ingest, make_message
from tests.orgs.factories import OrganisationDomainFactory

pytestmark = pytest.mark.django_db


def mentions_unread_parts(note: str, *numbers: str) -> bool:
    """Every number appears in the note's line about unread MIME parts."""
    line = next((line for line in note.splitlines() if "MIME" in line), "")
    return all(number in line for number in numbers)


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


# --- Duplicates: the same message is skipped, a different one under the same Message-ID is kept ---


def test_a_different_message_reusing_a_message_id_becomes_its_own_ticket(mail_world, mailbox):
    first = make_message(message_id="<digest-42@lists.a.example>", subject="Badge refusé au parking")
    second = make_message(
        message_id="<digest-42@lists.a.example>",
        subject="Écran noir sur le poste de l'accueil",
        body="Depuis ce matin l'écran reste noir.",
    )
    one, two = ingest(first, mailbox=mailbox), ingest(second, mailbox=mailbox)
    assert (one.kind, two.kind) == ("ticket", "ticket")
    assert two.ticket.title == "Écran noir sur le poste de l'accueil"
    assert MailMessage.objects.filter(direction=Direction.INBOUND).count() == 2
    # Each one delivered again is recognised as itself.
    assert ingest(first, mailbox=mailbox).kind == "duplicate"
    assert ingest(second, mailbox=mailbox).kind == "duplicate"
    assert MailMessage.objects.filter(direction=Direction.INBOUND).count() == 2


def test_a_redelivery_through_another_server_is_still_a_duplicate(mail_world, mailbox):
    message = make_message(message_id="<route-1@a.example>", subject="VPN coupé toutes les 5 minutes")
    assert ingest(message, mailbox=mailbox).kind == "ticket"
    relayed = b"Received: from relay2.a.example by mx.desk.example; Sun, 6 Dec 2026 10:00:00 +0100\r\n"
    relayed += b"Return-Path: <req.a@a.example>\r\nDelivered-To: support@desk.example\r\n" + message
    assert ingest(relayed, mailbox=mailbox).kind == "duplicate"


def test_messages_without_message_id_are_told_apart_by_their_content(mail_world, mailbox):
    scanner = make_message(message_id=None, subject="Scanner", body="Le scanner du 3e ne numérise plus.")
    phone = make_message(message_id=None, subject="Téléphone", body="Mon poste affiche « pas de ligne ».")
    assert [ingest(raw, mailbox=mailbox).kind for raw in (scanner, phone)] == ["ticket", "ticket"]
    again = b"Received: from backup-mx.desk.example\r\n" + scanner
    assert ingest(again, mailbox=mailbox).kind == "duplicate"


def test_a_delivered_again_message_is_skipped_before_its_body_is_parsed(mail_world, mailbox, monkeypatch):
    big = make_message(message_id="<heavy@a.example>", subject="Vidéo de l'incident", body="x" * 3_000_000)
    assert ingest(big, mailbox=mailbox).kind == "ticket"

    def no_parsing(raw: bytes) -> None:
        raise AssertionError("a re-delivery must not be parsed")

    monkeypatch.setattr("escalade.mail.ingest.parse", no_parsing)
    assert ingest(big, mailbox=mailbox).kind == "duplicate"


# --- Conversations: Cc people, the organisation, forked threads ---


def test_people_in_cc_watch_the_new_ticket_and_their_reply_joins_it(mail_world, mailbox, settings):
    settings.ESCALADE_MAIL_REPLY_SAME_ORGANISATION = False  # the watcher rule alone admits them
    outsider = UserFactory.create(email="someone@b.example", organisation=mail_world.client_b)
    request = make_message(
        message_id="<cc-1@a.example>",
        subject="Salle de réunion : projecteur HS",
        headers={"Cc": "Collègue <REQ.A2@a.example>, someone@b.example, support@desk.example"},
    )
    ticket = ingest(request, mailbox=mailbox).ticket
    assert set(ticket.watchers.all()) == {mail_world.requester_a2}  # not the other client's person
    assert outsider not in ticket.watchers.all()
    reply = make_message(
        sender="req.a2@a.example", message_id="<cc-2@a.example>", subject="Re: Salle de réunion",
        body="Même souci en salle B.", headers={"In-Reply-To": "<cc-1@a.example>"},
    )  # fmt: skip
    outcome = ingest(reply, mailbox=mailbox)
    assert (outcome.kind, outcome.ticket) == ("followup", ticket)
    assert outcome.followup.author == mail_world.requester_a2


@pytest.mark.parametrize(("same_organisation", "expected"), [(True, "followup"), (False, "ticket")])
def test_a_colleague_of_the_requester_may_add_to_the_thread_per_setting(
    mail_world, mailbox, settings, same_organisation, expected
):
    settings.ESCALADE_MAIL_REPLY_SAME_ORGANISATION = same_organisation
    ticket = ingest(make_message(message_id="<org-1@a.example>"), mailbox=mailbox).ticket
    reply = make_message(
        sender="req.a2@a.example", message_id="<org-2@a.example>", subject="Re: Imprimante en panne",
        body="Chez nous aussi.", headers={"References": "<org-1@a.example>"},
    )  # fmt: skip
    outcome = ingest(reply, mailbox=mailbox)
    assert outcome.kind == expected
    if expected == "ticket":  # not allowed: its own ticket, linked to the one it answers, with a note
        assert TicketLink.objects.filter(source=outcome.ticket, target=ticket).exists()
        note = FollowUp.objects.get(ticket=outcome.ticket, kind="note")
        assert ticket.reference in note.body
        assert "req.a2@a.example" in note.body


def test_someone_of_another_client_never_writes_to_the_ticket(mail_world, mailbox):
    ticket = ingest(make_message(message_id="<iso-1@a.example>"), mailbox=mailbox).ticket
    reply = make_message(
        sender="req.b@b.example", message_id="<iso-2@b.example>", subject="Re: Imprimante en panne",
        body="Je vois ce message aussi ?", headers={"In-Reply-To": "<iso-1@a.example>"},
    )  # fmt: skip
    outcome = ingest(reply, mailbox=mailbox)
    assert outcome.kind == "ticket"
    assert outcome.ticket.organisation == mail_world.client_b
    assert FollowUp.objects.filter(ticket=ticket, kind="reply").count() == 0
    assert TicketLink.objects.filter(source=outcome.ticket, target=ticket).exists()


def test_the_requester_reply_walks_past_a_forked_ticket_to_their_own(mail_world, mailbox):
    ticket = ingest(make_message(message_id="<fork-1@a.example>"), mailbox=mailbox).ticket
    fork = make_message(
        sender="req.b@b.example", message_id="<fork-2@b.example>", subject="Re: Imprimante en panne",
        body="Transféré par erreur ?", headers={"In-Reply-To": "<fork-1@a.example>",
                                                "References": "<fork-1@a.example>"},
    )  # fmt: skip
    forked = ingest(fork, mailbox=mailbox).ticket
    assert forked != ticket
    answer = make_message(
        message_id="<fork-3@a.example>", subject="Re: Re: Imprimante en panne", body="Toujours en panne.",
        headers={"In-Reply-To": "<fork-2@b.example>", "References": "<fork-1@a.example> <fork-2@b.example>"},
    )  # fmt: skip
    outcome = ingest(answer, mailbox=mailbox)
    assert (outcome.kind, outcome.ticket) == ("followup", ticket)


# --- Automatic mail: receipts, envelope bounces ---

READ_RECEIPT = """From: Alice Requester <req.a@a.example>
To: support@desk.example
Subject: Lu : [ESC-2026-000001] Imprimante en panne
Message-ID: <mdn-1@a.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"

--mdn
Content-Type: text/plain; charset=utf-8

Votre message a été lu le 6 décembre 2026.
--mdn
Content-Type: message/disposition-notification

Final-Recipient: rfc822; req.a@a.example
Original-Message-ID: <esc.1.abc@desk.example>
Disposition: manual-action/MDN-sent-manually; displayed
--mdn--
"""

ENVELOPE_BOUNCE = """Return-Path: <>
From: MAILER-DAEMON (Mail Delivery System)
To: support@desk.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-7@mx.desk.example>
Content-Type: text/plain

This is the mail system at host mx.desk.example.
<gone@a.example>: host mx.a.example said: 550 5.1.1 User unknown
"""

NULL_SENDER_NOTICE = """Return-Path: <>
To: support@desk.example
Subject: Notification
Message-ID: <null-1@mx.example>
Content-Type: text/plain

Your message could not be processed.
"""


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(READ_RECEIPT, "receipt"), (ENVELOPE_BOUNCE, "bounce"), (NULL_SENDER_NOTICE, "auto_reply")],
    ids=["read-receipt", "mailer-daemon-without-domain", "null-envelope-without-from"],
)
def test_receipts_and_envelope_bounces_never_open_tickets_nor_get_answers(mail_world, mailbox, raw, reason):
    outcome = ingest(crlf(raw), mailbox=mailbox)
    assert (outcome.kind, outcome.reason) == ("quarantine", reason)
    assert outcome.quarantine.status == QuarantineStatus.IGNORED
    assert OutboundMail.objects.count() == 0


def test_the_same_bounce_twice_makes_one_entry_and_counts_once(mail_world, mailbox):
    first, second = (ingest(crlf(ENVELOPE_BOUNCE), mailbox=mailbox) for _ in range(2))
    assert first.quarantine == second.quarantine
    assert Quarantine.objects.count() == 1
    assert BouncingAddress.objects.get(email="gone@a.example").bounces == 1


# --- Degrade, don't reject ---


def test_a_broken_encoded_word_keeps_the_header_as_written(mail_world, mailbox):
    raw = crlf(
        "From: Alice Requester <req.a@a.example>\nTo: support@desk.example\n"
        "Subject: =?utf-8?B?$$$pas-du-base64***?= souris sans fil\nMessage-ID: <enc-1@a.example>\n"
        "Content-Type: text/plain; charset=utf-8\n\nLa souris ne répond plus.\n"
    )
    outcome = ingest(raw, mailbox=mailbox)
    assert outcome.kind == "ticket"
    assert "souris sans fil" in outcome.ticket.title
    assert "La souris ne répond plus." in outcome.ticket.description


@pytest.mark.parametrize(
    ("address", "domain"),
    [("élodie.martin@a.example", "a.example"), ("jörg@xn--bcher-kva.example", "xn--bcher-kva.example")],
    ids=["utf8-local-part", "idn-domain"],
)
def test_internationalised_senders_are_valid(mail_world, mailbox, address, domain):
    if domain != "a.example":
        OrganisationDomainFactory.create(organisation=mail_world.client_a, domain=domain)
    raw = crlf(
        f"From: Élodie <{address}>\nTo: support@desk.example\nSubject: Accès au partage\n"
        "Message-ID: <idn-1@a.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
        "Je n'ai plus accès au partage Compta.\n"
    )
    outcome = ingest(raw, mailbox=mailbox)
    assert outcome.kind == "ticket", outcome.quarantine and outcome.quarantine.detail
    assert outcome.ticket.requester.email == address


def test_a_message_with_no_subject_and_no_text_still_becomes_a_ticket(mail_world, mailbox):
    bare = crlf("From: req.a@a.example\nTo: support@desk.example\nMessage-ID: <bare-1@a.example>\n\n")
    outcome = ingest(bare, mailbox=mailbox)
    assert (outcome.kind, outcome.ticket.requester) == ("ticket", mail_world.requester_a)


def test_a_message_with_only_a_file_becomes_a_ticket_with_the_file(mail_world, mailbox):
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Message-ID"] = "req.a@a.example", "support@desk.example", "<f@a>"
    message.add_attachment(b"%PDF-1.4 facture", maintype="application", subtype="pdf", filename="facture.pdf")
    outcome = ingest(bytes(message), mailbox=mailbox)
    assert outcome.kind == "ticket"
    assert [a.filename for a in outcome.ticket.attachments.all()] == ["facture.pdf"]


# --- Bombs ---


def test_parts_and_files_over_the_limits_are_dropped_and_listed(mail_world, mailbox, settings):
    from email.message import EmailMessage

    settings.ESCALADE_MAIL_MAX_PARTS, settings.ESCALADE_MAIL_MAX_ATTACHMENTS = 20, 3
    message = EmailMessage()
    message["From"], message["To"], message["Message-ID"] = (
        "req.a@a.example",
        "support@desk.example",
        "<bomb@a>",
    )
    message["Subject"] = "Journaux du serveur"
    message.set_content("Voici les journaux.")
    for number in range(60):
        message.add_attachment(
            f"log {number}".encode(), maintype="text", subtype="x-log", filename=f"{number}.log"
        )
    outcome = ingest(bytes(message), mailbox=mailbox)
    assert outcome.kind == "ticket"
    assert outcome.ticket.attachments.count() == 3
    note = FollowUp.objects.get(ticket=outcome.ticket, kind="note").body
    assert "3.log" in note  # the fourth file: over the number of files
    # The container, the text and 60 files: 20 parts read, 42 not (and said so, in either language).
    assert mentions_unread_parts(note, "42", "20")


# --- Loops ---


def test_a_message_from_the_mailbox_own_address_is_a_loop(mail_world, mailbox):
    outcome = ingest(make_message(sender="Support <support@desk.example>"), mailbox=mailbox)
    assert (outcome.kind, outcome.reason) == ("quarantine", "loop")


def test_no_notification_is_ever_sent_to_one_of_our_mailboxes(mail_world, mailbox):
    account = UserFactory.create(email="SUPPORT@desk.example", organisation=mail_world.client_a)
    mail = OutboundMail.objects.create(
        to=account.email, kind="ticket_received", language="fr", message_id="<o@x>"
    )
    assert outbound_send(mail_id=mail.pk).state == OutboundState.SUPPRESSED


# --- Quarantine retry ---


def test_a_retry_that_finds_the_message_imported_is_reported_as_a_duplicate(mail_world, mailbox, settings):
    settings.ESCALADE_MAIL_RATE_PER_HOUR = 1
    ingest(make_message(message_id="<rl-1@a.example>"), mailbox=mailbox)
    late = make_message(message_id="<rl-2@a.example>", subject="Clavier qui double les lettres")
    entry = ingest(late, mailbox=mailbox).quarantine
    assert ingest(late, mailbox=mailbox).quarantine == entry  # refused again: still one entry
    settings.ESCALADE_MAIL_RATE_PER_HOUR = 30
    assert ingest(late, mailbox=mailbox).kind == "ticket"  # delivered once more, the cause gone
    outcome = quarantine_retry(actor=Actor.of(mail_world.administrator), entry=entry)
    entry.refresh_from_db()
    assert (outcome.kind, entry.status) == ("duplicate", QuarantineStatus.DUPLICATE)
    assert retry_summary(outcome) == gettext("not imported: it had already been imported")


def test_mail_retry_command_reports_each_result_and_fails_when_one_is_not_imported(
    mail_world, mailbox, settings
):
    settings.ESCALADE_MAIL_RATE_PER_HOUR = 1
    ingest(make_message(message_id="<cmd-1@a.example>"), mailbox=mailbox)
    limited = ingest(
        make_message(message_id="<cmd-2@a.example>", subject="Clavier"), mailbox=mailbox
    ).quarantine
    mailbox.unknown_senders = "refuse"
    mailbox.save()
    stranger = ingest(
        make_message(sender="x@nowhere.example", message_id="<cmd-3@n>"), mailbox=mailbox
    ).quarantine
    call_command("mail_retry", str(limited.pk))  # retries ignore the rate limit: imported
    limited.refresh_from_db()
    assert limited.status == QuarantineStatus.RETRIED
    with pytest.raises(CommandError, match="1 of 1"):
        call_command("mail_retry", "--reason", "unknown_sender")
    stranger.refresh_from_db()
    assert (stranger.status, stranger.retries) == (QuarantineStatus.PENDING, 1)


def test_retry_summary_words_each_outcome(mail_world, mailbox):
    outcome = ingest(make_message(message_id="<sum@a.example>"), mailbox=mailbox)
    assert outcome.ticket.reference in retry_summary(outcome)
    again = ingest(make_message(message_id="<sum@a.example>"), mailbox=mailbox)
    assert retry_summary(again) == gettext("not imported: it had already been imported")
