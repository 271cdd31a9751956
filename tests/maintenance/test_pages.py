"""The desk and portal pages of maintenance: role × organisation for every page, the checklist form with
its evidence, plan creation, and pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from escalade.accounts.models import Team
from escalade.core.actors import Actor
from escalade.maintenance.models import (
    ExpiringItem,
    ExpiringKind,
    MaintenanceOccurrence,
    MaintenancePlan,
    OccurrenceState,
)
from escalade.maintenance.renewals import expiring_item_save
from escalade.maintenance.services import occurrences_generate
from escalade.tickets.models import Ticket
from tests.maintenance.conftest import MONDAY

ROLES = [
    "requester_a",
    "manager_a",
    "requester_b",
    "manager_b",
    "agent_a",
    "agent_b",
    "supervisor",
    "administrator",
]
STAFF_SERVING_A = {"agent_a", "supervisor", "administrator"}


@pytest.fixture
def occurrence(make_plan) -> MaintenanceOccurrence:
    make_plan(lead_days=1)
    occurrences_generate(now=MONDAY)
    return MaintenanceOccurrence.objects.select_related("plan", "ticket").get()


@pytest.fixture
def item(world) -> ExpiringItem:
    return expiring_item_save(
        actor=Actor.of(world.supervisor),
        values={
            "kind": ExpiringKind.CERTIFICATE,
            "name": "*.client-a.example",
            "organisation": world.client_a,
            "expires_on": timezone.localdate() + dt.timedelta(days=30),
            "owner": None,
            "notes": "",
        },
    )


def _login(client, user) -> None:
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)


def _expected(role: str, *, serving: int, other_staff: int, managers_only: bool = False) -> int:
    if role in STAFF_SERVING_A:
        return serving
    if role == "agent_b":
        return 403 if managers_only else other_staff
    return 403


@pytest.mark.parametrize("role", ROLES)
def test_the_calendar_by_role(client, world, occurrence, role) -> None:
    _login(client, world.person(role))
    month = occurrence.scheduled_for.strftime("%Y-%m")
    response = client.get(f"/desk/maintenance/?month={month}")
    assert response.status_code == _expected(role, serving=200, other_staff=200)
    if response.status_code == 200:
        assert ("Backup verification" in response.content.decode()) is (role in STAFF_SERVING_A)


@pytest.mark.parametrize("role", ROLES)
def test_the_plan_list_and_plan_by_role(client, world, occurrence, role) -> None:
    _login(client, world.person(role))
    listing = client.get("/desk/maintenance/plans/")
    assert listing.status_code == _expected(role, serving=200, other_staff=200)
    if listing.status_code == 200:
        assert ("Backup verification" in listing.content.decode()) is (role in STAFF_SERVING_A)
    detail = client.get(f"/desk/maintenance/plans/{occurrence.plan_id}/")
    assert detail.status_code == _expected(role, serving=200, other_staff=404)


@pytest.mark.parametrize("role", ROLES)
def test_plan_edit_pages_are_for_supervisors(client, world, occurrence, role) -> None:
    _login(client, world.person(role))
    wanted = 200 if role in {"supervisor", "administrator"} else 403
    assert client.get("/desk/maintenance/plans/new/").status_code == wanted
    assert client.get(f"/desk/maintenance/plans/{occurrence.plan_id}/edit/").status_code == wanted
    response = client.post(f"/desk/maintenance/plans/{occurrence.plan_id}/edit/", {"name": "Hijacked"})
    assert response.status_code == (422 if wanted == 200 else 403)
    assert MaintenancePlan.objects.get(pk=occurrence.plan_id).name == "Backup verification"


@pytest.mark.parametrize("role", ROLES)
def test_the_checklist_by_role(client, world, occurrence, role) -> None:
    _login(client, world.person(role))
    url = f"/desk/maintenance/occurrences/{occurrence.pk}/"
    assert client.get(url).status_code == _expected(role, serving=200, other_staff=404)
    response = client.post(
        url, {"outcome_1": "fail", "outcome_2": "pass", "outcome_3": "pass", "complete": "1"}
    )
    assert response.status_code == _expected(role, serving=302, other_staff=404)
    occurrence.refresh_from_db()
    assert (occurrence.state == OccurrenceState.FAILED) is (role in STAFF_SERVING_A)


def test_the_agent_answers_with_evidence_and_completes(client, world, occurrence) -> None:
    _login(client, world.agent_a)
    url = f"/desk/maintenance/occurrences/{occurrence.pk}/"
    evidence = SimpleUploadedFile("nas-report.txt", b"NAS: 42 % free\n", content_type="text/plain")
    data = {"outcome_1": "pass", "outcome_2": "pass", "note_2": "42 % free", "evidence_2": evidence}
    assert client.post(url, data).status_code == 302  # saved, not completed
    occurrence.refresh_from_db()
    assert occurrence.state == OccurrenceState.SCHEDULED
    page = client.get(url).content.decode()
    assert "nas-report.txt" in page
    incomplete = client.post(url, {"outcome_1": "pass", "outcome_2": "pass", "complete": "1"})
    assert incomplete.status_code == 422
    assert "Answer every step" in incomplete.content.decode()
    done = client.post(url, {"outcome_1": "pass", "outcome_2": "pass", "outcome_3": "na", "complete": "1"})
    assert done.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.state == OccurrenceState.DONE
    assert occurrence.answers.get(position=2).evidence.filename == "nas-report.txt"


def test_a_supervisor_creates_a_plan(client, world) -> None:
    _login(client, world.supervisor)
    team = Team.objects.get(name="L1 A")
    data = {
        "organisation": world.client_a.pk,
        "name": "Monthly patching",
        "contact": world.manager_a.pk,
        "recurrence": "FREQ=MONTHLY;BYDAY=+2TU",
        "first_date": "2026-01-01",
        "at_time": "20:00",
        "time_zone": "Europe/Paris",
        "duration_minutes": 240,
        "lead_days": 7,
        "holiday_rule": "skip",
        "steps_text": "Apply updates\nReboot\n\nCheck services",
        "asset_filter_text": '{"kinds": ["server"]}',
        "is_active": "on",
        "team": team.pk,
    }
    response = client.post("/desk/maintenance/plans/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = MaintenancePlan.objects.get(name="Monthly patching")
    assert plan.steps == ["Apply updates", "Reboot", "Check services"]
    assert plan.asset_filter["kinds"] == ["server"]
    bad = client.post("/desk/maintenance/plans/new/", {**data, "name": "Bad", "recurrence": "FREQ=SOMETIMES"})
    assert bad.status_code == 422
    assert "not a valid RRULE" in bad.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_renewals_by_role(client, world, item, role) -> None:
    _login(client, world.person(role))
    response = client.get("/desk/maintenance/renewals/")
    assert response.status_code == _expected(role, serving=200, other_staff=200)
    if response.status_code == 200:
        assert ("*.client-a.example" in response.content.decode()) is (role in STAFF_SERVING_A)
    tickets = Ticket.objects.count()
    created = client.post(f"/desk/maintenance/renewals/{item.pk}/ticket/")
    assert created.status_code == _expected(role, serving=302, other_staff=404)
    assert Ticket.objects.count() == tickets + (1 if role in STAFF_SERVING_A else 0)


@pytest.mark.parametrize("role", ROLES)
def test_the_portal_page_by_role(client, world, occurrence, item, role) -> None:
    _login(client, world.person(role))
    response = client.get("/portal/maintenance/")
    assert response.status_code == (200 if role in {"manager_a", "manager_b"} else 403)
    if response.status_code == 200:
        page = response.content.decode()
        assert ("Backup verification" in page) is (role == "manager_a")
        assert ("*.client-a.example" in page) is (role == "manager_a")


def test_a_client_manager_rotates_the_company_feed(client, world) -> None:
    from escalade.maintenance.feeds import feed_url

    old = feed_url(organisation=world.client_a)
    _login(client, world.manager_a)
    assert client.post("/portal/maintenance/feed/rotate/").status_code == 302
    assert feed_url(organisation=world.client_a) != old


def test_the_calendar_reads_a_fixed_number_of_queries(
    client, world, make_plan, django_assert_max_num_queries
) -> None:
    make_plan(lead_days=28)
    make_plan(lead_days=28, name="Daily check", recurrence="FREQ=DAILY")
    occurrences_generate(now=MONDAY)
    _login(client, world.supervisor)
    with django_assert_max_num_queries(14):
        response = client.get(f"/desk/maintenance/?month={MONDAY:%Y-%m}")
    assert response.status_code == 200
    # The grid runs from Monday 26 October to Sunday 6 December: the weekly checks of 23 and 30 November,
    # the daily ones from 23 November to 6 December.
    assert response.content.decode().count('class="occurrence') == 2 + 14
