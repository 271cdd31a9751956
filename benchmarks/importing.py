"""The import benchmark: a whole migration of ``--rows`` tickets into a fresh database.

Run by ``benchmarks/run.py --only import`` in a process of its own (its own database,
``escalade_import_<rows>``, created anew each time), or alone::

    .venv/bin/python benchmarks/importing.py --rows 1000000

The database gets the organisations, people and teams of ``escalade generate`` (a few tickets), then
one JSON Lines file of ``rows`` tickets (each with a follow-up) is imported with ``escalade.importer``,
the code behind ``escalade import``. Printed as JSON: the overall rate and the rate of the first and
the last batches (the import must not slow down as the tables grow).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ESCALADE = str(Path(sys.executable).with_name("escalade"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import bench_env  # noqa: E402 - the repository root is on the path just above


def _env(rows: int) -> dict[str, str]:
    return bench_env(f"import_{rows}")


def _psql(*args: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", *args], check=True)


def _fresh_database(rows: int) -> dict[str, str]:
    env = _env(rows)
    _psql("-c", f"DROP DATABASE IF EXISTS escalade_import_{rows}")
    _psql("-c", f"CREATE DATABASE escalade_import_{rows}")
    subprocess.run([ESCALADE, "manage", "migrate", "-v0"], env=env, check=True)
    subprocess.run([ESCALADE, "generate", "--tickets", "100"], env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def _source(path: Path, rows: int, emails: list[str]) -> None:
    stamp = int(time.time())
    with path.open("w", encoding="utf-8") as handle:
        for index in range(rows):
            row = {
                "external_id": f"bench-{stamp}-{index}",
                "title": f"Ticket importé {index} : imprimante du 2e étage",
                "description": "Bourrage papier récurrent sur l'imprimante partagée.",
                "requester_email": emails[index % len(emails)],
                "created_at": f"2025-{1 + index % 12:02d}-{1 + index % 28:02d}T10:00:00+02:00",
                "state": "closed",
                "solution": "Rouleau d'entraînement remplacé.",
                "followups": [{"body": "Bonjour, c'est réglé.", "created_at": "2025-06-02T11:00:00+02:00"}],
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def run(rows: int) -> dict[str, Any]:
    env = _fresh_database(rows)
    os.environ.update(env)
    import django

    django.setup()
    from escalade.accounts.models import Role, User
    from escalade.importer.load import import_tickets

    requesters = User.objects.filter(role=Role.REQUESTER, email__contains="@gen")
    emails = list(requesters.values_list("email", flat=True)[:500])
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "tickets.jsonl"
        _source(path, rows, emails)
        started = time.perf_counter()
        report = import_tickets(path=path)
        elapsed = time.perf_counter() - started
    rates = report.batch_rates
    edge = max(1, min(5, len(rates) // 10))
    return {
        "import": {
            "rows": rows,
            "imported": report.imported,
            "rejected": len(report.rejected),
            "tickets_per_s": round(report.imported / elapsed),
            "first_batches_per_s": round(statistics.mean(rates[:edge])),
            "last_batches_per_s": round(statistics.mean(rates[-edge:])),
            "seconds": round(elapsed),
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    result = run(args.rows)
    if not args.keep:
        from django.db import connections

        connections.close_all()
        _psql("-c", f"DROP DATABASE IF EXISTS escalade_import_{args.rows}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
