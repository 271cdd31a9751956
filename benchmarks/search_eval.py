"""Search quality on the labelled evaluation set: recall@5 and MRR for the current database's backend.

    ESCALADE_TEST_DB=sqlite   .venv/bin/python benchmarks/search_eval.py
    ESCALADE_TEST_DB=postgres ESCALADE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/escalade \\
        .venv/bin/python benchmarks/search_eval.py [--verbose]

Creates a fresh test database, loads the demo knowledge base through the real services, and asks each
query as a requester whose language is the query's (permissions apply, as in the portal). A query is
answered when one of its expected articles (either language version) is in the first five hits.
``tests/search/test_evaluation.py`` runs the same evaluation and holds the quality bar.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EVALUATION_SET = Path(__file__).with_name("search_eval.jsonl")
# Issue 23's harder set: written apart from the articles, each query with its kind (plain, typo,
# accents, jargon, cross, identifier, long) and a share that nothing answers (kind "negative").
HARD_SET = Path(__file__).with_name("search_eval_hard.jsonl")
CUTOFF = 5


@dataclass
class Report:
    backend: str
    queries: int = 0
    found: int = 0
    reciprocal_ranks: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def recall_at_5(self) -> float:
        return self.found / self.queries if self.queries else 0.0

    @property
    def mrr(self) -> float:
        return statistics.fmean(self.reciprocal_ranks) if self.reciprocal_ranks else 0.0

    def summary(self) -> str:
        latencies = sorted(self.latencies_ms)
        p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
        return (
            f"{self.backend}: {self.queries} queries, recall@{CUTOFF} {self.recall_at_5:.3f}, "
            f"MRR {self.mrr:.3f}, latency mean {statistics.fmean(latencies or [0]):.1f} ms, p95 {p95:.1f} ms"
        )


def evaluation_set(path: Path = EVALUATION_SET) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@dataclass
class KindScore:
    """One kind of query's figures: recall at 1 and 5, MRR; for negatives, the share rejected."""

    queries: int = 0
    first: int = 0
    five: int = 0
    reciprocal: float = 0.0
    rejected: int = 0

    def line(self, kind: str) -> str:
        if kind == "negative":
            return f"{kind:11} {self.queries:4}  rejected {self.rejected / self.queries:.3f}"
        n = self.queries
        recall = f"R@1 {self.first / n:.3f}  R@5 {self.five / n:.3f}"
        return f"{kind:11} {n:4}  {recall}  MRR {self.reciprocal / n:.3f}"


@dataclass
class HardReport:
    backend: str
    kinds: dict[str, KindScore] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)

    @property
    def answerable(self) -> KindScore:
        total = KindScore()
        for kind, score in self.kinds.items():
            if kind != "negative":
                total.queries += score.queries
                total.first += score.first
                total.five += score.five
                total.reciprocal += score.reciprocal
        return total

    def summary(self) -> str:
        latencies = sorted(self.latencies_ms)
        p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
        lines = [f"{self.backend}: latency p95 {p95:.1f} ms", self.answerable.line("answerable")]
        lines += [self.kinds[kind].line(kind) for kind in sorted(self.kinds)]
        return "\n".join(lines)


def evaluate_hard(users: dict[str, Any], path: Path = HARD_SET) -> HardReport:
    """Ask every query of the hard set as ``users[language]``: R@1, R@5, MRR per kind; a negative is
    rejected when no article comes back (the portal then says so and offers to open a request)."""
    from django.db import connection

    from escalade.search.selectors import search

    report = HardReport(backend=connection.vendor)
    for case in evaluation_set(path):
        started = time.perf_counter()
        hits = search(query=case["query"], user=users[case["language"]], types=["article"], limit=10)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        keys = [hit.key for hit in hits]
        score = report.kinds.setdefault(case["kind"], KindScore())
        score.queries += 1
        if not case["expected"]:
            score.rejected += not keys
            if keys:
                report.misses.append((case["kind"], case["query"], keys[:CUTOFF]))
            continue
        rank = next((i for i, key in enumerate(keys, 1) if key in case["expected"]), None)
        score.first += rank == 1
        score.five += rank is not None and rank <= CUTOFF
        score.reciprocal += 1 / rank if rank else 0.0
        if rank != 1:
            report.misses.append((case["kind"], case["query"], keys[:CUTOFF]))
    return report


def evaluate(users: dict[str, Any]) -> Report:
    """Ask every query as ``users[language]``; the knowledge base must already be loaded."""
    from django.db import connection

    from escalade.search.selectors import search

    report = Report(backend=connection.vendor)
    for case in evaluation_set():
        started = time.perf_counter()
        hits = search(query=case["query"], user=users[case["language"]], types=["article"], limit=10)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        keys = [hit.key for hit in hits]
        rank = next((i for i, key in enumerate(keys, 1) if key in case["expected"]), None)
        report.queries += 1
        report.found += rank is not None and rank <= CUTOFF
        report.reciprocal_ranks.append(1 / rank if rank else 0.0)
        if rank is None or rank > CUTOFF:
            report.misses.append((case["query"], keys[:CUTOFF]))
    return report


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection

    from escalade.accounts.models import Role
    from escalade.kb.demo import articles_load
    from tests.accounts.factories import StaffFactory, UserFactory
    from tests.orgs.factories import OrganisationFactory, ProviderFactory

    if connection.vendor == "postgresql":  # never the test suite's database
        test_settings = connection.settings_dict["TEST"]
        connection.settings_dict["TEST"] = {**test_settings, "NAME": "escalade_search_eval"}
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        ProviderFactory.create()
        client = OrganisationFactory.create(name="Client", slug="client")
        author = StaffFactory.create(email="author@provider.example")
        reviewer = StaffFactory.create(email="reviewer@provider.example", role=Role.SUPERVISOR)
        articles_load(author=author, reviewer=reviewer)
        users = {
            language: UserFactory.create(
                email=f"{language}@client.example", organisation=client, language=language
            )
            for language in ("fr", "en")
        }
        report = evaluate(users)
        hard = evaluate_hard(users)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(report.summary())
    print(hard.summary())
    if "--verbose" in sys.argv:
        for query, keys in report.misses:
            print(f"  miss: {query!r} → {keys}")
        for kind, query, keys in hard.misses:
            print(f"  hard {kind}: {query!r} → {keys}")


if __name__ == "__main__":
    main()
