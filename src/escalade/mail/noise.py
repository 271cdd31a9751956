"""Recognising mail we must not turn into tickets or answer: auto-replies, bulk mail, bounces, loops."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message

from escalade.mail.models import QuarantineReason
from escalade.mail.parsing import ParsedMessage, decode_bytes, header, message_ids

AUTO_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)[+@-]", re.I)
AUTO_SUBJECTS = re.compile(
    r"^\s*(auto(matic)?[ -]?reply|out of (the )?office|absence|abwesenheit|automatische antwort|"
    r"réponse automatique|r[ée]ponse automatique|absent\b|undeliverable|undelivered mail|"
    r"delivery status notification|mail delivery (failed|subsystem)|non remis|returned mail)",
    re.IGNORECASE,
)
DAEMONS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
# A From written by a mail server, with or without a domain: "MAILER-DAEMON (Mail Delivery System)".
DAEMON_FROM = re.compile(r"(^|[<\s\"])(mailer-daemon|postmaster)([@>\s]|$)", re.IGNORECASE)
RECEIPT_TYPES = frozenset({"message/disposition-notification", "message/global-disposition-notification"})
ESCALADE_HEADER = "x-escalade-ticket"


@dataclass
class Bounce:
    """A delivery-failure report: which addresses failed, why, and the message that failed."""

    addresses: dict[str, str] = field(default_factory=dict)
    original_message_id: str = ""


def noise_reason(parsed: ParsedMessage) -> str | None:  # noqa: PLR0911 - one return per kind of noise
    """Why this message must not become a ticket or a follow-up (a QuarantineReason), or None."""
    headers = parsed.headers
    if ESCALADE_HEADER in headers:
        return QuarantineReason.LOOP
    receipt = _receipt(parsed)
    if receipt is not None:
        return receipt
    if bounce_of(parsed) is not None or _from_daemon(parsed):
        return QuarantineReason.BOUNCE
    if _empty_envelope(parsed):  # RFC 5321: notifications go out with a null reverse path
        return QuarantineReason.AUTO_REPLY
    auto_submitted = headers.get("auto-submitted", "").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return QuarantineReason.AUTO_REPLY
    if any(name in headers for name in ("x-autoreply", "x-autorespond", "x-autoresponse")):
        return QuarantineReason.AUTO_REPLY
    if headers.get("x-auto-response-suppress", "").lower() in {"all", "oof"} and AUTO_SUBJECTS.match(
        parsed.subject
    ):
        return QuarantineReason.AUTO_REPLY
    if AUTO_SUBJECTS.match(parsed.subject) and (
        AUTO_SENDERS.match(parsed.sender) or "x-ms-exchange-inbox-rules-loop" in headers
    ):
        return QuarantineReason.AUTO_REPLY
    precedence = headers.get("precedence", "").lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return QuarantineReason.AUTO_REPLY if precedence == "auto_reply" else QuarantineReason.BULK
    if "list-id" in headers or "list-unsubscribe" in headers:
        return QuarantineReason.BULK
    if DAEMONS.match(parsed.sender):
        return QuarantineReason.AUTO_REPLY
    return None


def _receipt(parsed: ParsedMessage) -> str | None:
    """A read or delivery receipt (RFC 8098 ``disposition-notification``), or any other report that is
    not a delivery failure (``multipart/report`` of another type): never a request."""
    message = parsed.message
    if message is None or message.get_content_type() != "multipart/report":
        return QuarantineReason.RECEIPT if _has_receipt_part(message) else None
    report_type = str(message.get_param("report-type") or "").lower()
    return None if report_type in {"delivery-status", ""} else QuarantineReason.RECEIPT


def _has_receipt_part(message: Message | None) -> bool:
    if message is None or not message.is_multipart():
        return False
    return any(part.get_content_type() in RECEIPT_TYPES for part in message.walk())


def _from_daemon(parsed: ParsedMessage) -> bool:
    return (
        DAEMONS.match(parsed.sender) is not None
        or DAEMON_FROM.search(parsed.headers.get("from", "")) is not None
    )


def _empty_envelope(parsed: ParsedMessage) -> bool:
    return parsed.headers.get("return-path", "").replace(" ", "") in {"<>", "<<>>"}


def bounce_of(parsed: ParsedMessage) -> Bounce | None:
    """The bounce report in ``parsed`` (RFC 3464 ``multipart/report``, or a mailer-daemon message)."""
    message = parsed.message
    if message is None:
        return None
    report_type = message.get_param("report-type")
    is_report = message.get_content_type() == "multipart/report" and (
        str(report_type or "").lower() in {"delivery-status", ""}
    )
    from_daemon = _from_daemon(parsed)
    envelope = from_daemon or _empty_envelope(parsed)
    if not (is_report or (envelope and AUTO_SUBJECTS.match(parsed.subject))):
        return None
    bounce = Bounce()
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in {"message/delivery-status", "message/global-delivery-status"}:
            _read_status(part, bounce)
        elif content_type in {"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"}:
            bounce.original_message_id = bounce.original_message_id or _original_id(part)
    if not bounce.addresses and from_daemon:
        for address in re.findall(r"<([^<>@\s]+@[^<>\s]+)>", parsed.text)[:5]:
            bounce.addresses[address.lower()] = "reported by the mail server"
    return bounce


def _read_status(part: Message, bounce: Bounce) -> None:
    """Parse the per-recipient blocks of a delivery-status part (``Final-Recipient``, ``Action``)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        text = "\n\n".join(str(block) for block in payload)
    else:
        raw = part.get_payload(decode=True)
        text = decode_bytes(raw, None) if isinstance(raw, bytes) else str(payload)
    for block in re.split(r"\n\s*\n", text):
        fields = dict(re.findall(r"(?im)^([\w-]+)\s*:\s*(.+)$", block))
        lowered = {key.lower(): value.strip() for key, value in fields.items()}
        recipient = lowered.get("final-recipient") or lowered.get("original-recipient") or ""
        action = lowered.get("action", "failed").lower()
        if recipient and action == "failed":
            address = recipient.split(";")[-1].strip().strip("<>").lower()
            reason = lowered.get("diagnostic-code") or lowered.get("status", "")
            bounce.addresses[address] = reason[:300]


def _original_id(part: Message) -> str:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else part
    if isinstance(inner, Message):
        found = message_ids(header(inner, "Message-ID"))
        if found:
            return found[0]
    raw = part.get_payload(decode=True)
    text = decode_bytes(raw, None) if isinstance(raw, bytes) else str(payload)
    match = re.search(r"(?im)^Message-ID:\s*(<[^>]+>)", text)
    return match.group(1) if match else ""
