"""The write path under faults, tried as an operator would (issue 13, ADR 0011).

A web process and a worker process in scaled mode (PostgreSQL + a Redis server this test starts itself,
without persistence, so a restart loses whatever was queued), mail to a real SMTP listener. While
clients create tickets and reply through the API, Redis is stopped, then started again empty, then every
PostgreSQL connection of the processes is killed. Afterwards:

* no request that committed answered 5xx (a creation or reply answered 5xx left nothing behind);
* nothing is duplicated (one ticket per creation that succeeded, one follow-up per reply);
* every committed ticket is indexed with every committed reply;
* every notification mail was sent exactly once, and the outbox is empty.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from escalade.api.services import api_token_create
from escalade.core.actors import Actor
from escalade.core.models import OutboxTask
from escalade.mail.models import OutboundMail, OutboundState
from escalade.search.models import SearchDocument
from escalade.tickets.models import FollowUp, Ticket
from tests.e2e.processes import clean_environment, free_port, running, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

LOAD_SECONDS = 16
REDIS_DOWN_AT, REDIS_UP_AT, POSTGRES_KILLED_AT = 3.0, 9.0, 12.0


class Sink:
    """An SMTP server that counts each message it receives by Message-ID."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd
        message_id = message_from_bytes(envelope.original_content or envelope.content)["Message-ID"]
        with self.lock:
            self.received[str(message_id)] += 1
        return "250 OK"


@dataclass
class Outcome:
    """What one API call answered, and the marker that finds what it wrote."""

    kind: str
    marker: str
    status: int
    reference: str = ""


@dataclass
class Load:
    base_url: str
    token: str
    outcomes: list[Outcome] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, {}
        except OSError:
            return 599, {}  # no answer at all: counted as a failure, like a 5xx

    def client(self, number: int) -> None:
        turn = 0
        while not self.stop.is_set():
            turn += 1
            marker = f"c{number}-{turn}-{uuid.uuid4().hex[:8]}"
            with self.lock:
                target = self.references[-1 - number % 3] if len(self.references) > 3 else ""
            if target and turn % 3 == 0:
                body = {"body": f"Toujours en panne {marker}", "kind": "reply"}
                status, _ = self.call(f"/api/tickets/{target}/followups", body)
                outcome = Outcome("reply", marker, status, target)
            else:
                body = {"title": f"Panne {marker}", "description": marker}
                status, answer = self.call("/api/tickets", body)
                outcome = Outcome("create", marker, status, answer.get("reference", ""))
                if status == 201:
                    with self.lock:
                        self.references.append(outcome.reference)
            with self.lock:
                self.outcomes.append(outcome)
            time.sleep(0.02)


def _database_url() -> str:
    settings_dict = connection.settings_dict
    return (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )


def _redis_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _kill_postgres_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _faults(load: Load, redis: list[subprocess.Popen[bytes]], redis_port: int, redis_log: Path) -> int:
    """Run four clients for :data:`LOAD_SECONDS`, stopping Redis, starting it again empty, then killing
    the PostgreSQL connections on the way; returns how many connections were killed."""
    clients = [threading.Thread(target=load.client, args=(n,)) for n in range(4)]
    for client in clients:
        client.start()
    started, killed = time.monotonic(), 0
    time.sleep(REDIS_DOWN_AT)
    redis[0].terminate()
    redis[0].wait(timeout=10)
    time.sleep(max(0.0, REDIS_UP_AT - (time.monotonic() - started)))
    redis[0] = _redis_server(redis_port, redis_log)
    time.sleep(max(0.0, POSTGRES_KILLED_AT - (time.monotonic() - started)))
    killed = _kill_postgres_connections()
    time.sleep(max(0.0, LOAD_SECONDS - (time.monotonic() - started)))
    load.stop.set()
    for client in clients:
        client.join(timeout=60)
    return killed


def _drained() -> bool:
    unsent = OutboundMail.objects.exclude(state=OutboundState.SENT)
    return not OutboxTask.objects.exists() and not unsent.exists()


def _backlog() -> str:
    rows = list(OutboxTask.objects.values_list("task", "attempts", "next_relay_at", "last_error"))
    mails = Counter(OutboundMail.objects.values_list("state", flat=True))
    return f"outbox: {rows[:20]} ({len(rows)} rows); mails: {dict(mails)}"


