"""End to end, the scaled mode: PostgreSQL + Redis, with a separate web process and worker process.

Needs the PostgreSQL test database and the Redis at ESCALADE_TEST_REDIS_URL; under CI both must be
there (the test fails rather than skips).
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from django.db import connection

from escalade.core.models import WorkerHeartbeat
from tests.e2e.processes import Browser, clean_environment, free_port, running, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("ESCALADE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _require_services() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the scaled mode runs on PostgreSQL; this run uses SQLite")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")


def test_web_and_worker_processes_share_postgres_and_the_redis_queue(tmp_path):
    _require_services()
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = clean_environment(
        ESCALADE_DATA_DIR=str(tmp_path / "data"),
        ESCALADE_DATABASE_URL=database_url,
        ESCALADE_REDIS_URL=REDIS_URL,
        ESCALADE_QUEUE_NAME=f"test-{uuid.uuid4().hex[:8]}",
        ESCALADE_SECRET_KEY="scaled-test-" + "s" * 50,
    )
    port = free_port()
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"

    with (
        running(["serve", "--port", str(port)], env, web_log),
        running(["worker", "--threads", "1"], env, worker_log) as worker,
    ):
        browser = Browser(f"http://127.0.0.1:{port}")
        health = wait_for(lambda: browser.json("/health"), timeout=60, what="/health", log_path=web_log)
        assert health["database"]["vendor"] == "postgresql"
        assert health["queue"]["backend"] == "PriorityRedisHuey"
        assert health["queue"]["ok"] is True

        # The worker enqueues a ping on Redis at start-up and runs it: its heartbeat lands in PostgreSQL.
        heartbeat = wait_for(
            lambda: WorkerHeartbeat.objects.filter(pid=worker.pid).first(),
            timeout=60,
            what="the worker's heartbeat",
            log_path=worker_log,
        )
        assert heartbeat.worker.endswith(f":{worker.pid}")
        health = wait_for(
            lambda: (h := browser.json("/health"))["worker"] and h, timeout=10, what="worker in /health"
        )
        assert health["worker"]["worker"].endswith(f":{worker.pid}")
