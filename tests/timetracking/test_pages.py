"""The desk's time panel, the intake notices, the client manager's page, the exports: role × organisation."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from escalade.contracts.models import HourPackage, OutOfContractDecision, OutOfContractOutcome
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.tickets.models import Ticket
from escalade.timetracking.models import RunningTimer, TimeEntry
from escalade.timetracking.services import time_entry_create
from tests.tickets.factories import CategoryFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "requester_a", "manager_a", "requester_b", "manager_b",
    "agent_a", "agent_b", "supervisor", "administrator",
]  # fmt: skip


def _login(client, user, language="en"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)


def _entry(world, ticket, activities, minutes=50, *, billable=True):
    return time_entry_create(
        actor=Actor.of(world.agent_a), ticket=ticket, activity=activities["remote"], minutes=minutes,
        is_billable=billable,
    )  # fmt: skip


PANEL = {"agent_a": 200, "supervisor": 200, "administrator": 200, "agent_b": 404}


@pytest.mark.parametrize("role", ROLES)
def test_time_panel_by_role(client, world, ticket, activities, role):
    _entry(world, ticket, activities)
    _login(client, world.person(role))
    response = client.get(f"/desk/time/t/{ticket.reference}/")
    assert response.status_code == PANEL.get(role, 403)
    if response.status_code == 200:
        assert "0 h 50" in response.content.decode()  # no hour package: billed as spent, unrounded


def test_the_timer_survives_a_reload_and_logs_the_elapsed_minutes(client, world, ticket, activities):
    _login(client, world.agent_a)
    started = timezone.now() - dt.timedelta(minutes=37, seconds=10)
    client.post(f"/desk/time/t/{ticket.reference}/timer/start/")
    RunningTimer.objects.update(started_at=started)
    page = client.get(f"/desk/time/t/{ticket.reference}/").content.decode()
    assert "(37 min)" in page  # computed by the server from its own start time
    response = client.post(
        f"/desk/time/t/{ticket.reference}/timer/stop/",
        {"activity": activities["diagnosis"].pk, "is_billable": "on"},
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.activity.code, entry.agent, entry.is_billable) == (
        38,
        "diagnosis",
        world.agent_a,
        True,
    )
    assert not RunningTimer.objects.exists()


def test_agent_b_cannot_start_a_timer_on_client_a(client, world, ticket):
    _login(client, world.agent_b)
    assert client.post(f"/desk/time/t/{ticket.reference}/timer/start/").status_code == 404
    assert not RunningTimer.objects.exists()


def test_manual_entry_and_its_errors(client, world, ticket, activities):
    _login(client, world.agent_a)
    url = f"/desk/time/t/{ticket.reference}/entries/"
    bad = client.post(
        url, {"activity": activities["remote"].pk, "duration": "bientôt", "worked_on": "2026-11-24"}
    )
    assert bad.status_code == 422
    assert not TimeEntry.objects.exists()
    good = client.post(
        url,
        {"activity": activities["remote"].pk, "duration": "1:30", "worked_on": "2026-11-24", "note": "VPN"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert good.status_code == 200
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.is_billable, entry.note) == (90, False, "VPN")  # unticked box: not billable
    assert Event.objects.filter(action="ticket.time_logged", object_id=ticket.pk).count() == 1


@pytest.mark.parametrize(("role", "status"), [("agent_a", 302), ("agent_b", 404), ("supervisor", 302)])
def test_deleting_an_entry_by_role(client, world, ticket, activities, role, status):  # noqa: PLR0917 - fixtures and parameters
    entry = _entry(world, ticket, activities)
    _login(client, world.person(role))
    assert client.post(f"/desk/time/entries/{entry.pk}/delete/").status_code == status
    assert TimeEntry.objects.filter(pk=entry.pk).exists() == (status == 404)


def test_the_phone_intake_logs_the_call_as_time(client, world, contract, activities):
    _login(client, world.agent_a)
    response = client.post("/desk/call/", {
        "caller": world.requester_a.pk, "started_at": timezone.now().isoformat(), "title": "Imprimante",
        "impact": 3, "urgency": 2, "duration": "4:10", "out_of_contract_ack": "1",
    })  # fmt: skip
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.activity.code) == (5, "phone")


@pytest.fixture
def covered(contract):
    """The contract covers one category; another exists outside it."""
    inside, outside = CategoryFactory.create(name_fr="Réseau"), CategoryFactory.create(name_fr="Téléphonie")
    contract.categories.set([inside])
    return inside, outside


def test_the_phone_intake_says_out_of_contract_before_creating(client, world, covered):
    _inside, outside = covered
    _login(client, world.agent_a)
    notice = client.get(
        "/desk/time/contract-check/", {"caller": world.requester_a.pk, "category": outside.pk}
    )
    assert "Category not covered by the contract" in notice.content.decode()
    assert "the time spent will be billed" in notice.content.decode()
    elsewhere = client.get(
        "/desk/time/contract-check/", {"caller": world.requester_b.pk, "category": outside.pk}
    )
    assert elsewhere.content.decode().strip() == ""  # agent A does not serve client B: no caller
    form = {
        "caller": world.requester_a.pk, "started_at": timezone.now().isoformat(), "title": "Standard",
        "category": outside.pk, "impact": 3, "urgency": 2, "duration": "1:00",
    }  # fmt: skip
    assert client.post("/desk/call/", form).status_code == 422
    assert not Ticket.objects.exists()
    assert client.post("/desk/call/", form | {"out_of_contract_ack": "1"}).status_code == 302
    decision = OutOfContractDecision.objects.get()
    assert (decision.reason, decision.outcome, decision.acknowledged_by) == (
        "category",
        "billable",
        world.agent_a,
    )


def test_the_portal_form_warns_and_a_refusing_contract_refuses(client, world, contract, covered):
    _inside, outside = covered
    contract.out_of_contract_outcome = OutOfContractOutcome.REFUSED
    contract.save()
    _login(client, world.requester_a)
    fields = client.get("/portal/new/fields/", {"category": outside.pk})
    assert "it cannot be registered" in fields.content.decode()
    response = client.post("/portal/new/", {
        "title": "Standard", "description": "Il sonne.", "category": outside.pk, "urgency": 2,
        "out_of_contract_ack": "1",
    })  # fmt: skip
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_approval_by_the_client_manager(client, world, contract, covered):
    _inside, outside = covered
    contract.out_of_contract_outcome = OutOfContractOutcome.APPROVAL
    contract.save()
    _login(client, world.requester_a)
    client.post("/portal/new/", {
        "title": "Standard", "description": "Il sonne.", "category": outside.pk, "urgency": 2,
        "out_of_contract_ack": "1",
    })  # fmt: skip
    ticket = Ticket.objects.get()
    assert OutOfContractDecision.objects.get().approval == "pending"
    assert client.post(f"/portal/account/approve/{ticket.reference}/").status_code == 403  # a requester
    _login(client, world.manager_b)
    assert client.post(f"/portal/account/approve/{ticket.reference}/").status_code == 404
    assert OutOfContractDecision.objects.get().approval == "pending"
    _login(client, world.manager_a)
    page = client.get("/portal/account/").content.decode()
    assert f"pending-{ticket.reference}" in page
    assert client.post(f"/portal/account/approve/{ticket.reference}/").status_code == 302
    decision = OutOfContractDecision.objects.get()
    assert (decision.approval, decision.approved_by) == ("approved", world.manager_a)
    assert Event.objects.filter(action="ticket.out_of_contract_approved", actor=world.manager_a).count() == 1


def test_credit_exhausted_is_out_of_contract_at_intake(client, world, package):
    HourPackage.objects.filter(pk=package.pk).update(consumed_minutes=package.credit_minutes)
    _login(client, world.requester_a)
    fields = client.get("/portal/new/fields/")
    assert "The hour credit is exhausted" in fields.content.decode()


ACCOUNT = {"manager_a": 200, "manager_b": 200}


@pytest.mark.parametrize("role", ROLES)
def test_client_manager_page_by_role(client, world, ticket, activities, package, role):  # noqa: PLR0917 - fixtures and parameters
    _entry(world, ticket, activities)
    _entry(world, ticket, activities, 20, billable=False)
    _login(client, world.person(role))
    response = client.get("/portal/account/")
    assert response.status_code == ACCOUNT.get(role, 403)
    if role == "manager_a":
        page = response.content.decode()
        assert "Forfait 40 h" in page
        assert ticket.reference in page
        assert page.count("<td>1 h 00</td>") >= 2  # 50 minutes billed as one hour, used this month
    if role == "manager_b":
        page = response.content.decode()
        assert "Forfait 40 h" not in page
        assert ticket.reference not in page


def test_client_manager_page_in_their_language(client, world, package):
    _login(client, world.manager_a, "fr")
    page = client.get("/portal/account/").content.decode()
    assert "Temps facturable" in page


EXPORT = {"agent_a": 200, "supervisor": 200, "administrator": 200, "agent_b": 404}


@pytest.mark.parametrize("role", ROLES)
def test_desk_export_by_role(client, world, ticket, activities, package, role):  # noqa: PLR0917 - fixtures and parameters
    _entry(world, ticket, activities)
    _login(client, world.person(role))
    month = timezone.localdate().strftime("%Y-%m")
    response = client.get(f"/desk/time/export/client-a.csv?month={month}")
    assert response.status_code == EXPORT.get(role, 403)


def test_the_month_exports_as_csv_and_xlsx(client, world, ticket, activities, package):
    _entry(world, ticket, activities)  # 60 billed
    _entry(world, ticket, activities, 30, billable=False)
    _login(client, world.supervisor)
    month = timezone.localdate().strftime("%Y-%m")
    rows = list(
        csv.reader(io.StringIO(client.get(f"/desk/time/export/client-a.csv?month={month}").content.decode()))
    )
    assert rows[1][0] == "Forfait 40 h"
    assert rows[1][4:7] == ["40.00", "1.00", "0.00"]
    entries = rows[rows.index([]) + 2 :]
    assert len(entries) == 1  # billable entries only
    assert entries[0][1] == ticket.reference
    workbook = load_workbook(io.BytesIO(client.get(f"/desk/time/export/client-a.xlsx?month={month}").content))
    assert [sheet.max_row for sheet in workbook.worksheets] == [2, 2]


def test_the_client_manager_exports_their_own_month_only(client, world, ticket, activities, package):
    _entry(world, ticket, activities)
    _login(client, world.manager_b)
    month = timezone.localdate().strftime("%Y-%m")
    body = client.get(f"/portal/account/export.csv?month={month}").content.decode()
    assert ticket.reference not in body
    assert "Forfait 40 h" not in body


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_panel_and_account_page_queries_do_not_grow_with_entries(client, world, ticket, activities, package):
    _entry(world, ticket, activities)
    _login(client, world.agent_a)
    panel = _queries(client, f"/desk/time/t/{ticket.reference}/")
    _login(client, world.manager_a)
    account = _queries(client, "/portal/account/")
    for _ in range(6):
        _entry(world, ticket, activities, 30)
    _login(client, world.agent_a)
    assert _queries(client, f"/desk/time/t/{ticket.reference}/") == panel
    _login(client, world.manager_a)
    assert _queries(client, "/portal/account/") == account


def test_time_shows_on_the_ticket_timeline_for_staff_only(client, world, ticket, activities):
    _entry(world, ticket, activities, 95)
    _login(client, world.agent_a)
    assert "Time logged: 1 h 35 (billable)" in client.get(f"/desk/t/{ticket.reference}/").content.decode()
    _login(client, world.requester_a)
    assert "Time logged" not in client.get(f"/portal/t/{ticket.reference}/").content.decode()


@pytest.mark.parametrize("role", ["requester_a", "manager_a", None])
def test_client_people_and_visitors_never_reach_the_desks_time_pages(client, world, ticket, activities, role):
    entry = _entry(world, ticket, activities)
    if role is not None:
        _login(client, world.person(role))
    gets = [
        f"/desk/time/t/{ticket.reference}/", f"/desk/time/entries/{entry.pk}/", "/desk/time/contract-check/",
        "/desk/time/export/client-a.csv",
    ]  # fmt: skip
    posts = [f"/desk/time/t/{ticket.reference}/timer/start/", f"/desk/time/entries/{entry.pk}/delete/",
             f"/desk/time/t/{ticket.reference}/entries/"]  # fmt: skip
    expected = 403 if role else 302
    assert {client.get(url).status_code for url in gets} == {expected}
    assert {client.post(url).status_code for url in posts} == {expected}
    assert (TimeEntry.objects.count(), RunningTimer.objects.count()) == (1, 0)
