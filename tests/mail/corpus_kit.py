"""Helpers for building the mail corpus (see make_corpus.py): a registry of cases and message makers."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

HERE = Path(__file__).parent / "corpus"
DATE = formatdate(1795000000)
ROOT = "<thread-root@a.example>"
REF = "ESC-2026-000001"
CASES: dict[str, tuple[bytes, dict[str, str]]] = {}


def case(name: str, raw: bytes, outcome: str, reason: str = "", contains: str = "") -> None:
    expected = {"outcome": outcome}
    if reason:
        expected["reason"] = reason
    if contains:
        expected["contains"] = contains
    CASES[name] = (raw, expected)


def raw(headers: str, body: bytes | str, *, crlf: bool = True) -> bytes:
    head = headers.strip("\n")
    text = head + "\n\n"
    data = text.encode("utf-8") + (body.encode("utf-8") if isinstance(body, str) else body)
    return data.replace(b"\n", b"\r\n") if crlf else data


def basic(n: str, *, sender: str = "req.a@a.example", subject: str = "Problème", extra: str = "") -> str:
    return (
        f"From: {sender}\nTo: support@desk.example\nSubject: {subject}\nDate: {DATE}\n"
        f"Message-ID: <{n}@corpus.example>\n{extra}"
    ).rstrip("\n")


def message(
    n: str, *, sender: str = "Alice <req.a@a.example>", subject: str = "Problème", **headers: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, "support@desk.example", subject, DATE
    msg["Message-ID"] = f"<{n}@corpus.example>"
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    return msg


def simple(
    n: str,
    *,
    subject: str = "Problème",
    body: str = "Bonjour",
    sender: str = "Alice <req.a@a.example>",
    **headers: str,
) -> EmailMessage:
    msg = message(n, subject=subject, sender=sender, **headers)
    msg.set_content(body)
    return msg
