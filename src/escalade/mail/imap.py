"""Polling an IMAP mailbox by UID, so that re-polls, crashes and concurrent workers never import twice.

For each message not yet marked done on the server, one transaction claims ``(mailbox, UIDVALIDITY,
UID)`` in :class:`SeenMessage` (unique) and imports it; only then is the message flagged (or moved) on
the server. A crash before the commit rolls the claim back (the next poll retries the message); a crash
after it leaves a claimed, unflagged message that the next poll only flags. A second poller blocks on
the claim and skips it. A new UIDVALIDITY starts a fresh UID space; the inbound Message-ID's unique
constraint still prevents a second import of the same message.
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from imapclient import IMAPClient

from escalade.mail.ingest import mail_ingest
from escalade.mail.models import Mailbox, Security, SeenMessage
from escalade.mail.parsing import header, message_ids

logger = logging.getLogger(__name__)
DONE_FLAG = b"$EscaladeDone"
BATCH = 200
# Test hook only: seconds to wait inside each message's transaction (the crash test kills us there).
DELAY_VARIABLE = "ESCALADE_MAIL_TEST_DELAY"


class ImapClient(Protocol):
    """The part of ``imapclient.IMAPClient`` the poller uses (a fake implements it in tests)."""

    def select_folder(self, folder: str) -> dict[bytes, Any]: ...
    def search(self, criteria: Any) -> list[int]: ...
    def fetch(self, messages: list[int], data: list[str]) -> dict[int, dict[bytes, Any]]: ...
    def add_flags(self, messages: list[int], flags: list[bytes]) -> Any: ...
    def move(self, messages: list[int], folder: str) -> Any: ...
    def logout(self) -> Any: ...


@dataclass
class PollReport:
    """What one poll did."""

    imported: int = 0
    skipped: int = 0
    flagged: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def connect(mailbox: Mailbox) -> ImapClient:
    """Log in to the mailbox's server (TLS, STARTTLS or plain for test servers), 60 s timeout."""
    context = ssl.create_default_context()
    client = IMAPClient(
        mailbox.host, port=mailbox.port, ssl=mailbox.security == Security.TLS, ssl_context=context, timeout=60
    )
    if mailbox.security == Security.STARTTLS:
        client.starttls(context)
    client.login(mailbox.username, mailbox.password)
    return client  # type: ignore[no-any-return]


def mailbox_poll(mailbox: Mailbox, *, client: ImapClient | None = None, limit: int = BATCH) -> PollReport:
    """Import the mailbox's new messages (at most ``limit``); connection errors are noted on the mailbox."""
    own_client = client is None
    try:
        client = client or connect(mailbox)
        report = _poll(mailbox, client, limit)
    except (OSError, IMAPClient.Error) as error:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=f"{type(error).__name__}: {error}"[:2000])
        logger.warning("mailbox %s: %s", mailbox.name, error)
        raise
    finally:
        if own_client and client is not None:
            _logout(client)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error="")
    return report


def _logout(client: ImapClient) -> None:
    try:
        client.logout()
    except (OSError, IMAPClient.Error):
        logger.debug("logout failed", exc_info=True)


def _poll(mailbox: Mailbox, client: ImapClient, limit: int) -> PollReport:
    info = client.select_folder(mailbox.folder)
    uidvalidity = int(info[b"UIDVALIDITY"])
    candidates = sorted(client.search(["NOT", "DELETED", "NOT", "KEYWORD", DONE_FLAG.decode()]))
    report = PollReport()
    claimed = set(
        SeenMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid__in=candidates)
        .values_list("uid", flat=True)
    )  # fmt: skip
    if claimed:  # imported earlier but not flagged (crash between commit and flag): flag them now
        _mark_done(mailbox, client, uidvalidity, sorted(claimed))
        report.flagged += len(claimed)
    for uid in [uid for uid in candidates if uid not in claimed][:limit]:
        fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
        if not fetched:
            continue  # expunged meanwhile
        raw = bytes(fetched.get(b"BODY[]") or b"")
        kind = _import_once(mailbox, uidvalidity, uid, raw)
        if kind is None:
            report.skipped += 1
            continue
        report.imported += 1
        report.outcomes[kind] = report.outcomes.get(kind, 0) + 1
        _mark_done(mailbox, client, uidvalidity, [uid])
    return report


def _import_once(mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes) -> str | None:
    """Claim and import one message in one transaction; None when another poller has it."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                SeenMessage.objects.create(
                    mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, message_id=_message_id(raw)
                )
        except IntegrityError:
            return None
        outcome = mail_ingest(raw, mailbox=mailbox)
        delay = float(os.environ.get(DELAY_VARIABLE) or 0)
        if delay:
            time.sleep(delay)
    return outcome.kind


def _message_id(raw: bytes) -> str:
    from email import message_from_bytes, policy  # noqa: PLC0415 - headers only, cheap

    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    try:
        found = message_ids(header(message_from_bytes(head, policy=policy.compat32), "Message-ID"))
    except (ValueError, TypeError):
        return ""
    return found[0][:998] if found else ""


def _mark_done(mailbox: Mailbox, client: ImapClient, uidvalidity: int, uids: list[int]) -> None:
    try:
        client.add_flags(uids, [b"\\Seen", DONE_FLAG])
        if mailbox.processed_folder:
            client.move(uids, mailbox.processed_folder)
    except IMAPClient.Error:
        logger.warning("mailbox %s: could not flag %s", mailbox.name, uids, exc_info=True)
        return
    SeenMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid__in=uids).update(is_flagged=True)
