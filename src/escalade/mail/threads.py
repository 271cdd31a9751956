"""Which ticket a message answers: its In-Reply-To/References, then the ``[ESC-…]`` in the subject."""

from __future__ import annotations

import re

from escalade.mail.models import MailMessage
from escalade.mail.parsing import ParsedMessage
from escalade.tickets.models import Ticket

REFERENCE_IN_SUBJECT = re.compile(r"\[\s*(ESC-\d{4}-\d{1,9})\s*\]", re.IGNORECASE)


def ticket_by_headers(parsed: ParsedMessage) -> Ticket | None:
    """The ticket of the most recent known message among In-Reply-To and References."""
    wanted = [*parsed.in_reply_to, *reversed(parsed.references)]
    if not wanted:
        return None
    known = (
        MailMessage.objects.filter(message_id__in=wanted[:50], ticket__isnull=False)
        .select_related("ticket")
        .order_by("-id")
    )
    by_id = {message.message_id: message.ticket for message in known}
    for message_id in wanted:
        if by_id.get(message_id) is not None:
            return by_id[message_id]
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


def ticket_for(parsed: ParsedMessage) -> tuple[Ticket | None, str]:
    """The ticket this message follows up, and how it was found (``headers``/``subject``/``""``)."""
    ticket = ticket_by_headers(parsed)
    if ticket is not None:
        return ticket, "headers"
    ticket = ticket_by_subject(parsed)
    return (ticket, "subject") if ticket is not None else (None, "")


def strip_reply_prefixes(subject: str) -> str:
    """ "Re: TR: Fwd: Printer" → "Printer" (for a new ticket's title)."""
    pattern = re.compile(r"^\s*((re|fw|fwd|tr|aw|wg|rép|réf)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
    return pattern.sub("", subject).strip()
