"""Issue 23's intake benchmark: a corpus of hostile and ordinary mail, ingested twice by the real poller.

:func:`build_corpus` writes (deterministically, from a seed) at least 300 new messages of many kinds:
requests in a dozen charsets and transfer encodings, forwarded chains (inline and attached), requests
copied to colleagues and their replies, requesters' replies threaded by In-Reply-To or References,
list digests that re-use one Message-ID, messages without one, read receipts, delivery reports,
mailer-daemon and null-sender notices, auto-replies, internationalised addresses (UTF-8 local parts,
IDN domains), broken MIME (no closing boundary, bad base64, undecodable encoded words, unknown
charsets, NUL bytes), empty messages and file-only messages, strangers from unknown domains, and
re-deliveries of earlier messages through another relay.

:func:`ingest_twice` serves the corpus to ``mailbox_poll`` (an in-memory IMAP folder), then serves it
again as a rebuilt folder (new UIDVALIDITY: every UID is new, so only content can tell), and checks:
every message left a record (imported: a ticket or follow-up recorded under its Message-ID, or the one
it was given; or quarantined with a reason), and the second pass added nothing (no ticket, follow-up,
record, quarantine entry or bounce count). ``tests/mail/test_corpus_twice.py`` runs it on SQLite and
PostgreSQL; ``docs/benchmarks.md`` records the figures.
"""

from __future__ import annotations

import base64
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from benchmarks.mail_source import LocalMailbox

DESK = "support@desk.example"
IDN_DOMAIN = "xn--rsum-bpad.example"  # résumé.example: mapped to client A by the caller
CHARSETS = ("utf-8", "iso-8859-1", "windows-1252", "iso-8859-15", "utf-8", "mac-roman")
TRANSFER = ("quoted-printable", "base64", "8bit")
SUBJECTS = {
    "fr": [
        "Écran noir au démarrage",
        "Imprimante du 2e étage bloquée",
        "Accès refusé au dossier Compta",
        "Téléphone sans tonalité",
        "Mot de passe expiré",
        "Clé USB non reconnue",
        "Badge désactivé",
        "Lenteurs sur l'ERP",
        "Boîte mail pleine",
        "Wi-Fi qui décroche en salle Hêtre",
    ],
    "en": [
        "Laptop will not boot",
        "Cannot print to the 3rd floor printer",
        "Shared drive access denied",
        "Desk phone has no dial tone",
        "Password expired",
        "USB stick not recognised",
        "Badge disabled",
        "ERP is very slow",
        "Mailbox full",
        "Wi-Fi keeps dropping in the Oak room",
    ],
}
BODIES = {
    "fr": [
        "Bonjour,\n\nDepuis ce matin {thing}. J'ai déjà redémarré, sans effet.\n\nMerci d'avance,\n{name}",
        "Bonjour,\n\n{thing} — c'est urgent, la réunion est à 14 h.\n\nCordialement,\n{name}",
    ],
    "en": [
        "Hello,\n\nSince this morning {thing}. I restarted already, no change.\n\nThanks,\n{name}",
        "Hi,\n\n{thing} and I have a client call at 2 pm.\n\nBest,\n{name}",
    ],
}
THINGS = {
    "fr": [
        "l'écran reste noir",
        "rien ne s'imprime",
        "le partage refuse mon accès",
        "le poste ne sonne plus",
    ],
    "en": ["the screen stays black", "nothing prints", "the share denies access", "the phone does not ring"],
}
FIRST = ["Zoé", "Noël", "Agnès", "Benoît", "Chloé", "Jérôme", "Maëlle", "Ophélie", "Grace", "Liam", "Ava"]
LAST = ["Lefèvre", "Dubois", "Garçon", "Müller", "O'Neil", "Nguyễn", "Smith", "Brown", "Château", "Hébert"]


@dataclass
class Sample:
    """One message of the corpus and what it is (``kind``); ``again``: a re-delivery of an earlier one."""

    kind: str
    raw: bytes
    again: bool = False


@dataclass
class Figures:
    """What :func:`ingest_twice` found."""

    messages: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    lost: list[str] = field(default_factory=list)
    without_reason: int = 0
    added_by_second_pass: dict[str, int] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)


