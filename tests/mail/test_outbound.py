"""Notification mail: who gets what, in which language, with threading headers, after commit, retried."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail as django_mail
from django.db import transaction
from django.utils import timezone

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.mail.imap import mailbox_poll
from escalade.mail.models import SEND_GRACE, BouncingAddress, OutboundMail, OutboundState
from escalade.mail.outbound import backoff, outbound_due
from escalade.mail.services import outbound_send
from escalade.mail.tasks import MAILS_PER_TASK, send_due, send_mails
from escalade.tickets.choices import State
from escalade.tickets.services import ticket_reply, ticket_resolve, ticket_take, ticket_transition
from tests.mail.conftest import FakeServer, ingest, make_message

pytestmark = pytest.mark.django_db(transaction=True)


def sent_to(address):
    return [message for message in django_mail.outbox if address in message.to]


def test_mail_ticket_gets_a_threaded_acknowledgement_in_french(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    [ack] = sent_to("req.a@a.example")
    assert ack.subject == f"[{ticket.reference}] Demande reçue : Imprimante en panne"
    assert ack.extra_headers["In-Reply-To"] == "<m1@a.example>"
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.reply_to == ["support@desk.example"]
    assert f"/portal/t/{ticket.reference}/" in ack.body
    assert OutboundMail.objects.get(kind="ticket_received").state == OutboundState.SENT


def test_agent_reply_and_requester_answer_thread_back(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    ticket_take(actor=Actor.of(mail_world.agent_a), ticket=ticket)
    django_mail.outbox.clear()
    ticket_reply(actor=Actor.of(mail_world.agent_a), ticket=ticket, body="Avez-vous redémarré ?")
    [reply] = sent_to("req.a@a.example")
    assert "Avez-vous redémarré ?" in reply.body
    assert reply.extra_headers["In-Reply-To"] == "<m1@a.example>"
    assert "<m1@a.example>" in reply.extra_headers["References"]
    answer = make_message(
        subject="Re: " + reply.subject,
        message_id="<m9@a.example>",
        body="Oui.\n\n> Avez-vous redémarré ?",
        headers={"In-Reply-To": reply.extra_headers["Message-ID"]},
    )
    outcome = ingest(answer, mailbox=mailbox)
    assert (outcome.kind, outcome.ticket, outcome.followup.body) == ("followup", ticket, "Oui.")
    [to_agent] = sent_to("agent.a@provider.example")
    assert to_agent.subject.startswith(f"[{ticket.reference}]")


def test_english_requester_gets_english_mail(mail_world, mailbox):
    ingest(make_message(sender="req.b@b.example", message_id="<b1@b.example>"), mailbox=mailbox)
    [ack] = sent_to("req.b@b.example")
    assert "Request received" in ack.subject


def test_waiting_and_resolved_notifications(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    agent = Actor.of(mail_world.agent_a)
    ticket_take(actor=agent, ticket=ticket)
    ticket_transition(actor=agent, ticket=ticket, state=State.IN_PROGRESS)
    ticket_transition(actor=agent, ticket=ticket, state=State.PENDING_REQUESTER)
    ticket_resolve(actor=agent, ticket=ticket, resolution_code="solved", solution="Toner remplacé")
    kinds = list(
        OutboundMail.objects.filter(to="req.a@a.example").order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["ticket_received", "waiting_for_you", "resolved"]
    resolved = sent_to("req.a@a.example")[-1]
    assert "Toner remplacé" in resolved.body
    assert f"/portal/t/{ticket.reference}/" in resolved.body


def test_the_actor_is_not_mailed_about_their_own_action(mail_world, mailbox):
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    ticket_take(actor=Actor.of(mail_world.agent_a), ticket=ticket)
    assert not OutboundMail.objects.filter(kind="assigned", to="agent.a@provider.example").exists()


def test_bouncing_address_is_not_mailed(mail_world, mailbox):
    BouncingAddress.objects.create(email="req.a@a.example")
    ingest(make_message(), mailbox=mailbox)
    assert OutboundMail.objects.get(kind="ticket_received").state == OutboundState.SUPPRESSED
    assert sent_to("req.a@a.example") == []


def test_nothing_is_sent_when_the_transaction_rolls_back(mail_world, mailbox):

    def import_then_fail():
        with transaction.atomic():
            ingest(make_message(), mailbox=mailbox)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        import_then_fail()
    assert django_mail.outbox == []
    assert OutboundMail.objects.count() == 0


def test_failures_are_recorded_retried_and_finally_shown_on_the_ticket(mail_world, mailbox, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    ticket = ingest(make_message(), mailbox=mailbox).ticket
    mail = OutboundMail.objects.get(kind="ticket_received")
    assert (mail.state, mail.attempts, mail.last_error) == (
        OutboundState.RETRYING,
        1,
        "SMTPServerDisconnected: gone",
    )
    for _attempt in range(5):
        with pytest.raises(smtplib.SMTPServerDisconnected):
            outbound_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (OutboundState.FAILED, 6)
    event = Event.objects.get(action="ticket.mail_failed")
    assert (event.object_id, event.data["to"]) == (ticket.pk, "req.a@a.example")
    assert [backoff(n) for n in (1, 2, 3, 7, 20)] == [60, 120, 240, 3600, 3600]


def test_a_poll_sends_each_mail_of_its_group_once(mail_world, mailbox, monkeypatch):
    """The group's mails go out after the commit, a few per task (MAILS_PER_TASK), each once."""
    monkeypatch.setattr("escalade.mail.imap.GROUP_SECONDS", 60)
    tasks: list[list[int]] = []

    real = send_mails.call_local

    def recorded(mail_ids: list[int]) -> None:
        tasks.append(mail_ids)
        real(mail_ids)

    monkeypatch.setattr(send_mails, "call_local", recorded)
    messages = [make_message(message_id=f"<s{n}@a.example>", subject=f"Demande {n}") for n in range(12)]
    assert mailbox_poll(mailbox, client=FakeServer(messages)).outcomes == {"ticket": 12}
    assert [len(ids) for ids in tasks] == [MAILS_PER_TASK, 12 - MAILS_PER_TASK]
    assert len(sent_to("req.a@a.example")) == 12
    assert set(OutboundMail.objects.values_list("state", flat=True)) == {OutboundState.SENT}


