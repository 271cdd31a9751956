"""The maintenance API by role × organisation: listing occurrences, submitting a checklist (bad input is
a JSON 4xx, never a 500)."""

from __future__ import annotations

import pytest

from escalade.maintenance.models import MaintenanceOccurrence, OccurrenceState
from escalade.maintenance.services import occurrences_generate
from tests.api.conftest import Api
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
SEES_A = {"manager_a", "agent_a", "supervisor", "administrator"}


@pytest.fixture
def occurrence(make_plan) -> MaintenanceOccurrence:
    make_plan(lead_days=1)
    occurrences_generate(now=MONDAY)
    return MaintenanceOccurrence.objects.get()


@pytest.mark.parametrize("role", ROLES)
def test_listing_occurrences_by_role(api: Api, world, occurrence, role) -> None:
    response = api.get("/api/maintenance/occurrences", world.person(role))
    if role in {"requester_a", "requester_b"}:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["items"]]
    assert ids == ([occurrence.pk] if role in SEES_A else [])
    if ids:
        item = response.json()["items"][0]
        assert (item["state"], item["plan_name"], len(item["answers"])) == (
            "scheduled",
            "Backup verification",
            3,
        )


@pytest.mark.parametrize("role", ROLES)
def test_submitting_a_checklist_by_role(api: Api, world, occurrence, role) -> None:
    body = {
        "answers": [
            {"position": 1, "outcome": "fail", "note": "tape full"},
            {"position": 2, "outcome": "pass"},
            {"position": 3, "outcome": "na"},
        ],
        "complete": True,
    }
    response = api.post(f"/api/maintenance/occurrences/{occurrence.pk}/checklist", world.person(role), body)
    wanted = {"agent_a": 200, "supervisor": 200, "administrator": 200, "agent_b": 404}.get(role, 403)
    assert response.status_code == wanted
    occurrence.refresh_from_db()
    assert (occurrence.state == OccurrenceState.FAILED) is (wanted == 200)
    if wanted == 200:
        assert response.json()["incident_reference"] == occurrence.incident.reference


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/maintenance/occurrences/{pk}/checklist", {"answers": [{"position": 1, "outcome": "maybe"}]}),
        ("/api/maintenance/occurrences/{pk}/checklist", {"answers": [{"position": 99, "outcome": "pass"}]}),
        (
            "/api/maintenance/occurrences/{pk}/checklist",
            {"answers": [{"position": 1, "outcome": "pass"}], "complete": True},
        ),
        ("/api/maintenance/occurrences/99999999999999999999/checklist", {"answers": []}),
    ],
    ids=["unknown-outcome", "unknown-step", "incomplete", "huge-id"],
)
def test_bad_checklists_are_refused_with_a_message(api: Api, world, occurrence, path, body) -> None:
    response = api.post(path.format(pk=occurrence.pk), world.agent_a, body)
    assert 400 <= response.status_code < 500
    assert response.json()
    occurrence.refresh_from_db()
    assert occurrence.state == OccurrenceState.SCHEDULED


@pytest.mark.parametrize(
    "query", [{"before": 2**70}, {"limit": 0}, {"organisation_id": -1}, {"state": "nope"}]
)
def test_bad_list_parameters_are_refused(api: Api, world, query) -> None:
    assert 400 <= api.get("/api/maintenance/occurrences", world.agent_a, **query).status_code < 500
