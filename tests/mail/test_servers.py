"""Against real servers: swaks → Postfix → Dovecot → our poller → ticket; our mail → SMTP sink; back again.

The servers are started by scripts/mail-servers.sh. Under CI these tests must run (never skip).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, connections

from escalade.core.actors import Actor
from escalade.mail.models import Direction, Mailbox, MailMessage, SeenMessage, UnknownSenderPolicy
from escalade.mail.services import mailbox_poll
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_reply, ticket_take
from tests.mail import servers as mail_servers

pytestmark = [pytest.mark.mailservers, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def servers() -> mail_servers.MailServers:
    return mail_servers.start()


def real_mailbox(servers, world, user: str) -> Mailbox:
    servers.empty(user)
    return Mailbox.objects.create(
        name=user, email=f"{user}@{servers.domain}", host="127.0.0.1", port=servers.imap_port,
        security="none", username=f"{user}@{servers.domain}", password=servers.password,
        organisation=world.client_a, unknown_senders=UnknownSenderPolicy.DEFAULT_ORGANISATION,
    )  # fmt: skip


@pytest.fixture
def smtp_sink(servers, settings):
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": servers.sink_port, "timeout": 10},
    }}  # fmt: skip
    settings.DEFAULT_FROM_EMAIL = "Escalade <desk@example.test>"
    return servers


def sink_to(servers, address, after: int):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [m for m in servers.sink_messages()[after:] if address in str(m["To"])]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"nothing for {address} in the sink")


def test_swaks_mail_becomes_a_ticket_and_the_conversation_threads_both_ways(servers, smtp_sink, mail_world):
    mailbox = real_mailbox(servers, mail_world, "support")
    before = len(servers.sink_messages())
    servers.swaks(
        sender="req.a@a.example",
        to="support@example.test",
        subject="Écran noir au bureau 12",
        body="Mon écran reste noir depuis ce matin.",
        headers={"Message-Id": "<first@a.example>"},
    )
    servers.wait_for_messages("support", 1)
    report = mailbox_poll(mailbox)
    assert report.outcomes == {"ticket": 1}
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.title, ticket.channel) == (
        mail_world.requester_a,
        "Écran noir au bureau 12",
        "email",
    )
    [ack] = sink_to(servers, "req.a@a.example", before)
    assert ack["In-Reply-To"] == "<first@a.example>"

    ticket_take(actor=Actor.of(mail_world.agent_a), ticket=ticket)
    ticket_reply(actor=Actor.of(mail_world.agent_a), ticket=ticket, body="Pouvez-vous vérifier le câble ?")
    [reply] = [m for m in sink_to(servers, "req.a@a.example", before + 1) if "câble" in m.get_content()]
    assert reply["In-Reply-To"] == "<first@a.example>"
    assert "<first@a.example>" in reply["References"]
    assert reply["Reply-To"] == "support@example.test"
    assert ticket.reference in reply["Subject"]

    servers.swaks(
        sender="req.a@a.example",
        to="support@example.test",
        subject=f"Re: {reply['Subject']}",
        body="C'était le câble, merci !\n\n> Pouvez-vous vérifier le câble ?",
        headers={
            "In-Reply-To": reply["Message-ID"],
            "References": f"<first@a.example> {reply['Message-ID']}",
        },
    )
    servers.wait_for_messages("support", 2)
    report = mailbox_poll(mailbox)
    assert report.outcomes == {"followup": 1}
    followup = ticket.followups.latest("id")
    assert (followup.body, followup.author) == ("C'était le câble, merci !", mail_world.requester_a)
    assert mailbox_poll(mailbox).imported == 0  # re-poll: nothing new


def test_two_concurrent_pollers_import_each_message_once(servers, mail_world):
    mailbox = real_mailbox(servers, mail_world, "race")
    for number in range(12):
        servers.swaks(
            sender=f"person{number}@a.example",
            to="race@example.test",
            subject=f"Race {number}",
            body="x",
            headers={"Message-Id": f"<race{number}@a.example>"},
        )
    servers.wait_for_messages("race", 12)
    errors = []

    def poll():
        try:
            mailbox_poll(Mailbox.objects.get(pk=mailbox.pk))
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=poll) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert Ticket.objects.count() == 12
    assert MailMessage.objects.filter(direction=Direction.INBOUND).count() == 12
    assert SeenMessage.objects.filter(mailbox=mailbox).count() == 12


def test_poller_killed_mid_batch_loses_and_duplicates_nothing(servers, mail_world):
    mailbox = real_mailbox(servers, mail_world, "crash")
    total = 8
    for number in range(total):
        servers.swaks(
            sender="req.a@a.example",
            to="crash@example.test",
            subject=f"Crash {number}",
            body="x",
            headers={"Message-Id": f"<crash{number}@a.example>"},
        )
    servers.wait_for_messages("crash", total)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.mail.subprocess_settings",
               ESCALADE_MAIL_TEST_DB_NAME=str(connection.settings_dict["NAME"]))  # fmt: skip
    command = [sys.executable, "-m", "django", "mail_poll", "--mailbox", "crash"]
    worker = subprocess.Popen(command, env={**env, "ESCALADE_MAIL_TEST_DELAY": "0.5"}, cwd=mail_servers.ROOT)
    deadline = time.monotonic() + 60
    while SeenMessage.objects.filter(mailbox=mailbox).count() < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # now inside a message's transaction (the delay), most likely
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    partial = Ticket.objects.count()
    assert 3 <= partial < total
    subprocess.run(command, env=env, cwd=mail_servers.ROOT, check=True, timeout=120)
    assert Ticket.objects.count() == total
    assert sorted(Ticket.objects.values_list("title", flat=True)) == [f"Crash {n}" for n in range(total)]
    assert MailMessage.objects.filter(direction=Direction.INBOUND).count() == total
    assert SeenMessage.objects.filter(mailbox=mailbox, is_flagged=True).count() == total
