"""Alert intake throughput of one worker: a storm of alert notifications deduplicated into incidents.

    .venv/bin/python benchmarks/alerts.py                     # its own database, escalade_bench_alerts
    .venv/bin/python benchmarks/alerts.py --alerts 10000 --fingerprints 50

The code behind the intake endpoint (``alerts.services.alerts_receive``: JSON parsing, one transaction
per alert, the open row locked and counted or the incident created, a ``ticket.alert_*`` event on the
event path) receives Alertmanager bodies of 10 alerts each, as Alertmanager groups them. Reports alert
notifications per second (wall clock, and per second of the worker's own CPU time: on a shared
machine the wall clock mostly measures the wait for a core), the incidents made (one per
fingerprint), the queries per alert, and the p50/p95 time of one body.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import bench_django  # noqa: E402 - the repository root is on the path just above

PER_BODY = 10


def _bodies(count: int, fingerprints: int, run: str) -> list[bytes]:
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": f"Check{n % fingerprints}", "instance": f"srv{n % fingerprints}:9100",
                       "severity": "warning", "run": run},
            "annotations": {"summary": f"Check {n % fingerprints} failing on srv{n % fingerprints}"},
            "startsAt": "2026-12-06T01:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"{run}-{n % fingerprints:04d}",
        }
        for n in range(count)
    ]  # fmt: skip
    return [
        json.dumps(
            {"version": "4", "status": "firing", "receiver": "escalade", "alerts": alerts[i : i + PER_BODY]}
        ).encode()
        for i in range(0, count, PER_BODY)
    ]


def bench_alerts(_tickets: int = 0, count: int = 10_000, fingerprints: int = 50) -> dict[str, Any]:
    from django.db import connection

    from escalade.accounts.models import Role, User
    from escalade.alerts.models import Alert, AlertSource, SourceKind
    from escalade.alerts.services import alerts_receive
    from escalade.orgs.models import Organisation

    organisation, _created = Organisation.objects.get_or_create(
        slug="bench-alerts", defaults={"name": "Bench alerts", "kind": Organisation.Kind.CLIENT}
    )
    manager, _created = User.objects.get_or_create(
        email="bench.alerts@client.example",
        defaults={"full_name": "Bench Alerts", "organisation": organisation, "role": Role.CLIENT_MANAGER},
    )
    source = AlertSource.objects.create(
        name="Benchmark", kind=SourceKind.ALERTMANAGER, organisation=organisation, requester=manager
    )
    run = f"r{int(time.time())}"
    bodies = _bodies(count, fingerprints, run)
    queries = [0]

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    alerts_receive(source=source, body=_bodies(PER_BODY, PER_BODY, run + "w")[0])  # warm up
    queries[0] = 0
    times: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counted):
        for body in bodies:
            one = time.perf_counter()
            alerts_receive(source=source, body=body)
            times.append(time.perf_counter() - one)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    made = Alert.objects.filter(source=source, fingerprint__startswith=run + "-")
    incidents = made.filter(ticket__isnull=False).values("ticket").distinct().count()
    occurrences = sum(made.values_list("occurrences", flat=True))
    assert occurrences == count, f"{occurrences} occurrences counted for {count} alerts"
    times.sort()
    return {
        "alerts_per_s_1_worker": round(count / elapsed, 1),
        "alerts_per_worker_cpu_s": round(count / cpu, 1),  # the worker's own CPU time, the database's aside
        "alerts_incidents": incidents,
        "alerts_fingerprints": fingerprints,
        "alerts_queries_per_alert": round(queries[0] / count, 2),
        "alerts_body_p50_ms": round(times[len(times) // 2] * 1000, 1),
        "alerts_body_p95_ms": round(times[int(len(times) * 0.95)] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--fingerprints", type=int, default=50)
    args = parser.parse_args()
    # The outbox's queue: SQLite in the data directory is enough here.
    bench_django("bench_alerts", ESCALADE_REDIS_URL=None, ESCALADE_LOG_LEVEL="ERROR")
    for key, value in bench_alerts(count=args.alerts, fingerprints=args.fingerprints).items():
        print(f"{key:<30}  {value}")


if __name__ == "__main__":
    main()