def _crlf(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def _bytes(message: EmailMessage, serial: int) -> bytes:
    """The message's bytes, with boundaries of our own (the library draws random ones)."""
    for index, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"c23-{serial}-{index}")
    return bytes(message)


class _Writer:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)  # noqa: S311 - test data, reproducible by design
        self.serial = 0
        self.samples: list[Sample] = []
        self.threads: list[tuple[str, str, str, list[str]]] = []  # (message-id, sender, subject, copied)

    def person(self, domain: str = "a.example") -> tuple[str, str]:
        first, last = self.random.choice(FIRST), self.random.choice(LAST)
        local = f"{first}.{last}".lower().replace("'", "")
        ascii_local = local.encode("ascii", "ignore").decode() or "user"
        return f"{first} {last}", f"{ascii_local}{self.random.randint(1, 99)}@{domain}"

    def next_id(self, host: str = "a.example") -> str:
        self.serial += 1
        return f"<c23.{self.serial}.{self.random.randint(1000, 9999)}@{host}>"

    def date(self) -> str:
        import datetime as dt

        moment = dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=self.serial * 7)
        return format_datetime(moment)

    def text(self, language: str, name: str) -> tuple[str, str]:
        subject = self.random.choice(SUBJECTS[language])
        body = self.random.choice(BODIES[language]).format(
            thing=self.random.choice(THINGS[language]), name=name
        )
        return subject, body

    def add(self, kind: str, raw: bytes, *, again: bool = False) -> bytes:
        self.samples.append(Sample(kind, raw, again))
        return raw

    def message(
        self, sender: str, subject: str, body: str, *, charset: str = "utf-8", **headers: str
    ) -> bytes:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"], message["Date"] = (
            sender,
            DESK,
            subject,
            self.date(),
        )
        for name, value in headers.items():
            message[name.replace("_", "-")] = value
        try:
            message.set_content(body, charset=charset, cte=self.random.choice(TRANSFER))
        except (UnicodeEncodeError, LookupError):
            message.set_content(body, charset="utf-8")
        return bytes(message)

    # --- kinds ---

    def request(
        self, kind: str = "request", *, domain: str = "a.example", copied: tuple[str, ...] = ()
    ) -> str:
        language = self.random.choice(("fr", "en"))
        name, address = self.person(domain)
        subject, body = self.text(language, name)
        message_id = self.next_id(domain)
        headers = {"Message-ID": message_id}
        if copied:
            headers["Cc"] = ", ".join(copied)
        raw = self.message(
            f"{name} <{address}>", subject, body, charset=self.random.choice(CHARSETS), **headers
        )
        self.add(kind, raw)
        self.threads.append((message_id, address, subject, list(copied)))
        return message_id

    def reply(self, *, by_copied: bool) -> None:
        candidates = [thread for thread in self.threads if thread[3]] if by_copied else self.threads
        if not candidates:
            return
        message_id, sender, subject, copied = self.random.choice(candidates)
        author = copied[0] if by_copied else sender
        header = {"In_Reply_To": message_id} if self.random.random() < 0.5 else {"References": message_id}
        body = "Toujours pareil ce matin.\n\nLe lundi, Support a écrit :\n> Pouvez-vous redémarrer ?"
        raw = self.message(author, f"RE: {subject}", body, Message_ID=self.next_id(), **header)
        self.add("cc-reply" if by_copied else "requester-reply", raw)

    def forwarded(self) -> None:
        name, address = self.person()
        inner = self.message(
            "Fournisseur <ventes@fournisseur.example>", "Votre devis", "Ci-joint le devis 42."
        )
        if self.random.random() < 0.5:
            outer = EmailMessage()
            outer["From"], outer["To"], outer["Subject"] = f"{name} <{address}>", DESK, "TR: Votre devis"
            outer["Message-ID"], outer["Date"] = self.next_id(), self.date()
            outer.set_content("Pour info, le devis ne s'ouvre pas chez moi.")
            outer.add_attachment(message_from_bytes(inner, policy=policy.default))  # message/rfc822
            self.add("forwarded-attached", _bytes(outer, self.serial))
            return
        body = (
            "Pouvez-vous regarder ?\n\n---------- Forwarded message ---------\n"
            "De : ventes@fournisseur.example\n"
            "Objet : Votre devis\n\nCi-joint le devis 42.\n\n---------- Message transféré ----------\n"
            "De : compta@a.example\n\nEt la facture associée."
        )
        self.add(
            "forwarded-inline",
            self.message(f"{name} <{address}>", "Fwd: TR: Votre devis", body, Message_ID=self.next_id()),
        )

    def reused_id(self) -> None:
        message_id = f"<digest.{self.random.randint(1, 4)}@lists.a.example>"  # a list that re-uses IDs
        name, address = self.person()
        subject, body = self.text("fr", name)
        raw = self.message(f"{name} <{address}>", subject, body + f"\n#{self.serial}", Message_ID=message_id)
        self.serial += 1
        self.add("reused-message-id", raw)

    def without_id(self) -> None:
        name, address = self.person()
        subject, body = self.text("en", name)
        self.add("no-message-id", self.message(f"{name} <{address}>", subject, body + f"\n#{self.serial}"))
        self.serial += 1

    def receipt(self) -> None:
        _name, address = self.person()
        original = self.random.choice(self.threads)[0] if self.threads else "<x@desk.example>"
        raw = _crlf(
            f"From: {address}",
            f"To: {DESK}",
            "Subject: Lu : demande",
            f"Message-ID: {self.next_id()}",
            "MIME-Version: 1.0",
            'Content-Type: multipart/report; report-type=disposition-notification; boundary="r"',
            "",
            "--r",
            "Content-Type: text/plain",
            "",
            "Le message a été lu.",
            "--r",
            "Content-Type: message/disposition-notification",
            "",
            f"Final-Recipient: rfc822; {address}",
            f"Original-Message-ID: {original}",
            "Disposition: manual-action/MDN-sent-manually; displayed",
            "--r--",
        )
        self.add("read-receipt", raw)

    def bounce(self) -> None:
        gone = f"parti{self.serial}@a.example"
        variants = [
            (
                "Return-Path: <>",
                "From: MAILER-DAEMON (Mail Delivery System)",
                f"To: {DESK}",
                "Subject: Undelivered Mail Returned to Sender",
                f"Message-ID: {self.next_id('mx.desk.example')}",
                "",
                f"<{gone}>: host mx.a.example said: 550 5.1.1 User unknown",
            ),
            (
                "From: Mail Delivery Subsystem <mailer-daemon@mx.a.example>",
                f"To: {DESK}",
                "Subject: Delivery Status Notification (Failure)",
                f"Message-ID: {self.next_id('mx.a.example')}",
                "MIME-Version: 1.0",
                'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
                "",
                "--b",
                "Content-Type: text/plain",
                "",
                "Delivery failed.",
                "--b",
                "Content-Type: message/delivery-status",
                "",
                "Reporting-MTA: dns; mx.a.example",
                "",
                f"Final-Recipient: rfc822; {gone}",
                "Action: failed",
                "Status: 5.1.1",
                "--b--",
            ),
            (
                "Return-Path: <>",
                f"To: {DESK}",
                "Subject: Notice",
                f"Message-ID: {self.next_id('relay.example')}",
                "",
                "Your message was not delivered.",
            ),
        ]
        self.add("bounce", _crlf(*self.random.choice(variants)))

    def auto_reply(self) -> None:
        name, address = self.person()
        headers = self.random.choice(
            [{"Auto_Submitted": "auto-replied"}, {"X_Autoreply": "yes"}, {"Precedence": "auto_reply"}]
        )
        raw = self.message(
            f"{name} <{address}>",
            "Réponse automatique : absent",
            "Je suis absente jusqu'au 8.",
            Message_ID=self.next_id(),
            **headers,
        )
        self.add("auto-reply", raw)

    def international(self) -> None:
        first = self.random.choice(FIRST)
        domain = self.random.choice(("a.example", IDN_DOMAIN))
        address = f"{first.lower()}.{self.serial}@{domain}"
        raw = _crlf(
            f"From: {first} <{address}>",
            f"To: {DESK}",
            "Subject: Accès VPN",
            f"Message-ID: {self.next_id()}",
            f"Date: {self.date()}",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "Le VPN refuse ma connexion depuis hier soir.",
        )
        self.add("international-address", raw)

    def broken(self) -> None:
        name, address = self.person()
        head = (
            f"From: {name} <{address}>",
            f"To: {DESK}",
            f"Message-ID: {self.next_id()}",
            f"Date: {self.date()}",
        )
        variants = [
            ("Subject: =?utf-8?B?////invalid****?= clavier", "Content-Type: text/plain", "", "Clavier HS."),
            (
                "Subject: Pièce jointe",
                "MIME-Version: 1.0",
                'Content-Type: multipart/mixed; boundary="zz"',
                "",
                "--zz",
                "Content-Type: text/plain",
                "",
                "Voir pièce jointe",
                "--zz",
                "Content-Type: application/pdf",
                "Content-Transfer-Encoding: base64",
                "",
                "%%%not base64%%%",
            ),  # no closing boundary
            ("Subject: Charset inconnu", "Content-Type: text/plain; charset=x-klingon", "", "Texte étrange"),
            ("Subject: =?x-unknown?Q?abc?= NUL", "Content-Type: text/plain", "", "Avant\x00après"),
            (
                "Subject: Frontière",
                "MIME-Version: 1.0",
                'Content-Type: multipart/alternative; boundary="a"',
                "",
                "--b",
                "Content-Type: text/plain",
                "",
                "Mauvaise frontière",
                "--b--",
            ),  # the boundary declared is not the one used
            (
                "Subject: ok",
                'Content-Type: text/plain; charset="=?bad"',
                "Content-Disposition: attachment; filename*=utf-8''%ZZ%E9",
                "",
                "Contenu",
            ),
        ]
        raw = _crlf(*head, *self.random.choice(variants))
        self.add("broken-mime", raw.replace("étrange".encode(), b"\xe9trange"))  # undeclared Latin-1

    def empty(self) -> None:
        _name, address = self.person()
        if self.random.random() < 0.5:
            raw = f"From: {address}\r\nTo: {DESK}\r\nMessage-ID: {self.next_id()}\r\n\r\n".encode()
            self.add("empty", raw)
            return
        message = EmailMessage()
        message["From"], message["To"], message["Message-ID"] = address, DESK, self.next_id()
        pdf = b"%PDF-1.4\n" + base64.b64encode(self.random.randbytes(300))
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename="capture.pdf")
        self.add("file-only", _bytes(message, self.serial))

    def stranger(self) -> None:
        name, address = self.person("inconnu.example")
        subject, body = self.text("fr", name)
        self.add(
            "unknown-domain", self.message(f"{name} <{address}>", subject, body, Message_ID=self.next_id())
        )

    def redelivery(self) -> None:
        earlier = self.random.choice([sample for sample in self.samples if not sample.again])
        relay = f"Received: from relay{self.serial}.example by mx.desk.example; {self.date()}\r\n".encode()
        self.serial += 1
        self.add(earlier.kind, relay + earlier.raw, again=True)


