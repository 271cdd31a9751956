"""A busy desk's mixed traffic against the real servers, with locust (issue 20).

Agents browsing queues and tickets, searching and replying, portal users and API clients (see
``benchmarks/locustfile.py``), at a target rate, on the benchmark database ``escalade_bench_<tickets>``::

    .venv/bin/python benchmarks/mixed_load.py --tickets 10000 --rate 50 --minutes 2
    .venv/bin/python benchmarks/mixed_load.py --tickets 1000000 --rate 200 --minutes 10   # a quiet machine
    .venv/bin/python benchmarks/mixed_load.py --database escalade_mine --port 18400 --rate 10 --minutes 0.3

The server is the production one (``--server``, as ``benchmarks/throughput.py`` runs it) with one
``escalade worker``. It reports, per page type, the request count, p50/p95/p99 and failures, the
achieved rate, and the web processes' resident memory sampled every 10 seconds (it should stay flat).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import bench_django, bench_name  # noqa: E402 - the repository root is on the path just above
from benchmarks.throughput import BIN, PORT, escalade, rss_mb  # noqa: E402

PACE = 2.0  # seconds between two requests of one simulated user


def _session(user: Any) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def fixtures(agents: int, portal: int) -> dict[str, Any]:
    """Sessions of generated agents with their teams' open tickets, of the requesters with the most
    tickets, and an API token."""
    from django.db.models import Count

    from escalade.accounts.models import Role, User
    from escalade.api.services import api_token_create
    from escalade.core.actors import Actor
    from escalade.tickets.choices import OPEN_STATES
    from escalade.tickets.models import Ticket

    staff = list(
        User.objects.filter(role=Role.AGENT, email__startswith="gen.", is_active=True).order_by("pk")
    )
    found: dict[str, Any] = {"agents": [], "portal": []}
    for agent in staff[:agents]:
        refs = list(
            Ticket.objects.filter(state__in=OPEN_STATES, team__memberships__user=agent)
            .order_by("-pk")
            .values_list("reference", flat=True)[:50]
        )
        if refs:
            found["agents"].append({"session": _session(agent), "refs": refs})
    busiest = (
        Ticket.objects.filter(requester__role=Role.REQUESTER)
        .values("requester")
        .annotate(count=Count("id"))
        .order_by("-count")
        .values_list("requester", flat=True)[:portal]
    )
    for person in User.objects.filter(pk__in=list(busiest)):
        refs = list(
            Ticket.objects.filter(requester=person).order_by("-pk").values_list("reference", flat=True)[:20]
        )
        found["portal"].append({"session": _session(person), "refs": refs})
    requester = User.objects.filter(role=Role.REQUESTER, email__contains="@gen").order_by("pk")[:1].get()
    _row, key = api_token_create(actor=Actor.system("benchmark"), user=staff[0], name="mixed load")
    api_refs = [ref for agent in found["agents"][:3] for ref in agent["refs"]]
    found["api"] = {"key": key, "requester": requester.pk, "refs": api_refs}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0, help="target requests per second")
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--server", default="gunicorn")
    parser.add_argument("--database", help="escalade_<name> (default: escalade_bench_<tickets>)")
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    name = bench_name(args.database, args.tickets)
    bench_django(name)
    users = max(1, round(args.rate * PACE))
    data = fixtures(agents=50, portal=50)
    workdir = Path(tempfile.mkdtemp(prefix="escalade-mixed-"))
    (workdir / "fixtures.json").write_text(json.dumps(data))
    memory: list[tuple[int, float]] = []
    with escalade(args.server, name, args.port) as (pids, _worker):
        stop = threading.Event()

        def sample() -> None:
            started = time.monotonic()
            while not stop.wait(10):
                memory.append((round(time.monotonic() - started), rss_mb(pids)))

        sampler = threading.Thread(target=sample, daemon=True)
        memory.append((0, rss_mb(pids)))
        sampler.start()
        subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
             "--host", f"http://127.0.0.1:{args.port}", "--users", str(users),
             "--spawn-rate", str(max(1, users // 10)),
             "--run-time", f"{round(args.minutes * 60)}s", "--csv", str(workdir / "run"), "--only-summary"],
            env={**os.environ, "ESCALADE_MIXED_FIXTURES": str(workdir / "fixtures.json"),
                 "ESCALADE_MIXED_PACE": str(PACE)},
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        stop.set()
        memory.append((-1, rss_mb(pids)))
    rows = list(csv.DictReader((workdir / "run_stats.csv").open()))
    pages = {
        row["Name"]: {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }
        for row in rows
    }
    total = pages.pop("Aggregated")
    result = {
        "tickets": args.tickets,
        "database": f"escalade_{name}",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "server": args.server,
        "users": users,
        "target_per_s": args.rate,
        "achieved_per_s": round(total["requests"] / (args.minutes * 60), 1),
        "total": total,
        "pages": pages,
        "web_rss_mb_over_time": memory,
    }
    out = ROOT / "benchmarks" / "results" / f"mixed-{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
