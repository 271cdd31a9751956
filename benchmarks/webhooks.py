"""Webhook delivery throughput of one worker to a local receiver.

    .venv/bin/python benchmarks/webhooks.py                  # its own database, escalade_bench_webhooks
    .venv/bin/python benchmarks/run.py --only webhooks       # in the suite, on the suite's database

A receiver runs in its own process (``http.server``, HTTP/1.1 keep-alive, answers 200 at once). The
deliveries (a realistic ``ticket.assigned`` body each) are written in one insert, then sent by the
code behind the ``webhooks.deliver`` task, in tasks of 100 as the event path defers them: claim,
sign (Standard Webhooks), POST, record. Measured with one worker thread, then with the worker's
threads (``ESCALADE_WORKER_THREADS``, 2 by default) sharing the work. Reports deliveries/s, the queries
per delivery and the receiver's response time as recorded (p50/p95).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import bench_django  # noqa: E402 - the repository root is on the path just above

RECEIVER = """
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "11")
        self.end_headers()
        self.wfile.write(b'{"ok":true}')
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _body() -> str:
    from escalade.webhooks.payloads import Actor, Change, Envelope, EventData, Reference, TicketData, body_of

    now = dt.datetime.now(dt.UTC)
    ticket = TicketData(
        reference="ESC-2026-004242", title="Imprimante du 2e étage hors ligne", kind="incident",
        state="assigned", priority=3, support_level=1,
        organisation=Reference(id=2, name="Boulangeries Martin"),
        requester=Reference(id=40, name="Léa Bonnet"), team=Reference(id=1, name="Hotline N1"),
        assignee=Reference(id=7, name="Karim Benali"), first_response_due=now, resolution_due=now,
        created_at=now, url="https://desk.example/desk/t/ESC-2026-004242/",
        portal_url="https://desk.example/portal/t/ESC-2026-004242/",
    )  # fmt: skip
    changes = {
        "assignee": Change.model_validate({"from": None, "to": 7}),
        "state": Change.model_validate({"from": "new", "to": "assigned"}),
    }
    data = EventData(
        event_id=1, ticket=ticket, changes=changes, actor=Actor(kind="user", name="Karim Benali")
    )
    return body_of(Envelope(type="ticket.assigned", timestamp=now, data=data))


def _deliveries(subscription: Any, count: int) -> list[int]:
    from django.utils import timezone

    from escalade.webhooks.models import WebhookDelivery
    from escalade.webhooks.services import _message_id

    body, later = _body(), timezone.now() + dt.timedelta(hours=1)
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            subscription=subscription, event_type="ticket.assigned", body=body, message_id=_message_id(),
            next_attempt_at=later,
        )
        for _ in range(count)
    )  # fmt: skip
    return [row.pk for row in rows]


def _send(ids: list[int], threads: int, queries: list[int] | None = None) -> float:
    """Send ``ids`` in tasks of 100 on ``threads`` threads; count their queries into ``queries``."""
    from django.db import close_old_connections, connection

    from escalade.webhooks.delivery import deliveries_send

    tasks = [ids[start : start + 100] for start in range(0, len(ids), 100)]
    lock = threading.Lock()

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if queries is not None:
            with lock:
                queries[0] += 1
        return execute(sql, params, many, context)

    def run(task: list[int]) -> None:
        try:
            with connection.execute_wrapper(count):
                deliveries_send(ids=task)
        finally:
            close_old_connections()

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, tasks))
    return time.perf_counter() - started


def bench_webhooks(_tickets: int = 0, count: int = 3_000, warm_up: int = 200) -> dict[str, Any]:
    from django.conf import settings

    from escalade.core.actors import Actor
    from escalade.webhooks.models import DeliveryState, WebhookDelivery
    from escalade.webhooks.services import subscription_create

    settings.ESCALADE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    port = _free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)], stdout=subprocess.PIPE)
    assert receiver.stdout is not None
    receiver.stdout.readline()  # "ready"
    subscription = subscription_create(
        actor=Actor.system("benchmark"), name="Benchmark receiver", url=f"http://127.0.0.1:{port}/hook",
        event_types=["ticket.*"],
    )  # fmt: skip
    queries = [0]
    try:
        _send(_deliveries(subscription, warm_up), 1)
        one_ids = _deliveries(subscription, count)
        one = _send(one_ids, 1, queries)
        threads = settings.HUEY.get("consumer", {}).get("workers") or int(
            os.environ.get("ESCALADE_WORKER_THREADS", "2")
        )
        many = _send(_deliveries(subscription, count), threads)
        done = WebhookDelivery.objects.filter(subscription=subscription, state=DeliveryState.SUCCEEDED)
        times = sorted(ms or 0 for ms in done.values_list("response_ms", flat=True))
        assert len(times) == warm_up + 2 * count, "every delivery must succeed"
    finally:
        WebhookDelivery.objects.filter(subscription=subscription).delete()
        subscription.delete()  # not possible through the app (webhooks are disabled, never deleted)
        receiver.terminate()
        receiver.wait()
    return {
        "webhooks_per_s_1_thread": round(count / one, 1),
        f"webhooks_per_s_{threads}_threads": round(count / many, 1),
        "webhooks_queries_per_delivery": round(queries[0] / count, 2),
        "webhooks_response_p50_ms": times[len(times) // 2],
        "webhooks_response_p95_ms": times[int(len(times) * 0.95)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=3_000)
    args = parser.parse_args()
    bench_django("bench_webhooks")
    for key, value in bench_webhooks(count=args.count).items():
        print(f"{key:<34}  {value}")


if __name__ == "__main__":
    main()
