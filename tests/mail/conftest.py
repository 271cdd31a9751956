from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import pytest

from escalade.mail.imap import DONE_FLAG
from escalade.mail.models import Mailbox, UnknownSenderPolicy
from escalade.mail.services import mail_ingest
from tests.orgs.factories import OrganisationDomainFactory


def make_message(
    *,
    sender: str = "Alice Requester <req.a@a.example>",
    to: str = "support@desk.example",
    subject: str = "Imprimante en panne",
    body: str = "L'imprimante du 2e étage ne répond plus.",
    message_id: str | None = "<m1@a.example>",
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(1795000000)
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return bytes(message)


@pytest.fixture
def mail_world(world):
    """The shared world, with e-mail domains for clients A and B."""
    OrganisationDomainFactory.create(organisation=world.client_a, domain="a.example")
    OrganisationDomainFactory.create(organisation=world.client_b, domain="b.example")
    return world


@pytest.fixture
def mailbox(mail_world) -> Mailbox:
    return Mailbox.objects.create(
        name="support",
        email="support@desk.example",
        host="127.0.0.1",
        port=1143,
        security="none",
        username="support",
        password="secret",
        organisation=mail_world.client_a,
        unknown_senders=UnknownSenderPolicy.DOMAIN,
    )


def ingest(raw: bytes, mailbox: Mailbox | None = None, **kwargs: Any) -> Any:
    """``mail_ingest`` typed loosely: tests read the outcome's optional fields directly."""
    return mail_ingest(raw, mailbox=mailbox, **kwargs)


@dataclass
class FakeServer:
    """The poller's view of an IMAP folder (see ``escalade.mail.imap.ImapClient``), in memory."""

    messages: list[bytes]
    flagged: list[list[int]] = field(default_factory=list)

    def select_folder(self, folder: str) -> dict[bytes, Any]:
        return {b"UIDVALIDITY": 7}

    def search(self, criteria: Any) -> list[int]:
        done = {uid for uids in self.flagged for uid in uids}
        return [uid for uid in range(1, len(self.messages) + 1) if uid not in done]

    def fetch(self, messages: list[int], data: list[str]) -> dict[int, dict[bytes, Any]]:
        key = b"RFC822.SIZE" if data == ["RFC822.SIZE"] else b"BODY[]"
        return {uid: {key: self.messages[uid - 1] if key == b"BODY[]" else 100} for uid in messages}

    def add_flags(self, messages: list[int], flags: list[bytes]) -> None:
        assert DONE_FLAG in flags
        self.flagged.append(list(messages))

    def move(self, messages: list[int], folder: str) -> None:
        raise NotImplementedError

    def logout(self) -> None:
        return None