def _assert_nothing_lost(outcomes: list[Outcome], sink: Sink) -> None:
    created = [o for o in outcomes if o.kind == "create" and o.status == 201]
    replied = [o for o in outcomes if o.kind == "reply" and o.status == 201]
    # No request answered 5xx after its commit: what failed left nothing behind.
    for outcome in (o for o in outcomes if o.status >= 500):
        if outcome.kind == "create":
            assert not Ticket.objects.filter(title=f"Panne {outcome.marker}").exists(), outcome
        else:
            assert not FollowUp.objects.filter(body__contains=outcome.marker).exists(), outcome
    # Nothing duplicated.
    titles = Counter(Ticket.objects.filter(title__startswith="Panne c").values_list("title", flat=True))
    assert sorted(titles) == sorted(f"Panne {o.marker}" for o in created)
    assert set(titles.values()) == {1}
    assert FollowUp.objects.filter(body__contains="Toujours en panne c").count() == len(replied)
    # Every committed ticket is indexed, with every committed reply.
    tickets = dict(Ticket.objects.filter(title__startswith="Panne c").values_list("reference", "pk"))
    documents = dict(
        SearchDocument.objects.filter(kind="ticket", object_id__in=tickets.values()).values_list(
            "object_id", "body"
        )
    )
    assert set(documents) == set(tickets.values())
    for outcome in replied:
        assert outcome.marker in documents[tickets[outcome.reference]], outcome
    # Every notification mail went out exactly once.
    sent = set(OutboundMail.objects.values_list("message_id", flat=True))
    assert len(sent) >= len(created) + len(replied)
    assert set(sink.received) == sent
    assert set(sink.received.values()) == {1}


def test_nothing_committed_is_lost_or_duplicated_when_redis_and_postgres_fail(world, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the scaled mode runs on PostgreSQL; this run uses SQLite")
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is needed (Debian package redis-server)")
        pytest.skip("redis-server is not installed")
    _key_record, key = api_token_create(actor=Actor.system("test"), user=world.requester_a, name="load")
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    redis_port, web_port = free_port(), free_port()
    redis_log, web_log, worker_log = tmp_path / "redis.log", tmp_path / "web.log", tmp_path / "worker.log"
    redis = [_redis_server(redis_port, redis_log)]
    env = clean_environment(
        ESCALADE_DATA_DIR=str(tmp_path / "data"),
        ESCALADE_DATABASE_URL=_database_url(),
        ESCALADE_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        ESCALADE_QUEUE_NAME=f"faults-{uuid.uuid4().hex[:8]}",
        ESCALADE_SECRET_KEY="faults-test-" + "f" * 50,
        ESCALADE_EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        ESCALADE_OUTBOX_RELAY_SECONDS="1",
        ESCALADE_OUTBOX_GRACE_SECONDS="5",
        ESCALADE_LOG_LEVEL="WARNING",
    )
    try:
        with (
            running(["serve", "--port", str(web_port), "--threads", "8"], env, web_log),
            running(["worker", "--threads", "2"], env, worker_log),
        ):
            load = Load(f"http://127.0.0.1:{web_port}", key)
            wait_for(lambda: load.call("/api/tickets", {"title": "Premier"})[0] == 201, timeout=60,
                     what="the web process", log_path=web_log)  # fmt: skip
            killed = _faults(load, redis, redis_port, redis_log)
            assert killed >= 2  # the web and the worker had connections to lose
            statuses = Counter(o.status for o in load.outcomes)
            assert statuses[201] > 60, statuses
            assert set(statuses) <= {201, 500, 503, 599}, statuses
            # Let the relay and the worker catch up with what the outage left behind.
            try:
                wait_for(_drained, timeout=120, what="the outbox to drain and every mail to be sent")
            except AssertionError as error:
                raise AssertionError(f"{_backlog()}\n{worker_log.read_text()[-3000:]}") from error
    finally:
        smtp.stop()
        if redis[0].poll() is None:
            redis[0].terminate()
            redis[0].wait(timeout=10)
    _assert_nothing_lost(list(load.outcomes), sink)
