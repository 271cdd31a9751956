"""Which ticket a message answers: its In-Reply-To/References, then the ``[ESC-…]`` in the subject."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import Q

from escalade.mail.models import Direction, MailMessage
from escalade.mail.parsing import Head, ParsedMessage
from escalade.tickets.models import Ticket

REFERENCE_IN_SUBJECT = re.compile(r"\[\s*(ESC-\d{4}-\d{1,9})\s*\]", re.IGNORECASE)
REPLY_PREFIXES = re.compile(r"^\s*((re|fw|fwd|tr|aw|wg|rép|réf)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


Known = tuple[str, str, int | None, str]  # a record of ours: Message-ID, direction, ticket id, digest
KNOWN_FIELDS = ("message_id", "direction", "ticket_id", "digest")
Threaded = Head | ParsedMessage  # what threading reads: the Message-ID, what it answers, its digest


def known_messages(parsed: Threaded) -> list[Known]:
    """Our records of this message and of those it answers, newest first.

    One light query (no join, no model objects) serves both the duplicate check (this Message-ID was
    already received) and the threading; the ticket itself is read only when one is found.
    """
    return list(
        MailMessage.objects.filter(message_id__in=_wanted(parsed)).order_by("-id").values_list(*KNOWN_FIELDS)
    )


class KnownMessages:
    """:func:`known_messages` for several messages (a poller's chunk), read in one query.

    The messages recorded after that query (by this poller: :meth:`add`) are added, newest first;
    for the others, the database's unique constraint on the Message-ID still has the last word.
    """

    def __init__(self, messages: Iterable[Threaded]) -> None:
        self.wanted = {message_id for parsed in messages for message_id in _wanted(parsed)}
        self.rows: dict[str, list[Known]] = defaultdict(list)
        rows = MailMessage.objects.filter(message_id__in=self.wanted).order_by("-id")
        for row in rows.values_list(*KNOWN_FIELDS) if self.wanted else ():
            self.rows[row[0]].append(row)

    def of(self, parsed: Threaded) -> list[Known]:
        """What :func:`known_messages` gives (read now for a message that was not in the chunk)."""
        wanted = _wanted(parsed)
        if not self.wanted.issuperset(wanted):
            return known_messages(parsed)
        return [row for message_id in dict.fromkeys(wanted) for row in self.rows.get(message_id, ())]

    def add(self, *, message_id: str, direction: str, ticket_id: int | None, digest: str = "") -> None:
        """A message just recorded."""
        if message_id in self.wanted:
            self.rows[message_id].insert(0, (message_id, direction, ticket_id, digest))


def _wanted(parsed: Threaded) -> list[str]:
    return [parsed.message_id, *answered_ids(parsed)]


def answered_ids(parsed: Threaded) -> list[str]:
    """The messages ``parsed`` answers, as threading looks for them: In-Reply-To, then References from
    the most recent, at most 50."""
    return _answered(parsed)[:50]


def is_duplicate(parsed: Threaded, known: list[Known]) -> bool:
    """This message was already received (a second delivery, a re-poll): same Message-ID, same content.

    A record made before content digests were kept (empty digest) is taken to be the same message.
    """
    return any(
        direction == Direction.INBOUND
        and mid == parsed.message_id
        and (not digest or digest == parsed.digest)
        for mid, direction, _ticket, digest in known
    )


def reuses_id(parsed: Threaded, known: list[Known]) -> bool:
    """Another message we received had this Message-ID: mailing lists and broken mailers reuse or
    mangle them, and a message without one gets one made from its content."""
    return any(
        direction == Direction.INBOUND and mid == parsed.message_id and digest and digest != parsed.digest
        for mid, direction, _ticket, digest in known
    )


def variant_id(message_id: str, digest: str) -> str:
    """The Message-ID a message is recorded under when another one already has its own: its own,
    prefixed with its content digest (so that a second delivery of it is recognised too)."""
    return f"<{digest[:24]}.{message_id.strip('<>')}"[:997] + ">"


def _answered(parsed: Threaded) -> list[str]:
    return [*parsed.in_reply_to, *reversed(parsed.references)]


class ThreadTickets:
    """The tickets that threading may find for a chunk's messages (those of the records they answer,
    those named in their subjects), read in one query; others are read when asked for. The poller
    forgets a ticket it writes, so that the next message reads it again."""

    def __init__(self, messages: Iterable[ParsedMessage], known: KnownMessages) -> None:
        ids = {row[2] for rows in known.rows.values() for row in rows if row[2] is not None}
        references = {reference for parsed in messages if (reference := reference_in_subject(parsed.subject))}
        self.by_pk: dict[int, Ticket] = {}
        self.by_reference: dict[str, Ticket] = {}
        if ids or references:
            for ticket in Ticket.objects.filter(Q(pk__in=ids) | Q(reference__in=references)):
                self.by_pk[ticket.pk] = self.by_reference[ticket.reference] = ticket

    def get(self, pk: int) -> Ticket | None:
        return self.by_pk.get(pk) or Ticket.objects.filter(pk=pk).first()

    def named(self, reference: str) -> Ticket | None:
        return self.by_reference.get(reference) or Ticket.objects.filter(reference=reference).first()

    def forget(self, pks: Iterable[int]) -> None:
        for pk in pks:
            ticket = self.by_pk.pop(pk, None)
            if ticket is not None:
                self.by_reference.pop(ticket.reference, None)

    def clear(self) -> None:
        self.by_pk.clear()
        self.by_reference.clear()


def ticket_by_headers(
    parsed: ParsedMessage,
    known: list[Known],
    tickets: ThreadTickets | None = None,
    *,
    accepts: Callable[[Ticket], bool] | None = None,
) -> Ticket | None:
    """The ticket of the most recent known message among In-Reply-To and References (newest first).

    With ``accepts``, the walk goes on to older messages while their ticket is refused (a thread that
    forked: the newest message may belong to a ticket opened for someone else); when none is
    accepted, the newest one's ticket is returned, for the caller to decide.
    """
    wanted = _answered(parsed)
    if not wanted:
        return None
    by_id = {message_id: ticket_id for message_id, _d, ticket_id, _digest in known if ticket_id is not None}
    first: Ticket | None = None
    seen: set[int] = set()
    for message_id in wanted:
        pk = by_id.get(message_id)
        if pk is None or pk in seen:
            continue
        seen.add(pk)
        ticket = tickets.get(pk) if tickets is not None else Ticket.objects.filter(pk=pk).first()
        if ticket is None:
            continue
        if accepts is None or accepts(ticket):
            return ticket
        first = first or ticket
    return first


def reference_in_subject(subject: str) -> str | None:
    """``ESC-2026-000123`` from "Re: [ESC-2026-000123] Printer", normalised to six digits."""
    match = REFERENCE_IN_SUBJECT.search(subject)
    if match is None:
        return None
    prefix, year, number = match.group(1).upper().split("-")
    return f"{prefix}-{year}-{int(number):06d}"


def ticket_by_subject(parsed: ParsedMessage, tickets: ThreadTickets | None = None) -> Ticket | None:
    reference = reference_in_subject(parsed.subject)
    if reference is None:
        return None
    return (
        tickets.named(reference)
        if tickets is not None
        else Ticket.objects.filter(reference=reference).first()
    )


def ticket_for(
    parsed: ParsedMessage,
    known: list[Known],
    tickets: ThreadTickets | None = None,
    *,
    accepts: Callable[[Ticket], bool] | None = None,
) -> tuple[Ticket | None, str]:
    """The ticket this message follows up, and how it was found (``headers``/``subject``/``""``).

    ``known`` is :func:`known_messages` of ``parsed``; ``tickets``, a chunk's tickets read beforehand;
    ``accepts``: see :func:`ticket_by_headers`."""
    ticket = ticket_by_headers(parsed, known, tickets, accepts=accepts)
    if ticket is not None:
        return ticket, "headers"
    ticket = ticket_by_subject(parsed, tickets)
    return (ticket, "subject") if ticket is not None else (None, "")


def strip_reply_prefixes(subject: str) -> str:
    """ "Re: TR: Fwd: Printer" → "Printer" (for a new ticket's title)."""
    return REPLY_PREFIXES.sub("", subject).strip()
