"""Demo data for alerts: an Alertmanager source for the French demo client and an Uptime Kuma source
(generic mapping) for the English one, and a few past alerts: a disk-full alert one Sunday at 02:00
that paged the person on call, repeated, and resolved itself, and a website check that flapped.
Written in the past through the real services (``demo.travel``); idempotent."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from escalade.accounts.models import User
from escalade.alerts.models import AlertSource, SourceKind
from escalade.alerts.services import alerts_receive, source_create
from escalade.oncall.models import Paging
from escalade.oncall.services import paging_acknowledge
from escalade.orgs.models import Organisation

if TYPE_CHECKING:
    from escalade.demo import DemoContext

UPTIME_KUMA = {
    "fingerprint": "monitor.id", "status": "heartbeat.status", "resolved_values": ["1"],
    "title": "monitor.name", "description": "msg",
    "labels": {"monitor": "monitor.name", "url": "monitor.url", "type": "monitor.type"},
}  # fmt: skip


def _alertmanager(status: str) -> bytes:
    return json.dumps({
        "version": "4", "status": status, "receiver": "escalade",
        "alerts": [{
            "status": status,
            "labels": {"alertname": "DiskFull", "instance": "srv-caisse-01:9100", "severity": "critical"},
            "annotations": {"summary": "Disque / plein à 97 % sur srv-caisse-01",
                            "description": "Il reste 3 % sur / (serveur de caisses, boutique de Lyon)."},
            "fingerprint": "demo-diskfull-caisse01",
        }],
    }).encode()  # fmt: skip


def _kuma(status: int) -> bytes:
    return json.dumps({
        "heartbeat": {"monitorID": 3, "status": status, "msg": "timeout of 48000ms exceeded" if not status else "200 - OK"},
        "monitor": {"id": 3, "name": "Northwind web shop", "url": "https://shop.northwind.example", "type": "http"},
        "msg": "[Northwind web shop] " + ("[Down] timeout" if not status else "[Up] 200 - OK"),
    }).encode()  # fmt: skip


def _sunday_two_am() -> dt.datetime:
    today = timezone.localdate()
    sunday = today - dt.timedelta(days=today.weekday() + 8)  # the Sunday of the week before last
    return dt.datetime.combine(sunday, dt.time(2), tzinfo=timezone.get_current_timezone())


def load(context: DemoContext) -> None:
    from escalade.demo import travel  # noqa: PLC0415 - the demo module imports every loader

    if AlertSource.objects.filter(name__startswith="Prometheus Lemoine").exists():
        return
    lemoine = Organisation.objects.get(slug="lemoine")
    northwind = Organisation.objects.get(slug="northwind")
    prometheus = source_create(
        actor=context.actor, name="Prometheus Lemoine (Alertmanager)", kind=SourceKind.ALERTMANAGER,
        organisation=lemoine, requester=User.objects.filter(email="direction@lemoine-boulangeries.example").first(),
    )  # fmt: skip
    kuma = source_create(
        actor=context.actor, name="Uptime Kuma Northwind", kind=SourceKind.GENERIC, organisation=northwind,
        mapping=UPTIME_KUMA,
    )  # fmt: skip
    night = _sunday_two_am()
    steps: list[tuple[dt.timedelta, AlertSource, bytes]] = [
        (dt.timedelta(0), prometheus, _alertmanager("firing")),
        (dt.timedelta(minutes=10), prometheus, _alertmanager("firing")),
        (dt.timedelta(minutes=45), prometheus, _alertmanager("resolved")),
        (dt.timedelta(days=3, hours=14), kuma, _kuma(0)),
        (dt.timedelta(days=3, hours=14, minutes=6), kuma, _kuma(1)),
        (dt.timedelta(days=3, hours=14, minutes=9), kuma, _kuma(0)),
        (dt.timedelta(days=3, hours=14, minutes=20), kuma, _kuma(1)),
    ]
    for offset, source, body in steps:
        with travel(night + offset):
            alerts_receive(source=source, body=body)
            if offset == dt.timedelta(minutes=10):
                _acknowledge(context)
    context.objects["alert_sources"] = [prometheus, kuma]


def _acknowledge(context: Any) -> None:
    paging = (
        Paging.objects.filter(acknowledged_at__isnull=True, closed_at__isnull=True).order_by("-id").first()
    )
    if paging is not None:
        page = paging.pages.select_related("user").first()
        if page is not None:
            from escalade.core.actors import Actor  # noqa: PLC0415

            paging_acknowledge(actor=Actor.of(page.user), paging=paging)
