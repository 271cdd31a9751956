"""Absences and capacities from the desk: supervisors and administrators manage them (with events);
an agent sees their own; client people never reach the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from escalade.core.actors import Actor
from escalade.core.errors import PermissionDeniedError
from escalade.core.models import Event
from escalade.reports.models import Absence, Capacity
from escalade.reports.team import absence_create, capacity_set

pytestmark = pytest.mark.django_db
ROLES = ["requester_a", "manager_a", "agent_a", "agent_b", "supervisor", "administrator"]
PAGE = {
    "requester_a": 403,
    "manager_a": 403,
    "agent_a": 200,
    "agent_b": 200,
    "supervisor": 200,
    "administrator": 200,
}
MANAGES = {"supervisor", "administrator"}


def _days(offset: int, length: int = 2) -> tuple[dt.date, dt.date]:
    start = timezone.localdate() + dt.timedelta(days=offset)
    return start, start + dt.timedelta(days=length)


@pytest.fixture
def absences(world) -> dict[str, Absence]:
    actor = Actor.of(world.supervisor)
    found = {}
    for name, offset in (("agent_a", 1), ("agent_b", 3)):
        start, end = _days(offset)
        found[name] = absence_create(actor=actor, agent=world.person(name), starts_on=start, ends_on=end)
    return found


@pytest.mark.parametrize("role", ROLES)
def test_the_team_page_by_role(client, world, absences, role):
    client.force_login(world.person(role))
    response = client.get("/desk/reports/team/")
    assert response.status_code == PAGE[role]
    if response.status_code != 200:
        return
    page = response.content.decode()
    shown = {name for name, absence in absences.items() if f'id="absence-{absence.pk}"' in page}
    assert shown == ({"agent_a", "agent_b"} if role in MANAGES else {role} & {"agent_a", "agent_b"})
    assert ('id="absence-form"' in page) == (role in MANAGES)


@pytest.mark.parametrize("role", ROLES)
def test_planning_an_absence_by_role(client, world, role):
    client.force_login(world.person(role))
    start, end = _days(5)
    form = {
        "form": "absence",
        "agent": world.agent_a.pk,
        "starts_on": start,
        "ends_on": end,
        "reason": "Congés",
    }
    response = client.post("/desk/reports/team/", form)
    if role in MANAGES:
        assert response.status_code == 302
        absence = Absence.objects.get()
        assert (absence.user, absence.starts_on, absence.reason) == (world.agent_a, start, "Congés")
        event = Event.objects.get(action="agent.absence_planned")
        assert (event.actor, str(event.object_id)) == (world.person(role), str(world.agent_a.pk))
    else:
        assert response.status_code == 403
        assert not Absence.objects.exists()


def test_an_absence_ending_before_it_starts_is_refused(client, world):
    client.force_login(world.supervisor)
    start, end = _days(5)
    form = {"form": "absence", "agent": world.agent_a.pk, "starts_on": end, "ends_on": start}
    assert client.post("/desk/reports/team/", form).status_code == 422
    assert not Absence.objects.exists()


@pytest.mark.parametrize("role", ["agent_a", "supervisor"])
def test_cancelling_an_absence(client, world, absences, role):
    client.force_login(world.person(role))
    response = client.post(f"/desk/reports/team/absences/{absences['agent_a'].pk}/cancel/")
    if role == "supervisor":
        assert response.status_code == 302
        assert not Absence.objects.filter(pk=absences["agent_a"].pk).exists()
        assert Event.objects.filter(action="agent.absence_cancelled", actor=world.supervisor).count() == 1
    else:
        assert response.status_code == 403
        assert Absence.objects.filter(pk=absences["agent_a"].pk).exists()


def test_capacity_by_the_supervisor_with_its_event(client, world):
    client.force_login(world.supervisor)
    form = {"form": "capacity", "agent": world.agent_b.pk, "open_tickets": 12}
    assert client.post("/desk/reports/team/", form).status_code == 302
    assert Capacity.objects.get(user=world.agent_b).open_tickets == 12
    assert client.post("/desk/reports/team/", form | {"open_tickets": 15}).status_code == 302
    changes = [e.changes for e in Event.objects.filter(action="agent.capacity_changed").order_by("id")]
    assert changes == [{"capacity": {"from": None, "to": 12}}, {"capacity": {"from": 12, "to": 15}}]
    client.force_login(world.agent_b)
    assert client.post("/desk/reports/team/", form | {"open_tickets": 99}).status_code == 403
    page = client.get("/desk/reports/team/").content.decode()
    assert "15" in page
    assert Capacity.objects.get(user=world.agent_b).open_tickets == 15


def test_the_services_refuse_agents_and_client_people(world):
    start, end = _days(1)
    with pytest.raises(PermissionDeniedError):
        absence_create(actor=Actor.of(world.agent_a), agent=world.agent_a, starts_on=start, ends_on=end)
    with pytest.raises(PermissionDeniedError):
        capacity_set(actor=Actor.of(world.manager_a), agent=world.agent_a, open_tickets=3)
