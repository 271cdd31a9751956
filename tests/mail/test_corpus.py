"""Every message of the corpus ends as a ticket, a follow-up or a quarantine entry with its reason."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from escalade.mail.models import Quarantine, UnknownSenderPolicy
from escalade.tickets.models import Ticket
from tests.mail.conftest import ingest, make_message

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, str]] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus_box(mail_world, mailbox, settings):
    """Thread root ESC-2026-000001 from req.a; unknown senders go to client A; small attachment limit."""
    settings.ESCALADE_ATTACHMENT_MAX_BYTES = 256 * 1024
    mailbox.unknown_senders = UnknownSenderPolicy.DEFAULT_ORGANISATION
    mailbox.save()
    root = ingest(make_message(message_id="<thread-root@a.example>", subject="Imprimante"), mailbox=mailbox)
    Ticket.objects.filter(pk=root.ticket.pk).update(reference="ESC-2026-000001")
    return mailbox


def test_the_corpus_is_big_enough():
    assert len(EXPECTED) >= 60
    assert sorted(EXPECTED) == sorted(path.name for path in CORPUS.glob("*.eml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(corpus_box, name):
    expected = EXPECTED[name]
    outcome = ingest((CORPUS / name).read_bytes(), mailbox=corpus_box)
    assert outcome.kind == expected["outcome"], (outcome, outcome.quarantine and outcome.quarantine.detail)
    if outcome.kind == "quarantine":
        assert outcome.reason == expected["reason"]
        assert outcome.quarantine.raw.size > 0
    elif outcome.kind == "followup":
        assert outcome.ticket.reference == "ESC-2026-000001"
    if "contains" in expected:
        shown = (
            outcome.followup.body if outcome.followup else outcome.ticket.description + outcome.ticket.title
        )
        assert expected["contains"] in shown


def test_whole_corpus_in_one_batch(corpus_box, settings):
    settings.ESCALADE_MAIL_RATE_PER_HOUR = 1000
    started = time.monotonic()
    kinds = [ingest(path.read_bytes(), mailbox=corpus_box).kind for path in sorted(CORPUS.glob("*.eml"))]
    elapsed = time.monotonic() - started
    assert "duplicate" not in kinds
    assert kinds.count("quarantine") == Quarantine.objects.count()
    print(f"\ncorpus: {len(kinds)} messages in {elapsed:.2f} s ({len(kinds) / elapsed:.0f}/s)")  # noqa: T201
