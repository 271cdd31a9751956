"""Polling an IMAP mailbox by UID, so that re-polls, crashes and concurrent workers never import twice.

For each message not yet marked done on the server, a transaction claims ``(mailbox, UIDVALIDITY,
UID)`` in :class:`SeenMessage` (unique) and imports it; only after the commit is the message flagged (or
moved) on the server. A crash before the commit rolls the claim back (the next poll retries the
message); a crash after it leaves a claimed, unflagged message that the next poll only flags. A second
poller waits on the claim and skips the message. A new UIDVALIDITY starts a fresh UID space; the inbound
Message-ID's unique constraint still prevents a second import of the same message.

Messages are fetched a few at a time and imported in groups: one transaction covers consecutive
messages for at most :data:`GROUP_SECONDS` (or :data:`GROUP_SIZE` messages), so the commit's disk
flush is paid once per group rather than once per message, and the server is flagged once per group.
Each message keeps its own savepoint inside the group (see :func:`escalade.mail.ingest.mail_ingest`).
A group holds its row locks (the year's ticket counter, the tickets it answers) until it commits,
which is why it is short: a ticket created meanwhile from the portal or the API waits at most that
long. The senders of a fetched chunk are looked up together (:class:`escalade.mail.ingest.Senders`).
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone
from imapclient import IMAPClient

from escalade.mail.ingest import Senders, mail_ingest
from escalade.mail.models import Mailbox, Security, SeenMessage
from escalade.mail.parsing import ParsedMessage, header, message_ids, parse

logger = logging.getLogger(__name__)
DONE_FLAG = b"$EscaladeDone"
BATCH = 200
FETCH_COUNT, FETCH_BYTES = 25, 16 * 1_048_576  # messages fetched in one round trip, at most
GROUP_SIZE, GROUP_SECONDS = 50, 0.1  # messages imported in one transaction, at most
# Test hook only: seconds to wait after each message, inside its transaction (the crash test kills us there).
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
    for chunk in _chunks(client, [uid for uid in candidates if uid not in claimed][:limit]):
        fetched = client.fetch(chunk, ["BODY.PEEK[]"])
        raws = [(uid, bytes(fetched[uid].get(b"BODY[]") or b"")) for uid in chunk if fetched.get(uid)]
        pending = deque((uid, raw, _parse(raw)) for uid, raw in raws)  # missing: expunged meanwhile
        senders = Senders(parsed.sender for _uid, _raw, parsed in pending if parsed is not None)
        while pending:
            done = _import_group(mailbox, uidvalidity, pending, senders, report)
            if done:
                _mark_done(mailbox, client, uidvalidity, done)
    return report


def _parse(raw: bytes) -> ParsedMessage | None:
    """The parsed message, or None when it cannot be parsed (``mail_ingest`` then quarantines it)."""
    try:
        return parse(raw)
    except Exception:  # noqa: BLE001 - reported by mail_ingest, which parses it again
        return None


def _chunks(client: ImapClient, uids: list[int]) -> Iterator[list[int]]:
    """The UIDs in fetch order, by :data:`FETCH_COUNT` and about :data:`FETCH_BYTES` (sizes asked first)."""
    if not uids:
        return
    sizes = client.fetch(uids, ["RFC822.SIZE"])
    chunk: list[int] = []
    total = 0
    for uid in uids:
        size = int((sizes.get(uid) or {}).get(b"RFC822.SIZE") or 0)
        if chunk and (len(chunk) >= FETCH_COUNT or total + size > FETCH_BYTES):
            yield chunk
            chunk, total = [], 0
        chunk.append(uid)
        total += size
    if chunk:
        yield chunk


def _import_group(
    mailbox: Mailbox,
    uidvalidity: int,
    pending: deque[tuple[int, bytes, ParsedMessage | None]],
    senders: Senders,
    report: PollReport,
) -> list[int]:
    """Claim and import messages from ``pending`` in one transaction; returns the UIDs committed.

    The group ends after :data:`GROUP_SIZE` messages or :data:`GROUP_SECONDS`, whichever comes first.
    A message another poller has claimed is skipped (its claim is waited for, then found taken).
    """
    done: list[int] = []
    started = time.monotonic()
    delay = float(os.environ.get(DELAY_VARIABLE) or 0)
    with transaction.atomic():
        while pending and len(done) < GROUP_SIZE and (not done or time.monotonic() - started < GROUP_SECONDS):
            uid, raw, parsed = pending.popleft()
            message_id = parsed.message_id if parsed is not None else _message_id(raw)
            if not _claim(mailbox, uidvalidity, uid, message_id):
                report.skipped += 1
                continue
            kind = mail_ingest(raw, mailbox=mailbox, parsed=parsed, senders=senders).kind
            if delay:
                time.sleep(delay)
            done.append(uid)
            report.imported += 1
            report.outcomes[kind] = report.outcomes.get(kind, 0) + 1
    return done


def _claim(mailbox: Mailbox, uidvalidity: int, uid: int, message_id: str) -> bool:
    """Record ``(mailbox, uidvalidity, uid)`` as ours; False when another poller has it (waits for it).

    One statement, no savepoint: the unique constraint decides (``ON CONFLICT DO NOTHING``, which
    PostgreSQL and SQLite both understand), and the row count says who won.
    """
    table = connection.ops.quote_name(SeenMessage._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())  # what the ORM would store
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (mailbox_id, uidvalidity, uid, message_id, seen_at, is_flagged) "  # noqa: S608 - table name from the model
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [mailbox.pk, uidvalidity, uid, message_id[:998], now, False],
        )
        return bool(cursor.rowcount == 1)


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
