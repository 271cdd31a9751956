"""/health tells a load balancer whether the database and the queue answer."""

from __future__ import annotations

import pytest
from huey.contrib.djhuey import HUEY

from escalade.core.tasks import worker_ping

pytestmark = pytest.mark.django_db


def test_health_reports_database_queue_and_worker(client):
    worker_ping()  # the queue runs inline in tests: this is what a worker does at start-up

    response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] in {"postgresql", "sqlite"}
    assert body["queue"] == {"ok": True, "backend": type(HUEY).__name__, "pending": 0, "immediate": True}
    assert body["worker"]["last_seen"] is not None
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_is_503_when_the_queue_is_down(client, monkeypatch):
    def broken() -> int:
        raise ConnectionError("redis: connection refused")

    monkeypatch.setattr(HUEY, "pending_count", broken)

    response = client.get("/health")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["queue"]["error"] == "redis: connection refused"


def test_health_needs_no_login_and_reveals_no_data(client, world):
    response = client.get("/health")

    assert response.status_code == 200
    assert "Client A" not in response.content.decode()