MIX = (
    ("request", 60),
    ("cc-request", 25),
    ("requester-reply", 30),
    ("cc-reply", 20),
    ("forwarded", 20),
    ("reused-id", 15),
    ("without-id", 15),
    ("receipt", 15),
    ("bounce", 15),
    ("auto-reply", 15),
    ("international", 20),
    ("broken", 25),
    ("empty", 10),
    ("stranger", 10),
    ("redelivery", 25),
)


def build_corpus(*, seed: int = 23, size: int = 330) -> list[Sample]:
    """``size`` messages (at least 300 by default) in the proportions of :data:`MIX`, deterministic."""
    writer = _Writer(seed)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    writer.random.shuffle(kinds)
    actions: dict[str, Any] = {
        "request": writer.request,
        "cc-request": lambda: writer.request("cc-request", copied=(writer.person()[1], "req.a2@a.example")),
        "requester-reply": lambda: writer.reply(by_copied=False),
        "cc-reply": lambda: writer.reply(by_copied=True),
        "forwarded": writer.forwarded,
        "reused-id": writer.reused_id,
        "without-id": writer.without_id,
        "receipt": writer.receipt,
        "bounce": writer.bounce,
        "auto-reply": writer.auto_reply,
        "international": writer.international,
        "broken": writer.broken,
        "empty": writer.empty,
        "stranger": writer.stranger,
        "redelivery": writer.redelivery,
    }
    while len(writer.samples) < size:
        actions[kinds[len(writer.samples) % len(kinds)] if writer.samples else "request"]()
    return writer.samples[:size]


