"""Alert intake: tokens, malformed bodies kept, deduplication by fingerprint, storms, flapping,
maintenance windows, routes and triage, the "resolved" rule, and the generic mapping with recorded
Zabbix, Grafana and Uptime Kuma bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError

from escalade.alerts import services
from escalade.alerts.models import Alert, AlertSource, AlertState, OnResolved, RejectedPayload, SourceKind
from escalade.alerts.normalise import alertmanager_alerts
from escalade.core.actors import Actor
from escalade.tickets.choices import State
from escalade.tickets.models import FollowUp, Ticket
from tests.oncall.helpers import SUNDAY_2H, frozen, resolved_of, sample

pytestmark = pytest.mark.django_db


def _alert(
    name: str, *, instance: str = "db1:9100", status: str = "firing", severity: str = "critical"
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, "instance": instance, "severity": severity},
        "annotations": {"summary": f"{name} on {instance}"},
        "fingerprint": f"{name}-{instance}",
    }


def _body(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {"version": "4", "status": alerts[0]["status"], "receiver": "escalade", "alerts": list(alerts)}


def test_an_unknown_or_disabled_token_is_refused(post, source):
    assert post("nope", _body(_alert("DiskFull"))).status_code == 401
    source.is_active = False
    source.save()
    assert post(source.token, _body(_alert("DiskFull"))).status_code == 401
    assert not Ticket.objects.exists()


def test_the_token_may_come_as_a_bearer_header(client, source):
    response = client.post(
        "/alerts/intake/", _body(_alert("DiskFull")), content_type="application/json",
        headers={"authorization": f"Bearer {source.token}"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["opened"] == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        ([1, 2], "Expected a JSON object"),
        ({"version": "4", "alerts": []}, "No “alerts” list"),
        ({"alerts": [{"status": "firing"}]}, "no labels"),
        ({"alerts": [{"labels": {"a": "b"}, "status": "burning"}]}, "firing/resolved"),
    ],
)
def test_a_malformed_body_gets_a_400_with_the_reason_and_is_kept(post, source, body, reason):
    response = post(source.token, body)
    assert response.status_code == 400
    assert reason in response.json()["message"]
    kept = RejectedPayload.objects.get()
    assert (kept.source, reason in kept.reason) == (source, True)
    assert not Ticket.objects.exists()


def test_one_incident_per_fingerprint_with_its_occurrences(post, source, world):
    assert (
        post(source.token, _body(_alert("DiskFull"), _alert("DiskFull", instance="db2:9100"))).json()[
            "opened"
        ]
        == 2
    )
    assert post(source.token, _body(_alert("DiskFull"))).json()["repeated"] == 1
    assert Ticket.objects.filter(organisation=world.client_a).count() == 2
    assert Alert.objects.get(fingerprint="DiskFull-db1:9100").occurrences == 2


def test_a_storm_of_alerts_with_few_fingerprints_makes_one_incident_each(post, source):
    names = [f"Alert{n}" for n in range(5)]
    storm = [_alert(names[n % 5], instance=f"host{n % 2}") for n in range(200)]  # 10 fingerprints
    for start in range(0, len(storm), 50):
        assert post(source.token, _body(*storm[start : start + 50])).status_code == 200
    assert Ticket.objects.count() == 10
    assert sum(Alert.objects.values_list("occurrences", flat=True)) == 200


def test_a_concurrent_creation_is_counted_on_the_row_the_other_worker_made(monkeypatch, source):
    incoming = alertmanager_alerts(_body(_alert("DiskFull")))[0]
    assert services.alert_receive(source=source, incoming=incoming) == "opened"
    real_open_row = services._open_row
    calls = {"n": 0}

    def blind_first(source: AlertSource, fingerprint: str) -> Alert | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real_open_row(source, fingerprint)

    monkeypatch.setattr(services, "_open_row", blind_first)  # as if the other worker had not committed yet
    monkeypatch.setattr(services, "_recently_resolved", lambda *args: None)
    assert services.alert_receive(source=source, incoming=incoming) == "repeated"
    assert Ticket.objects.count() == 1
    assert Alert.objects.get().occurrences == 2


def test_the_open_alert_constraint_holds_in_the_database(source):
    Alert.objects.create(source=source, fingerprint="x", state=AlertState.FIRING, title="x")
    with pytest.raises(IntegrityError):
        Alert.objects.create(source=source, fingerprint="x", state=AlertState.FIRING, title="x")


def test_resolved_resolves_the_incident_or_adds_a_note_per_rule(post, source):
    post(source.token, _body(_alert("DiskFull")))
    post(source.token, _body(_alert("DiskFull", status="resolved")))
    assert Ticket.objects.get().state == State.RESOLVED
    source.on_resolved = OnResolved.NOTE
    source.save()
    post(source.token, _body(_alert("CpuHot")))
    assert post(source.token, _body(_alert("CpuHot", status="resolved"))).json()["resolved"] == 1
    ticket = Ticket.objects.get(title__startswith="CpuHot")
    assert ticket.state == State.NEW
    assert "resolved" in FollowUp.objects.get(ticket=ticket).body


def test_a_resolved_alert_we_never_saw_firing_is_ignored(post, source):
    assert post(source.token, _body(_alert("Ghost", status="resolved"))).json()["ignored"] == 1
    assert not Ticket.objects.exists()


def test_flapping_reopens_the_same_incident(post, source):
    with frozen(SUNDAY_2H):
        post(source.token, _body(_alert("Flappy")))
        post(source.token, _body(_alert("Flappy", status="resolved")))
    with frozen(SUNDAY_2H + dt.timedelta(minutes=10)):
        assert post(source.token, _body(_alert("Flappy"))).json()["repeated"] == 1
    ticket = Ticket.objects.get()
    assert ticket.state != State.RESOLVED
    assert Alert.objects.get().flaps == 1
    with frozen(SUNDAY_2H + dt.timedelta(minutes=11)):
        post(source.token, _body(_alert("Flappy", status="resolved")))
    with frozen(SUNDAY_2H + dt.timedelta(hours=2)):  # long after the window: a new incident
        assert post(source.token, _body(_alert("Flappy"))).json()["opened"] == 1
    assert Ticket.objects.count() == 2


def test_a_maintenance_window_silences_what_it_covers_then_lets_it_through(post, source, world):
    services.maintenance_create(
        actor=Actor.of(world.supervisor), organisation=world.client_a, reason="Disk replacement",
        starts_at=SUNDAY_2H - dt.timedelta(hours=1), ends_at=SUNDAY_2H + dt.timedelta(hours=1),
        matchers={"instance": "db1:9100"},
    )  # fmt: skip
    with frozen(SUNDAY_2H):
        assert post(source.token, _body(_alert("DiskFull"))).json()["silenced"] == 1
        assert post(source.token, _body(_alert("DiskFull", instance="db2:9100"))).json()["opened"] == 1
    assert Ticket.objects.count() == 1
    with frozen(SUNDAY_2H + dt.timedelta(hours=2)):  # the window is over and db1 still fires
        assert post(source.token, _body(_alert("DiskFull"))).json()["opened"] == 1
    assert Ticket.objects.count() == 2
    assert Alert.objects.get(fingerprint="DiskFull-db1:9100").state == AlertState.FIRING


def test_routes_map_labels_to_priority_and_unknown_ones_wait_in_triage(post, world):
    shared = AlertSource.objects.create(
        name="Shared Alertmanager", kind=SourceKind.ALERTMANAGER,
        routes=[{"match": {"customer": "a"}, "organisation": "client-a", "priority": 2}],
    )  # fmt: skip
    known = {**_alert("DiskFull"), "labels": {"alertname": "DiskFull", "customer": "a"}}
    unknown = {
        **_alert("DiskFull"),
        "labels": {"alertname": "DiskFull", "customer": "zz"},
        "fingerprint": "zz",
    }
    assert post(shared.token, _body(known, unknown)).json() | {} == {
        "opened": 1, "repeated": 0, "resolved": 0, "silenced": 0, "triaged": 1, "ignored": 0
    }  # fmt: skip
    ticket = Ticket.objects.get()
    assert (ticket.organisation, ticket.requester, ticket.priority) == (world.client_a, world.manager_a, 2)
    waiting = Alert.objects.get(state=AlertState.TRIAGE)
    services.alert_triage(actor=Actor.of(world.supervisor), alert=waiting, organisation=world.client_b)
    assert Ticket.objects.get(organisation=world.client_b).requester == world.manager_b


def test_a_clients_token_never_files_into_another_client(post, source, world):
    source.routes = [{"match": {"alertname": "DiskFull"}, "organisation": "client-b"}]
    source.save()
    assert post(source.token, _body(_alert("DiskFull"))).json()["triaged"] == 1
    assert not Ticket.objects.filter(organisation=world.client_b).exists()


# ---------------------------------------------------------------- generic mapping, recorded bodies

GRAFANA = {
    "items": "alerts", "fingerprint": "fingerprint", "status": "status", "resolved_values": ["resolved"],
    "title": "annotations.summary", "description": "annotations.description", "labels": "labels",
}  # fmt: skip
ZABBIX = {
    "fingerprint": "event_id", "status": "event_value", "resolved_values": ["0"], "title": "trigger_name",
    "description": "message",
    "labels": {"host": "host_name", "severity": "severity", "trigger": "trigger_id"},
}  # fmt: skip
UPTIME_KUMA = {
    "fingerprint": "monitor.id", "status": "heartbeat.status", "resolved_values": ["1"],
    "title": "monitor.name",
    "description": "msg", "labels": {"monitor": "monitor.name", "url": "monitor.url", "type": "monitor.type"},
}  # fmt: skip


def _generic(world: Any, mapping: dict[str, Any]) -> AlertSource:
    return AlertSource.objects.create(
        name="Generic", kind=SourceKind.GENERIC, organisation=world.client_a, requester=world.manager_a,
        mapping=mapping,
    )  # fmt: skip


def test_grafana_alerts_open_one_incident_each(post, world):
    source = _generic(world, GRAFANA)
    assert post(source.token, sample("grafana-11-webhook-firing.json")).json()["opened"] == 2
    assert sorted(Ticket.objects.values_list("title", "priority")) == [
        ("CPU above 95% on web3", 1), ("Memory above 92% on web2", 3)
    ]  # fmt: skip
    resolved = resolved_of(sample("grafana-11-webhook-firing.json"))
    assert post(source.token, resolved).json()["resolved"] == 2
    assert set(Ticket.objects.values_list("state", flat=True)) == {State.RESOLVED}


def test_a_zabbix_problem_and_its_recovery(post, world):
    source = _generic(world, ZABBIX)
    assert post(source.token, sample("zabbix-7-webhook-problem.json")).json()["opened"] == 1
    ticket = Ticket.objects.get()
    assert (ticket.title, ticket.priority) == ("Zabbix agent is not available (for 3m)", 2)
    assert Alert.objects.get().labels == {"host": "FS-LYON-01", "severity": "High", "trigger": "23077"}
    assert post(source.token, sample("zabbix-7-webhook-recovery.json")).json()["resolved"] == 1
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED


def test_an_uptime_kuma_monitor_down_then_up(post, world):
    source = _generic(world, UPTIME_KUMA)
    assert post(source.token, sample("uptime-kuma-1.23-webhook-down.json")).json()["opened"] == 1
    assert Alert.objects.get().fingerprint == "7"
    assert post(source.token, sample("uptime-kuma-1.23-webhook-up.json")).json()["resolved"] == 1
    assert Ticket.objects.get().state == State.RESOLVED


def test_a_generic_body_without_the_mapped_status_is_refused(post, world):
    source = _generic(world, ZABBIX)
    response = post(source.token, {"event_id": "1"})
    assert response.status_code == 400
    assert "status" in response.json()["message"]


def test_a_supervisor_sets_a_maintenance_window_from_the_desk(client, post, source, world):
    client.force_login(world.supervisor)
    response = client.post(
        "/desk/alerts/maintenance/",
        {"organisation": world.client_a.pk, "reason": "Remplacement du disque",
         "matchers": "instance=db1:9100", "starts_at": "2026-12-06T01:00", "ends_at": "2026-12-06T04:00"},
    )  # fmt: skip
    assert response.status_code == 302
    with frozen(SUNDAY_2H):
        assert "Remplacement du disque" in client.get("/desk/alerts/maintenance/").content.decode()
    with frozen(SUNDAY_2H):
        assert post(source.token, _body(_alert("DiskFull"))).json()["silenced"] == 1
    client.force_login(world.agent_a)
    assert client.get("/desk/alerts/maintenance/").status_code == 403


def test_a_maintenance_window_must_end_after_it_starts(client, world):
    client.force_login(world.supervisor)
    response = client.post(
        "/desk/alerts/maintenance/",
        {"organisation": world.client_a.pk, "reason": "Oops", "starts_at": "2026-12-06T04:00",
         "ends_at": "2026-12-06T01:00"},
    )  # fmt: skip
    assert response.status_code == 422


def test_an_incident_is_linked_to_the_machine_the_alert_names_in_its_own_client_only(post, source, world):
    from escalade.assets.models import TicketAsset
    from tests.assets.factories import AssetFactory

    mine = AssetFactory.create(organisation=world.client_a, name="DB1.client-a.example", kind="server")
    AssetFactory.create(organisation=world.client_b, name="db2.client-a.example", kind="server")

    post(source.token, _body(_alert("DiskFull", instance="db1.client-a.example:9100")))
    post(source.token, _body(_alert("DiskFull", instance="db2.client-a.example:9100")))  # B's name

    links = TicketAsset.objects.select_related("ticket", "asset")
    assert [(link.ticket.title, link.asset) for link in links] == [
        ("DiskFull on db1.client-a.example:9100", mine)
    ]
    assert Ticket.objects.count() == 2
