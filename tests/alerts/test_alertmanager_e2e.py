"""End to end with a real Prometheus Alertmanager (the Debian ``prometheus-alertmanager`` package,
started here): an alert pushed to it reaches Escalade's intake as its webhook, opens one incident for
the source's client, and Alertmanager's "resolved" notification resolves it.

Outside CI a missing Alertmanager skips the test with the reason; under ``CI=true`` it fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from escalade.alerts.models import Alert, AlertSource, AlertState, SourceKind
from escalade.tickets.choices import Channel, State
from escalade.tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BINARY = "prometheus-alertmanager"
PORTS = range(18310, 18320)  # this suite's share of the helpers' port range
CONFIG = """\
route:
  receiver: escalade
  group_by: ['alertname', 'instance']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: escalade
    webhook_configs:
      - url: {url}
        send_resolved: true
"""


def _port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS}")


def _wait(predicate: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def alertmanager(tmp_path: Path, live_server: Any, world: Any) -> Iterator[tuple[str, AlertSource]]:
    """A running Alertmanager whose one receiver is the intake address of a client A source."""
    if shutil.which(BINARY) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{BINARY} is not installed (scripts/system-packages.txt)")
        pytest.skip(f"{BINARY} not installed: apt-get install {BINARY} (scripts/system-packages.txt)")
    source = AlertSource.objects.create(
        name="Prometheus A",
        kind=SourceKind.ALERTMANAGER,
        organisation=world.client_a,
        requester=world.manager_a,
    )
    (tmp_path / "alertmanager.yml").write_text(
        CONFIG.format(url=f"{live_server.url}/alerts/intake/{source.token}/")
    )
    port = _port()
    address = f"http://127.0.0.1:{port}"
    log = (tmp_path / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [BINARY, f"--config.file={tmp_path / 'alertmanager.yml'}", f"--storage.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", f"--web.external-url={address}",
         "--cluster.listen-address="],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait(lambda: _ready(address), timeout=20, what="Alertmanager ready")
        yield address, source
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _ready(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"{address}/-/ready", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _push(address: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(
        f"{address}/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def test_a_real_alertmanager_opens_and_resolves_an_incident(alertmanager, world):
    address, source = alertmanager
    labels = {
        "alertname": "DiskFull",
        "instance": "db1.client-a.example:9100",
        "job": "node",
        "severity": "critical",
    }
    started = dt.datetime.now(dt.UTC)
    alert = {
        "labels": labels, "annotations": {"summary": "Disk / is 97% full"},
        "startsAt": started.isoformat().replace("+00:00", "Z"), "generatorURL": "http://prometheus.example/graph",
    }  # fmt: skip
    _push(address, [alert])

    ticket = _wait(
        lambda: Ticket.objects.filter(organisation=world.client_a).first(), timeout=30, what="incident"
    )
    assert (ticket.title, ticket.channel, ticket.priority) == ("Disk / is 97% full", Channel.MONITORING, 1)
    row = Alert.objects.get(source=source)
    assert row.labels == labels

    ended = dt.datetime.now(dt.UTC)
    _push(address, [{**alert, "endsAt": ended.isoformat().replace("+00:00", "Z")}])
    _wait(
        lambda: Ticket.objects.filter(pk=ticket.pk, state=State.RESOLVED).exists(), timeout=30,
        what="the incident resolved by Alertmanager's resolved notification",
    )  # fmt: skip
    assert Alert.objects.get(source=source).state == AlertState.RESOLVED
    assert Ticket.objects.count() == 1