def _state() -> dict[str, int]:
    from django.db.models import Sum

    from escalade.mail.models import BouncingAddress, MailMessage, Quarantine
    from escalade.tickets.models import FollowUp, Ticket

    return {
        "tickets": Ticket.objects.count(),
        "follow-ups": FollowUp.objects.count(),
        "records": MailMessage.objects.filter(direction="in").count(),
        "quarantine": Quarantine.objects.count(),
        "bounce counts": BouncingAddress.objects.aggregate(total=Sum("bounces"))["total"] or 0,
    }


def ingest_twice(samples: list[Sample], mailbox: Any) -> Figures:
    """Serve ``samples`` to the poller twice (the second time as a rebuilt folder) and measure."""
    from escalade.mail.imap import mailbox_poll

    figures = Figures(messages=len(samples), kinds=Counter(sample.kind for sample in samples))
    raws = [sample.raw for sample in samples]
    started = time.perf_counter()
    mailbox_poll(mailbox, client=LocalMailbox(list(raws), uidvalidity=1), limit=len(raws))
    figures.seconds.append(time.perf_counter() - started)
    _account(samples, figures)
    before = _state()
    started = time.perf_counter()
    mailbox_poll(mailbox, client=LocalMailbox(list(raws), uidvalidity=2), limit=len(raws))
    figures.seconds.append(time.perf_counter() - started)
    after = _state()
    figures.added_by_second_pass = {name: after[name] - before[name] for name in before}
    return figures