def test_a_mail_asked_for_twice_is_sent_once(mail_world, mailbox):
    ingest(make_message(), mailbox=mailbox)
    mail = OutboundMail.objects.get(kind="ticket_received")
    send_mails([mail.pk, mail.pk])  # the relay after a queue outage, and the sweep
    outbound_send(mail_id=mail.pk)
    assert len(sent_to("req.a@a.example")) == 1
    assert OutboundMail.objects.get(pk=mail.pk).attempts == 1


def test_a_claimed_mail_waits_for_its_lease_then_the_sweep_sends_it(mail_world, mailbox, monkeypatch):
    """A worker that died after claiming a mail: nobody sends it while the claim holds, the sweep
    sends it once the lease is over."""
    monkeypatch.setattr("escalade.mail.outbound._deliver", lambda mail: (_ for _ in ()).throw(SystemExit))
    with pytest.raises(SystemExit):  # the worker dies in the middle of sending
        ingest(make_message(), mailbox=mailbox)
    monkeypatch.undo()
    mail = OutboundMail.objects.get(kind="ticket_received")
    assert mail.state == OutboundState.SENDING
    send_mails([mail.pk])
    assert sent_to("req.a@a.example") == []
    assert outbound_due() == []

    OutboundMail.objects.filter(pk=mail.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert outbound_due() == [mail.pk]
    send_due.run_once()
    assert len(sent_to("req.a@a.example")) == 1
    assert OutboundMail.objects.get(pk=mail.pk).state == OutboundState.SENT


def test_a_mail_whose_task_was_lost_is_sent_by_the_sweep_after_its_grace(mail_world, mailbox, monkeypatch):
    monkeypatch.setattr("escalade.core.outbox._hand_over", lambda rows: None)  # the queue lost them
    ingest(make_message(), mailbox=mailbox)
    mail = OutboundMail.objects.get(kind="ticket_received")
    assert mail.state == OutboundState.QUEUED
    assert outbound_due() == []  # within its grace the task may still come
    later = timezone.now() + SEND_GRACE + dt.timedelta(seconds=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert outbound_due() == [mail.pk]
