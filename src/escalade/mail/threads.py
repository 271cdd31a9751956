"""Which ticket a message answers: its In-Reply-To/References, then the ``[ESC-…]`` in the subject."""

from __future__ import annotations

import re

from escalade.mail.models import Direction, MailMessage
from escalade.mail.parsing import ParsedMessage
from escalade.tickets.models import Ticket

REFERENCE_IN_SUBJECT = re.compile(r"\[\s*(ESC-\d{4}-\d{1,9})\s*\]", re.IGNORECASE)
REPLY_PREFIXES = re.compile(r"^\s*((re|fw|fwd|tr|aw|wg|rép|réf)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


Known = tuple[str, str, int | None]  # a record of ours: Message-ID, direction, ticket id


def known_messages(parsed: ParsedMessage) -> list[Known]:
    """Our records of this message and of those it answers, newest first.

    One light query (no join, no model objects) serves both the duplicate check (this Message-ID was
    already received) and the threading; the ticket itself is read only when one is found.
    """
    wanted = [parsed.message_id, *_answered(parsed)[:50]]
    return list(
        MailMessage.objects.filter(message_id__in=wanted)
        .order_by("-id")
        .values_list("message_id", "direction", "ticket_id")
    )


def is_duplicate(parsed: ParsedMessage, known: list[Known]) -> bool:
    """This Message-ID was already received (a second delivery or a re-poll)."""
    return any(direction == Direction.INBOUND and mid == parsed.message_id for mid, direction, _t in known)


def _answered(parsed: ParsedMessage) -> list[str]:
    return [*parsed.in_reply_to, *reversed(parsed.references)]


def ticket_by_headers(parsed: ParsedMessage, known: list[Known]) -> Ticket | None:
    """The ticket of the most recent known message among In-Reply-To and References."""
    wanted = _answered(parsed)
    if not wanted:
        return None
    by_id = {message_id: ticket_id for message_id, _direction, ticket_id in known if ticket_id is not None}
    for message_id in wanted:
        if message_id in by_id:
            return Ticket.objects.filter(pk=by_id[message_id]).first()
    return None


def reference_in_subject(subject: str) -> str | None:
    """``ESC-2026-000123`` from "Re: [ESC-2026-000123] Printer", normalised to six digits."""
    match = REFERENCE_IN_SUBJECT.search(subject)
    if match is None:
        return None
    prefix, year, number = match.group(1).upper().split("-")
    return f"{prefix}-{year}-{int(number):06d}"


def ticket_by_subject(parsed: ParsedMessage) -> Ticket | None:
    reference = reference_in_subject(parsed.subject)
    if reference is None:
        return None
    return Ticket.objects.filter(reference=reference).first()


def ticket_for(parsed: ParsedMessage, known: list[Known]) -> tuple[Ticket | None, str]:
    """The ticket this message follows up, and how it was found (``headers``/``subject``/``""``).

    ``known`` is :func:`known_messages` of ``parsed``."""
    ticket = ticket_by_headers(parsed, known)
    if ticket is not None:
        return ticket, "headers"
    ticket = ticket_by_subject(parsed)
    return (ticket, "subject") if ticket is not None else (None, "")


def strip_reply_prefixes(subject: str) -> str:
    """ "Re: TR: Fwd: Printer" → "Printer" (for a new ticket's title)."""
    return REPLY_PREFIXES.sub("", subject).strip()