def _account(samples: list[Sample], figures: Figures) -> None:
    """Where each message went: recorded (imported) or quarantined with a reason; else lost."""
    from escalade.mail.models import MailMessage, Quarantine
    from escalade.mail.parsing import read_head
    from escalade.mail.threads import variant_id

    records = dict(MailMessage.objects.filter(direction="in").values_list("digest", "ticket_id"))
    ids = set(MailMessage.objects.filter(direction="in").values_list("message_id", flat=True))
    quarantined = dict(Quarantine.objects.values_list("digest", "reason"))
    figures.without_reason = Quarantine.objects.filter(reason="").count()
    figures.outcomes["of which follow-ups"] = MailMessage.objects.filter(
        direction="in", followup__isnull=False
    ).count()
    for sample in samples:
        head = read_head(sample.raw)
        if head.digest in records or variant_id(head.message_id, head.digest) in ids:
            figures.outcomes["imported"] += 1
        elif head.digest in quarantined:
            figures.outcomes["quarantined"] += 1
            figures.reasons[quarantined[head.digest]] += 1
        elif head.message_id in ids and not records.get(head.digest, True):
            figures.outcomes["imported"] += 1  # recorded before digests were kept
        else:
            figures.lost.append(f"{sample.kind}: {head.message_id}")


def report(figures: Figures) -> str:
    """The figures as a few lines of text (for the test's output and docs/benchmarks.md)."""
    lines = [
        f"messages: {figures.messages} ({', '.join(f'{k} {v}' for k, v in sorted(figures.kinds.items()))})",
        f"outcomes: {dict(figures.outcomes)}; quarantine reasons: {dict(figures.reasons)}",
        f"lost: {len(figures.lost)}; quarantined without a reason: {figures.without_reason}",
        f"added by the second pass: {figures.added_by_second_pass}",
        f"seconds: first pass {figures.seconds[0]:.2f}, second pass {figures.seconds[1]:.2f}",
    ]
    return "\n".join(lines)
