"""A realistic local e-mail source for the ingestion benchmark (``benchmarks/run.py --only mail``).

:func:`build_messages` writes RFC 5322 messages as raw bytes, in memory, from the generated data: new
requests from known requesters (French or English, plain text with a signature, HTML only, or with a
small attachment), replies threaded by In-Reply-To/References to requests of the same run, replies to
existing tickets by the ``[ESC-…]`` in their subject, out-of-office replies, delivery-failure reports,
a message from an unknown person of a client's domain, and re-delivered duplicates.

:class:`LocalMailbox` serves those bytes through the part of the IMAP client the poller uses
(``escalade.mail.imap.ImapClient``), so the benchmark runs the poller itself, claim, ingestion and flag
included, with no network in between.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from escalade.generator import corpus

SIGNATURES = {
    "fr": "-- \n{name}\nService comptabilité\nTél. 01 23 45 67 89",
    "en": "-- \n{name}\nAccounts department\nPhone +44 20 7946 0000",
}
QUOTE_INTRO = {
    "fr": "Le {date}, Support informatique <support@desk.example> a écrit :",
    "en": "On {date}, IT support <support@desk.example> wrote:",
}
FOLLOW_UPS = {
    "fr": ["Merci, c'est réglé de mon côté.", "Toujours le même problème ce matin.",
           "Je vous envoie une capture dès que possible.", "Oui, j'ai redémarré, sans effet."],
    "en": ["Thanks, it works again on my side.", "Still the same problem this morning.",
           "I will send a screenshot as soon as I can.", "Yes, I restarted it, no change."],
}  # fmt: skip
AWAY = {
    "fr": ("Réponse automatique : absent", "Je suis absent jusqu'au 3 décembre, sans accès à ma messagerie."),
    "en": ("Automatic reply: out of office", "I am out of the office until 3 December with no e-mail."),
}
# (kind, weight): about 58 % new requests, 33 % replies, 8 % automatic mail, 1 % re-delivered.
MIX = (
    ("new_text", 40), ("new_html", 10), ("new_attachment", 8), ("reply_thread", 21), ("reply_subject", 12),
    ("auto_reply", 4), ("bounce", 2), ("unknown_sender", 2), ("duplicate", 1),
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    language: str


@dataclass(frozen=True)
class Known:
    """An existing ticket someone replies to by its reference."""

    reference: str
    title: str
    requester: Person


@dataclass
class Sent:
    """A request of this run that later replies thread to."""

    message_id: str
    subject: str
    requester: Person
    body: str
    references: list[str] = field(default_factory=list)


class Builder:
    """Builds one run's messages; ``stamp`` keeps Message-IDs unique across runs on the same database."""

    def __init__(self, *, people: list[Person], known: list[Known], stamp: str, seed: int = 7) -> None:
        self.people, self.known, self.stamp = people, known, stamp
        self.rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.sent: list[Sent] = []
        self.raws: list[bytes] = []
        self.kinds: list[str] = []
        self.now = dt.datetime.now(dt.UTC)

    def _id(self, domain: str) -> str:
        return f"<bench.{self.stamp}.{len(self.raws)}@{domain}>"

    def _message(self, sender: Person, subject: str, domain: str = "") -> tuple[EmailMessage, str]:
        message = EmailMessage()
        domain = domain or sender.email.partition("@")[2]
        when = format_datetime(self.now)
        # What a delivered message carries before its own headers: the transport's trace and signature.
        message["Return-Path"] = f"<{sender.email}>"
        message["Delivered-To"] = "support@desk.example"
        for hop in ("mx1.desk.example", f"smtp.{domain}"):
            message["Received"] = (
                f"from {hop} ({hop} [192.0.2.{len(self.raws) % 250}]) by mx.desk.example (Postfix) "
                f"with ESMTPS id 4Q{self.rng.randrange(16**10):010X} for <support@desk.example>; {when}"
            )
        message["DKIM-Signature"] = (
            f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=mail; t=1795000000; "
            "h=from:to:subject:date:message-id; bh=" + base64.b64encode(self.rng.randbytes(32)).decode()
            + "; b=" + base64.b64encode(self.rng.randbytes(128)).decode()
        )  # fmt: skip
        message["X-Mailer"] = self.rng.choice(
            ["Microsoft Outlook 16.0", "Apple Mail (2.3774)", "Thunderbird"]
        )
        message["From"] = f"{sender.name} <{sender.email}>"
        message["To"] = "Support informatique <support@desk.example>"
        message["Subject"] = subject
        message["Date"] = when
        message_id = self._id(domain)
        message["Message-ID"] = message_id
        message["Content-Language"] = "fr-FR" if sender.language == "fr" else "en-GB"
        return message, message_id

    def _text(self, person: Person, subject: str) -> str:
        body = corpus.description(self.rng, person.language, subject)
        return f"{body}\n\n{SIGNATURES[person.language].format(name=person.name)}\n"

    def new_request(self, kind: str, person: Person) -> bytes:
        subject = corpus.title(self.rng, person.language)
        message, message_id = self._message(person, subject)
        text = self._text(person, subject)
        if kind == "new_html":
            paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
            html = (
                '<html><head><style>p{margin:0}</style></head><body><div dir="ltr">'
                f'{paragraphs}<img src="https://tracker.example/p.gif" width="1"></div></body></html>'
            )
            message.set_content(html, subtype="html")
        else:
            message.set_content(text)
        if kind == "new_attachment":
            data = b"%PDF-1.4\n" + base64.b64encode(self.rng.randbytes(12_000)) + b"\n%%EOF\n"
            message.add_attachment(data, maintype="application", subtype="pdf", filename="capture-écran.pdf")
        self.sent.append(Sent(message_id, subject, person, text.split("\n\n")[0]))
        return bytes(message)

    def _quoted(self, person: Person, answer: str, quoted: str) -> str:
        intro = QUOTE_INTRO[person.language].format(date=format_datetime(self.now))
        quote = "\n".join(f"> {line}" for line in quoted.splitlines())
        return f"{answer}\n\n{SIGNATURES[person.language].format(name=person.name)}\n\n{intro}\n{quote}\n"

    def reply_in_thread(self) -> bytes:
        parent = self.rng.choice(self.sent[-400:])
        person = parent.requester
        message, message_id = self._message(
            person, f"{self.rng.choice(['Re', 'RE', 'Réf'])}: {parent.subject}"
        )
        chain = [*parent.references, parent.message_id]
        message["In-Reply-To"] = parent.message_id
        message["References"] = " ".join(chain[-10:])
        answer = self.rng.choice(FOLLOW_UPS[person.language])
        text = self._quoted(person, answer, parent.body)
        message.set_content(text)
        if self.rng.random() < 0.5:  # Outlook and Gmail send both parts
            message.add_alternative(
                f"<div><p>{answer}</p><blockquote>{parent.body}</blockquote></div>", "html"
            )
        self.sent.append(Sent(message_id, parent.subject, person, answer, chain))
        return bytes(message)

    def reply_by_reference(self) -> bytes:
        ticket = self.rng.choice(self.known)
        person = ticket.requester
        subject = f"RE: [{ticket.reference}] {ticket.title}"
        message, _message_id = self._message(person, subject)
        # The notification they answer was sent before Escalade kept its Message-ID: unknown here.
        message["In-Reply-To"] = f"<esc.old.{self.rng.randrange(10**9)}@desk.example>"
        message.set_content(self._quoted(person, self.rng.choice(FOLLOW_UPS[person.language]), ticket.title))
        return bytes(message)

    def auto_reply(self, person: Person) -> bytes:
        subject, body = AWAY[person.language]
        message, _message_id = self._message(person, f"{subject} : {self.rng.choice(self.sent).subject}")
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
        message.set_content(body)
        return bytes(message)

    def bounce(self, person: Person) -> bytes:
        domain = person.email.partition("@")[2]
        head = (
            f"From: Mail Delivery System <MAILER-DAEMON@mx.{domain}>\r\nTo: support@desk.example\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: {self._id('mx.' + domain)}\r\n"
            f"Date: {format_datetime(self.now)}\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        )
        body = (
            "--R\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Delivery failed.\r\n"
            f"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.{domain}\r\n\r\n"
            f"Final-Recipient: rfc822; gone.{len(self.raws)}@{domain}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
            "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: <esc.old.{len(self.raws)}@desk.example>\r\nSubject: x\r\n--R--\r\n"
        )
        return (head + body).encode()

    def one(self, kind: str) -> bytes:  # noqa: PLR0911 - one branch per kind of message
        person = self.rng.choice(self.people)
        if kind in {"reply_thread", "auto_reply", "duplicate"} and not self.sent:
            kind = "new_text"
        if kind == "reply_subject" and not self.known:
            kind = "new_text"
        self.kinds.append(kind)
        if kind.startswith("new_"):
            return self.new_request(kind, person)
        if kind == "reply_thread":
            return self.reply_in_thread()
        if kind == "reply_subject":
            return self.reply_by_reference()
        if kind == "auto_reply":
            return self.auto_reply(person)
        if kind == "bounce":
            return self.bounce(person)
        if kind == "unknown_sender":
            domain = person.email.partition("@")[2]
            stranger = Person(f"new.{self.stamp}.{len(self.raws)}@{domain}", "Nouvelle Personne", "fr")
            return self.new_request("new_text", stranger)
        return self.rng.choice(self.raws[-200:])  # re-delivered by the server: same bytes, same Message-ID

    def build(self, count: int) -> list[bytes]:
        kinds, weights = zip(*MIX, strict=True)
        for kind in self.rng.choices(kinds, weights=weights, k=count):
            self.raws.append(self.one(kind))
        return self.raws


@dataclass
class LocalMailbox:
    """Messages held in memory behind the poller's IMAP interface; flags are kept per UID."""

    messages: list[bytes]
    uidvalidity: int
    flags: dict[int, set[bytes]] = field(default_factory=dict)

    def select_folder(self, folder: str) -> dict[bytes, Any]:
        return {b"UIDVALIDITY": self.uidvalidity, b"EXISTS": len(self.messages)}

    def search(self, criteria: Any) -> list[int]:
        return [
            uid for uid in range(1, len(self.messages) + 1) if b"$EscaladeDone" not in self.flags.get(uid, ())
        ]

    def fetch(self, messages: list[int], data: list[str]) -> dict[int, dict[bytes, Any]]:
        if data == ["RFC822.SIZE"]:
            return {uid: {b"RFC822.SIZE": len(self.messages[uid - 1])} for uid in messages}
        return {uid: {b"BODY[]": self.messages[uid - 1]} for uid in messages}

    def add_flags(self, messages: list[int], flags: list[bytes]) -> None:
        for uid in messages:
            self.flags.setdefault(uid, set()).update(flags)

    def move(self, messages: list[int], folder: str) -> None:
        raise NotImplementedError

    def logout(self) -> None:
        return None
