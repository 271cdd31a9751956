"""The reports API by role × organisation: the dashboard (staff; an agent their own part), the figures
with the desk's filters, the sent monthly reports and their PDF (a client manager: their own only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from escalade.reports.models import DailyRollup, MonthlyReport
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db
ROLES = ["requester_a", "manager_a", "manager_b", "agent_a", "agent_b", "supervisor", "administrator"]


@pytest.fixture
def api(client) -> Api:
    return Api(client=client)


@pytest.fixture
def reports(world) -> dict[str, MonthlyReport]:
    """A sent report for each client, and a draft for client A."""
    found = {}
    for name, organisation in (("a", world.client_a), ("b", world.client_b)):
        report = MonthlyReport.objects.create(
            organisation=organisation, month=dt.date(2026, 10, 1), sent_at=timezone.now()
        )
        report.pdf.save(f"{name}.pdf", ContentFile(f"%PDF-1.4 report {name}".encode()), save=True)
        found[name] = report
    found["draft"] = MonthlyReport.objects.create(organisation=world.client_a, month=dt.date(2026, 11, 1))
    return found


@pytest.fixture
def rollups(world) -> None:
    today = timezone.localdate()
    for organisation, created in ((world.client_a, 3), (world.client_b, 5)):
        DailyRollup.objects.create(
            day=today, organisation_id=organisation.pk, channel="email", created=created, resolved=1
        )


DASHBOARD = {"agent_a": 200, "agent_b": 200, "supervisor": 200, "administrator": 200}


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_by_role(api: Api, world, rollups, role):
    answer = api.get("/api/reports/dashboard", world.person(role))
    assert answer.status_code == DASHBOARD.get(role, 403)
    if answer.status_code == 200:
        body = answer.json()
        expected = {"agent_a": 3, "agent_b": 5}.get(role, 8)  # an agent: the clients they serve
        assert body["intake_today"] == expected
        assert body["is_whole_desk"] == (role in {"supervisor", "administrator"})


FIGURES = {"manager_a": 3, "manager_b": 5, "supervisor": 8, "administrator": 8}


@pytest.mark.parametrize("role", ROLES)
def test_figures_by_role(api: Api, world, rollups, role):
    answer = api.get("/api/reports/figures", world.person(role))
    if role not in FIGURES:
        assert answer.status_code == 403
        return
    assert answer.status_code == 200
    assert answer.json()["counters"]["created"] == FIGURES[role]


def test_a_client_manager_cannot_ask_for_another_client(api: Api, world, rollups):
    other = api.get("/api/reports/figures", world.manager_a, organisation_id=world.client_b.pk)
    assert other.status_code == 404
    own = api.get("/api/reports/figures", world.manager_a, organisation_id=world.client_a.pk)
    assert own.json()["counters"]["created"] == 3
    supervisor = api.get("/api/reports/figures", world.supervisor, organisation_id=world.client_b.pk)
    assert supervisor.json()["counters"]["created"] == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"organisation_id": 2**70}, "organisation_id"),
        ({"team_id": 0}, "team_id"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end"),
        ({"start": "2020-01-01", "end": "2026-02-01"}, "end"),
        ({"channel": "pigeon"}, "channel"),
    ],
    ids=["huge-client", "zero-team", "reversed", "too-long", "channel"],
)
def test_bad_figures_input_is_a_422(api: Api, world, params, field):
    answer = api.get("/api/reports/figures", world.supervisor, **params)
    assert answer.status_code == 422
    assert answer.json()["field"] == field


MONTHLY = {"manager_a": {"a"}, "manager_b": {"b"}, "supervisor": {"a", "b"}, "administrator": {"a", "b"}}


@pytest.mark.parametrize("role", ROLES)
def test_monthly_reports_by_role(api: Api, world, reports, role):
    answer = api.get("/api/reports/monthly", world.person(role))
    if role not in MONTHLY:
        assert answer.status_code == 403
        return
    ids = {item["id"] for item in answer.json()["items"]}
    assert ids == {reports[name].pk for name in MONTHLY[role]}  # sent ones only, never the draft


@pytest.mark.parametrize("role", ROLES)
def test_monthly_report_pdf_by_role(api: Api, world, reports, role):
    for name in ("a", "b"):
        answer = api.get(f"/api/reports/monthly/{reports[name].pk}/pdf", world.person(role))
        if role not in MONTHLY:
            assert answer.status_code == 403
        elif name in MONTHLY[role]:
            assert answer.status_code == 200
            assert answer.content == f"%PDF-1.4 report {name}".encode()  # as sent, not recomputed
        else:
            assert answer.status_code == 404
    draft = api.get(f"/api/reports/monthly/{reports['draft'].pk}/pdf", world.supervisor)
    assert draft.status_code == 404


def test_monthly_reports_page_by_keyset(api: Api, world, reports):
    first = api.get("/api/reports/monthly", world.supervisor).json()
    assert first["next_before"] is None
    older = api.get("/api/reports/monthly", world.supervisor, before=reports["b"].pk).json()
    assert [item["id"] for item in older["items"]] == [reports["a"].pk]
    assert api.get("/api/reports/monthly", world.supervisor, before=0).status_code == 422
