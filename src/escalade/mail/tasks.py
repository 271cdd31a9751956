"""Background tasks of the mail app. Thin: each calls one service and takes ids."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from huey import crontab
from huey.contrib.djhuey import db_task

from escalade.core.outbox import deferrable
from escalade.core.periodic import periodic_job
from escalade.mail.models import Mailbox
from escalade.mail.outbound import outbound_due
from escalade.mail.services import mailbox_poll, outbound_send

logger = logging.getLogger(__name__)
MAILS_PER_TASK = 10


@periodic_job(crontab(minute="*"), name="mail.poll")
def poll_all() -> None:
    """Every minute, one worker enqueues a poll of each active mailbox (they then run in parallel)."""
    for mailbox_id in Mailbox.objects.filter(is_active=True).values_list("pk", flat=True):
        poll_mailbox(mailbox_id)


@db_task(name="mail.poll_mailbox")
def poll_mailbox(mailbox_id: int) -> None:
    """Import one mailbox's new messages; safe to run twice at once (see ``escalade.mail.imap``)."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).first()
    if mailbox is None:
        return
    try:
        mailbox_poll(mailbox)
    except OSError:
        logger.warning("mailbox %s unreachable; next poll in a minute", mailbox_id)


@deferrable
@db_task(name="mail.send")
def send_mail(mail_id: int) -> None:
    """Send one notification (idempotent: a sent or claimed mail is not sent again)."""
    _send(mail_id)


@deferrable
@db_task(name="mail.send_many")
def send_mails(mail_ids: list[int]) -> None:
    """Send some notifications of one transaction in turn (at most :data:`MAILS_PER_TASK`: one queue
    write for them, while a transaction's many mails still spread over the workers). A failure is
    recorded on its mail with the time of the next attempt, which :func:`send_due` makes."""
    for mail_id in mail_ids:
        _send(mail_id)


@periodic_job(crontab(minute="*"), name="mail.send_due")
def send_due() -> None:
    """Every minute: retries whose backoff is over, and mails whose task the queue lost."""
    ids = outbound_due()
    for start in range(0, len(ids), MAILS_PER_TASK):
        send_mails(ids[start : start + MAILS_PER_TASK])


def _send(mail_id: int) -> None:
    try:
        outbound_send(mail_id=mail_id)
    except DatabaseError:
        raise  # nothing recorded: the task fails, and its outbox row is handed over again
    except Exception:  # noqa: BLE001 - the mail server refused: recorded on the mail, retried by send_due
        logger.info("mail %s not sent this time; its next attempt is recorded", mail_id)
