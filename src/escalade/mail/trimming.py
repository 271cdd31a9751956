"""Trimming the quoted history and the signature from a reply, so the ticket shows what is new.

Handles the usual styles: ``>`` quotes, Gmail/Apple ("On … wrote:"), French ("Le … a écrit :"),
Outlook ("-----Original Message-----", "De : … Envoyé : …" header blocks, "From: … Sent: …"),
and signatures after "-- " or "Sent from my …". The untrimmed text is kept elsewhere.
"""

from __future__ import annotations

import re

# A line that introduces the quoted message. Gmail may wrap "On …" over two lines; we join first.
QUOTE_HEADERS = (
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le\b.{0,300}\ba\s+écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,80}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(Original Message|Message d'origine|Message original)\s*-{2,}\s*$", re.I),
    re.compile(r"^\s*-{2,}\s*(Forwarded message|Message transféré)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above its header block
)
# Outlook's header block: "From:" / "De :" followed within a few lines by "Sent:" / "Envoyé :".
OUTLOOK_FROM = re.compile(r"^\s*\*?(From|De)\s?:\*?\s", re.IGNORECASE)
OUTLOOK_SENT = re.compile(r"^\s*\*?(Sent|Envoyé|Date)\s?:\*?\s", re.IGNORECASE)
SIGNATURE_STARTS = (
    re.compile(r"^-- ?$"),
    re.compile(r"^\s*(Sent from my|Envoyé de mon|Envoyé depuis mon|Get Outlook for)\b", re.IGNORECASE),
)
FORWARD_MARKERS = re.compile(r"(Forwarded message|Message transféré|^\s*(Fwd?|TR)\s*:)", re.I | re.M)


def _join_wrapped_headers(lines: list[str]) -> list[str]:
    """Gmail wraps "On Tue, 24 Nov 2026 at 10:00, Name <a@b>\\nwrote:" over two lines."""
    joined: list[str] = []
    for line in lines:
        stripped = line.strip()
        if joined and stripped.lower() in {"wrote:", "a écrit :", "a écrit:"}:
            joined[-1] = f"{joined[-1]} {stripped}"
        else:
            joined.append(line)
    return joined


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if any(pattern.match(line) for pattern in QUOTE_HEADERS):
            return index
        if OUTLOOK_FROM.match(line) and any(
            OUTLOOK_SENT.match(next_line) for next_line in lines[index + 1 : index + 5]
        ):
            return index
        if line.startswith(">") and all(not rest.strip() or rest.startswith(">") for rest in lines[index:]):
            return index  # a trailing block of ">" lines
    return None


def _signature_start(lines: list[str]) -> int | None:
    for index in range(len(lines) - 1, -1, -1):
        if any(pattern.match(lines[index]) for pattern in SIGNATURE_STARTS) and len(lines) - index <= 12:
            return index
    return None


def trim_reply(text: str, *, forwarded_ok: bool = False) -> str:
    """The new part of a reply: text before the quoted history, without the signature.

    A forwarded message (``forwarded_ok``) keeps what is below the forward marker: it is the content.
    Never returns an empty string when ``text`` had content: then the whole text is kept.
    """
    lines = _join_wrapped_headers(text.replace("\r\n", "\n").split("\n"))
    if not (forwarded_ok and FORWARD_MARKERS.search(text)):
        start = _quote_start(lines)
        if start is not None:
            lines = lines[:start]
    end = _signature_start(lines)
    if end is not None:
        lines = lines[:end]
    trimmed = "\n".join(lines).strip()
    return trimmed or text.strip()
