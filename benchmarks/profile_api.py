"""One API request, dissected: its statements and where its Python time goes (issue 20).

Runs in-process on a benchmark database (``escalade_bench_<tickets>``, see run.py) through Django's test
client, so the whole middleware stack and the API run as under a server, minus the HTTP parsing::

    .venv/bin/python benchmarks/profile_api.py --tickets 10000 --op create [--sql] [--profile 30]

``--database NAME`` works on another generated database (``escalade_NAME``).

``--op``: create (POST /api/tickets), reply (a public follow-up), status (a transition), assign
(PATCH with an assignee), list (GET /api/tickets?limit=25), read (one ticket), search. It prints the
statements of one request (``--sql`` prints them), the mean server time over ``--repeat`` requests and,
with ``--profile N``, the N heaviest functions by cumulative time (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import bench_django, bench_name  # noqa: E402 - the repository root is on the path just above


def _setup(tickets: int) -> tuple[Any, dict[str, Any]]:
    from django.test import Client

    from escalade.accounts.models import Role, User
    from escalade.api.services import api_token_create
    from escalade.core.actors import Actor
    from escalade.tickets.choices import OPEN_STATES, State
    from escalade.tickets.models import Ticket

    agent = User.objects.filter(role=Role.AGENT, email__startswith="gen.").order_by("pk")[:1].get()
    requester = User.objects.filter(role=Role.REQUESTER, email__contains="@gen").order_by("pk")[:1].get()
    _row, key = api_token_create(actor=Actor.system("benchmark"), user=agent, name="profile")
    open_refs = list(
        Ticket.objects.filter(state__in=OPEN_STATES, organisation__teams__members=agent)
        .order_by("-pk")
        .values_list("reference", flat=True)[:200]
    )
    Ticket.objects.filter(reference__in=open_refs).update(
        state=State.IN_PROGRESS
    )  # transitions can alternate
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, {"agent": agent, "requester": requester, "refs": open_refs}


def _request(client: Any, op: str, ctx: dict[str, Any], index: int) -> Any:  # noqa: PLR0911 - one per op
    refs = ctx["refs"]
    ref = refs[index % len(refs)]

    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(path, json.dumps(body), content_type="application/json")

    if op == "create":
        body = {
            "title": "Imprimante bloquée au 2e étage",
            "description": "Bourrage papier",
            "requester_id": ctx["requester"].pk,
            "impact": 2,
            "urgency": 2,
        }
        return post("/api/tickets", body)
    if op == "reply":
        return post(f"/api/tickets/{ref}/followups", {"body": "Nous regardons.", "kind": "reply"})
    if op == "status":
        visit = index // len(refs)  # every ticket starts in progress: waiting, then back, then waiting…
        state = "pending_third_party" if visit % 2 == 0 else "in_progress"
        return post(f"/api/tickets/{ref}/transition", {"state": state})
    if op == "assign":
        return client.patch(
            f"/api/tickets/{ref}",
            json.dumps({"assignee_id": ctx["agent"].pk}),
            content_type="application/json",
        )
    if op == "list":
        return client.get("/api/tickets?limit=25")
    if op == "read":
        return client.get(f"/api/tickets/{ref}")
    if op == "search":
        return client.get("/api/search?q=imprimante")
    raise SystemExit(f"unknown op {op}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--op", default="create")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--database", help="escalade_<name> (default: escalade_bench_<tickets>)")
    args = parser.parse_args()
    bench_django(bench_name(args.database, args.tickets))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, ctx = _setup(args.tickets)
    for index in range(10):  # warm-up
        response = _request(client, args.op, ctx, index)
        assert response.status_code < 300, (response.status_code, response.content[:300])
    with CaptureQueriesContext(connection) as captured:
        _request(client, args.op, ctx, 10)
    print(f"{args.op}: {len(captured.captured_queries)} statements")
    if args.sql:
        for query in captured.captured_queries:
            print("  ", query["sql"][:150], "…", query["sql"][-250:])
    started = time.perf_counter()
    cpu = time.process_time()
    for index in range(args.repeat):
        _request(client, args.op, ctx, 11 + index)
    wall = (time.perf_counter() - started) / args.repeat
    print(
        f"mean {wall * 1000:.2f} ms a request, {(time.process_time() - cpu) / args.repeat * 1000:.2f} ms CPU"
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for index in range(args.repeat):
            _request(client, args.op, ctx, 1000 + index)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
