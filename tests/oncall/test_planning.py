"""A supervisor swaps a shift from the desk (an override): the rota answers with the new person for that
period, the change is in the audit log, and nobody else may do it."""

from __future__ import annotations

import datetime as dt

import pytest

from escalade.core.models import Event
from escalade.oncall.models import Override
from escalade.oncall.selectors import on_call_user
from tests.oncall.helpers import SUNDAY_2H, frozen

pytestmark = pytest.mark.django_db


def _swap(client, rota, person, **fields):
    data = {"user": person.pk, "starts_at": "2026-12-06T00:00", "ends_at": "2026-12-06T08:00",
            "reason": "Échange avec Bea", **fields}  # fmt: skip
    return client.post(f"/desk/oncall/schedules/{rota.schedule.pk}/overrides/", data)


def test_a_supervisor_swaps_a_shift_and_the_rota_follows(client, world, rota):
    with frozen(SUNDAY_2H):
        assert on_call_user(schedule=rota.schedule) == rota.first
        client.force_login(world.supervisor)

        response = _swap(client, rota, rota.second)

        assert response.status_code == 302
        assert on_call_user(schedule=rota.schedule) == rota.second  # Sunday 02:00 is in the swap
        later = SUNDAY_2H + dt.timedelta(hours=8)
        assert on_call_user(schedule=rota.schedule, at=later) == rota.first
        page = client.get(f"/desk/oncall/schedules/{rota.schedule.pk}/").content.decode()
        assert "Échange avec Bea" in page
    event = Event.objects.get(action="oncall.override_created")
    assert (event.actor_id, event.data["user"]) == (world.supervisor.pk, rota.second.pk)

    override = Override.objects.get()
    with frozen(SUNDAY_2H):
        client.post(f"/desk/oncall/overrides/{override.pk}/remove/")
        assert on_call_user(schedule=rota.schedule) == rota.first
    assert Event.objects.filter(action="oncall.override_deleted").count() == 1


@pytest.mark.parametrize("role", ["agent_a", "requester_a", "manager_a"])
def test_only_supervisors_and_administrators_swap_shifts(client, world, rota, role):
    client.force_login(world.person(role))

    assert _swap(client, rota, rota.second).status_code == 403
    assert not Override.objects.exists()
    schedule_page = client.get(f"/desk/oncall/schedules/{rota.schedule.pk}/")
    if role == "agent_a":
        assert "overrides/" not in schedule_page.content.decode()  # no form for agents


def test_a_swap_that_ends_before_it_starts_or_puts_a_client_on_call_is_refused(client, world, rota):
    client.force_login(world.administrator)

    backwards = _swap(client, rota, rota.second, ends_at="2026-12-05T23:00")
    client_person = _swap(client, rota, world.requester_a)

    assert (backwards.status_code, client_person.status_code) == (422, 422)
    assert not Override.objects.exists()
