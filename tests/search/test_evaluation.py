"""The quality bar of the issue: recall@5 on the labelled evaluation set (benchmarks/search_eval.jsonl),
≥ 0.9 on PostgreSQL and ≥ 0.8 on SQLite. Runs on the database of the suite (run the suite on both)."""

from __future__ import annotations

import pytest
from benchmarks.search_eval import evaluate, evaluation_set

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
BAR = {"postgresql": 0.9, "sqlite": 0.8}


def test_the_evaluation_set_is_large_and_bilingual():
    cases = evaluation_set()
    assert len(cases) >= 100
    assert {case["language"] for case in cases} == {"fr", "en"}


def test_recall_at_5_meets_the_bar(world, demo_kb):
    users = {
        "fr": world.requester_a,
        "en": UserFactory.create(email="en@a.example", organisation=world.client_a, language="en"),
    }
    report = evaluate(users)
    assert report.recall_at_5 >= BAR[report.backend], report.summary() + f" misses: {report.misses}"
    assert report.mrr >= 0.7, report.summary()
