"""Issue 23's intake benchmark as a test: 330 new messages of every kind, polled twice, nothing lost,
nothing doubled, every quarantine entry with its reason (``benchmarks/mail_corpus.py``)."""

from __future__ import annotations

import pytest
from benchmarks.mail_corpus import build_corpus, ingest_twice, report

from escalade.mail.models import Quarantine
from tests.orgs.factories import OrganisationDomainFactory

pytestmark = pytest.mark.django_db


def test_the_corpus_is_large_and_varied_and_the_same_every_time():
    first, second = build_corpus(), build_corpus()
    assert len(first) >= 300
    assert [sample.raw for sample in first] == [sample.raw for sample in second]
    assert len({sample.kind for sample in first}) >= 15


def test_the_corpus_ingested_twice_loses_nothing_and_doubles_nothing(mail_world, mailbox, capsys):
    OrganisationDomainFactory.create(organisation=mail_world.client_a, domain="xn--rsum-bpad.example")
    samples = build_corpus()
    figures = ingest_twice(samples, mailbox)
    with capsys.disabled():
        print("\n" + report(figures))  # noqa: T201 - the benchmark's figures, for docs/benchmarks.md
    assert figures.lost == []
    assert figures.without_reason == 0
    assert set(figures.added_by_second_pass.values()) == {0}, figures.added_by_second_pass
    assert figures.outcomes["imported"] + figures.outcomes["quarantined"] == len(samples)
    # Replies from requesters and from the colleagues they copied join their threads.
    replies = sum(1 for s in samples if s.kind in {"requester-reply", "cc-reply"} and not s.again)
    assert figures.outcomes["of which follow-ups"] >= replies
    # Automatic mail and strangers are quarantined, never imported; people's mail is imported.
    automatic = {"read-receipt", "bounce", "auto-reply", "unknown-domain"}
    assert figures.outcomes["quarantined"] == sum(1 for s in samples if s.kind in automatic)
    assert set(Quarantine.objects.values_list("reason", flat=True)) == {
        "receipt",
        "bounce",
        "auto_reply",
        "unknown_sender",
    }
