"""Polling an IMAP mailbox by UID, so that re-polls, crashes and concurrent workers never import twice.

For each message not yet marked done on the server, a transaction claims ``(mailbox, UIDVALIDITY,
UID)`` in :class:`SeenMessage` (unique) and imports it; only after the commit is the message flagged (or
moved) on the server. A crash before the commit rolls the claim back (the next poll retries the
message); a crash after it leaves a claimed, unflagged message that the next poll only flags. A second
poller waits on the claim and skips the message. A new UIDVALIDITY starts a fresh UID space; the inbound
Message-ID's unique constraint still prevents a second import of the same message.

Messages are fetched a few at a time and imported in groups: one transaction covers consecutive
messages read for at most :data:`GROUP_SECONDS` (or :data:`GROUP_SIZE` messages), so the commit's disk
flush is paid once per group rather than once per message, and the server is flagged once per group.
New requests and replies wait in an :class:`~escalade.mail.batch.IngestBatch` and are written together
when the group ends; a message written on its own keeps its own savepoint (see
:func:`escalade.mail.ingest.mail_ingest`). A group holds its row locks (the year's ticket counter, the
tickets it answers) from its writes until it commits, which is why it is short: a ticket created
meanwhile from the portal or the API waits at most that long. What a fetched chunk needs from the
database is read once for it (:class:`escalade.mail.lookups.Lookups`).
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

from escalade.mail.batch import IngestBatch
from escalade.mail.ingest import PENDING, IngestOutcome, mail_ingest
from escalade.mail.lookups import Lookups
from escalade.mail.models import Mailbox, Security, SeenMessage
from escalade.mail.parsing import Head, ParsedMessage, header, message_ids, parse, read_head
from escalade.mail.threads import KnownMessages, is_duplicate

logger = logging.getLogger(__name__)
DONE_FLAG = b"$EscaladeDone"
BATCH = 200
FETCH_COUNT, FETCH_BYTES = 50, 16 * 1_048_576  # messages fetched in one round trip, at most
GROUP_SIZE, GROUP_SECONDS = 50, 0.1  # messages imported in one transaction, at most
CLAIM_COUNT = 10  # messages claimed in one statement, at most
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
        pending, lookups = _read(raws)
        while pending:
            done = _import_group(mailbox, uidvalidity, pending, lookups, report)
            if done:
                _mark_done(mailbox, client, uidvalidity, done)
    return report


def _read(raws: list[tuple[int, bytes]]) -> tuple[deque[tuple[int, bytes, ParsedMessage | None]], Lookups]:
    """The chunk's messages, parsed, and what it needs from the database (:class:`Lookups`).

    Our records of their Message-IDs are read from their headers first (the same query the lookups
    need): a message delivered again is not parsed at all (``mail_ingest`` sees its head again and
    skips it), however large it is."""
    heads = [(uid, raw, _head(raw)) for uid, raw in raws]  # missing from raws: expunged meanwhile
    known = KnownMessages([head for _uid, _raw, head in heads if head is not None])
    pending = deque(
        (uid, raw, None if head is not None and is_duplicate(head, known.of(head)) else _parse(raw))
        for uid, raw, head in heads
    )
    return pending, Lookups([parsed for _uid, _raw, parsed in pending if parsed is not None], known=known)


def _head(raw: bytes) -> Head | None:
    try:
        return read_head(raw)
    except Exception:  # noqa: BLE001 - parsed (and reported) later
        return None


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
    lookups: Lookups,
    report: PollReport,
) -> list[int]:
    """Claim and import messages from ``pending`` in one transaction; returns the UIDs committed.

    The group ends after :data:`GROUP_SIZE` messages or :data:`GROUP_SECONDS`, whichever comes first.
    Messages are claimed a few at a time (:func:`_claim_size`); one another poller has claimed is
    skipped (its claim is waited for, then found taken). New requests and replies wait in an
    :class:`IngestBatch`, written together before the commit.
    """
    done: list[int] = []
    started = time.monotonic()
    delay = float(os.environ.get(DELAY_VARIABLE) or 0)
    with transaction.atomic():
        batch = IngestBatch(mailbox=mailbox, lookups=lookups)
        while pending and len(done) < GROUP_SIZE and (not done or time.monotonic() - started < GROUP_SECONDS):
            size = _claim_size(len(done), time.monotonic() - started)
            taken = [pending.popleft() for _ in range(min(size, len(pending)))]
            claimed = _claim(mailbox, uidvalidity, [(uid, _id_of(raw, parsed)) for uid, raw, parsed in taken])
            for uid, raw, parsed in taken:
                if uid not in claimed:
                    report.skipped += 1
                    continue
                outcome = mail_ingest(raw, mailbox=mailbox, parsed=parsed, lookups=lookups, batch=batch)
                if delay:
                    time.sleep(delay)
                done.append(uid)
                report.imported += 1
                _count(report, outcome)
        batch.flush()
        for outcome in batch.outcomes:
            _count(report, outcome)
    return done


def _claim_size(done: int, elapsed: float) -> int:
    """How many messages to claim next: one to start a group, then as many as its time left should
    hold at the pace so far (at most :data:`CLAIM_COUNT`), so that a group overruns little."""
    if not done:
        return 1
    left = GROUP_SECONDS - elapsed
    fitting = int(left / (elapsed / done)) if elapsed > 0 else CLAIM_COUNT
    return max(1, min(fitting, CLAIM_COUNT, GROUP_SIZE - done))


def _count(report: PollReport, outcome: IngestOutcome) -> None:
    if outcome.kind != PENDING:  # counted when its batch is flushed
        report.outcomes[outcome.kind] = report.outcomes.get(outcome.kind, 0) + 1


def _id_of(raw: bytes, parsed: ParsedMessage | None) -> str:
    return parsed.message_id if parsed is not None else _message_id(raw)


def _claim(mailbox: Mailbox, uidvalidity: int, messages: list[tuple[int, str]]) -> set[int]:
    """Record each ``(mailbox, uidvalidity, uid)`` as ours; returns the UIDs we got (for the others,
    another poller's claim was waited for).

    One statement, no savepoint: the unique constraint decides (``ON CONFLICT DO NOTHING``, which
    PostgreSQL and SQLite both understand), and ``RETURNING`` says which rows were ours. UIDs are in
    ascending order, as every poller claims them, so that two pollers cannot wait for each other.
    """
    table = connection.ops.quote_name(SeenMessage._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())  # what the ORM would store
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(messages))
    values = [
        value
        for uid, message_id in messages
        for value in (mailbox.pk, uidvalidity, uid, message_id[:998], now, False)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (mailbox_id, uidvalidity, uid, message_id, seen_at, is_flagged) "  # noqa: S608 - table name from the model
            f"VALUES {rows} ON CONFLICT DO NOTHING RETURNING uid",
            values,
        )
        return {uid for (uid,) in cursor.fetchall()}


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
