"""The dashboard and reports pages: who sees what (role × organisation), exports, pinned queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from escalade.core.actors import Actor
from escalade.reports.models import Absence
from escalade.tickets.choices import State
from escalade.tickets.services import ticket_create
from tests.conftest import World

pytestmark = pytest.mark.django_db
STAFF = ("agent_a", "agent_b", "supervisor", "administrator")
CUSTOMERS = ("requester_a", "requester_b", "manager_a", "manager_b")


def tickets(world: World) -> None:
    for requester, title in ((world.requester_a, "Secret A"), (world.requester_b, "Secret B")):
        ticket_create(actor=Actor.of(requester), requester=requester, title=title)


@pytest.mark.parametrize("role", STAFF + CUSTOMERS)
def test_dashboard_access_by_role(client, world, role):
    client.force_login(world.person(role))

    response = client.get("/desk/reports/dashboard/")

    assert response.status_code == (200 if role in STAFF else 403)


@pytest.mark.parametrize("role", STAFF + CUSTOMERS)
@pytest.mark.parametrize("export", ["", "csv", "xlsx"])
def test_reports_and_exports_are_for_supervisors_and_administrators(client, world, role, export):
    client.force_login(world.person(role))

    response = client.get("/desk/reports/", {"export": export} if export else {})

    assert response.status_code == (200 if role in {"supervisor", "administrator"} else 403)


def test_an_agent_sees_only_their_own_part_of_the_dashboard(client, world):
    tickets(world)
    Absence.objects.create(user=world.agent_b, starts_on="2020-01-01", ends_on="2100-01-01", reason="Congé B")
    client.force_login(world.agent_a)

    page = client.get("/desk/reports/dashboard/").content.decode()

    assert world.agent_b.email not in page
    assert str(world.agent_b) not in page
    assert "Congé B" not in page
    # Client B's ticket is not in agent A's backlog: one open ticket (client A's).
    board = client.get("/desk/reports/dashboard/").context["board"]
    assert sum(row["count"] for row in board.backlog) == 1


def test_the_supervisor_lands_on_the_dashboard(client, world):
    tickets(world)
    Absence.objects.create(user=world.agent_b, starts_on="2020-01-01", ends_on="2100-01-01", reason="Congé B")
    client.force_login(world.supervisor)

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == "/desk/reports/dashboard/"
    board = response.context["board"]
    assert sum(row["count"] for row in board.backlog) == 2
    assert board.intake_today == 2
    assert "Congé B" in response.content.decode()
    # The backlog says states in words (the supervisor reads French), not codes.
    page = response.content.decode()
    with translation.override("fr"):
        for row in board.backlog:
            assert f"<td>{State(row['state']).label}</td>" in page
            assert f"<td>{row['state']}</td>" not in page


def test_the_dashboard_costs_the_same_whatever_the_backlog(client, world, django_assert_max_num_queries):
    tickets(world)
    client.force_login(world.supervisor)
    client.get("/desk/reports/dashboard/")
    tickets(world)
    tickets(world)
    with django_assert_max_num_queries(14):
        assert client.get("/desk/reports/dashboard/").status_code == 200


def test_the_report_filters_by_client_and_never_shows_another(client, world):
    tickets(world)
    client.force_login(world.supervisor)

    response = client.get("/desk/reports/", {"organisation": world.client_a.pk, "export": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["Tickets created", "1"] in rows or ["Tickets créés", "1"] in rows


def test_the_xlsx_export_holds_every_table(client, world):
    tickets(world)
    client.force_login(world.supervisor)

    response = client.get("/desk/reports/", {"export": "xlsx"})

    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) >= 8
    summary = workbook[workbook.sheetnames[0]]
    assert summary.cell(row=2, column=2).value == 2  # tickets created


def test_a_bad_period_answers_400(client, world):
    client.force_login(world.supervisor)

    response = client.get("/desk/reports/", {"start": "2026-03-10", "end": "2026-03-01"})

    assert response.status_code == 400


def test_the_report_page_shows_charts_with_their_tables(client, world):
    tickets(world)
    client.force_login(world.supervisor)

    page = client.get("/desk/reports/").content.decode()

    assert page.count("<svg") >= 4
    assert 'role="img"' in page
    assert "<caption>" in page


def test_an_absent_agent_gets_no_automatic_assignment(world):
    from django.utils import timezone

    from escalade.accounts.models import Team

    team = Team.objects.get(name="L1 A")
    team.is_auto_assign = True
    team.save()
    requester = world.requester_a
    first = ticket_create(actor=Actor.of(requester), requester=requester, title="Avant l'absence")
    Absence.objects.create(user=world.agent_a, starts_on=timezone.localdate(), ends_on=timezone.localdate())

    second = ticket_create(actor=Actor.of(requester), requester=requester, title="Pendant l'absence")

    assert first.assignee == world.agent_a
    assert second.assignee is None


def test_a_section_registered_by_another_app_is_in_every_report_and_export(client, world, monkeypatch):
    from escalade.reports import selectors
    from escalade.reports.selectors import ReportFilters, Table

    def hours(filters: ReportFilters) -> Table:
        return Table(
            key="hours", title="Hours per contract", columns=("Contract", "Hours"), rows=(("Support", 12),)
        )

    monkeypatch.setitem(selectors._sections, "timetracking.hours", hours)
    client.force_login(world.supervisor)

    page = client.get("/desk/reports/").content.decode()
    exported = client.get("/desk/reports/", {"export": "csv"}).content.decode()

    assert "Hours per contract" in page
    assert "Support,12" in exported
