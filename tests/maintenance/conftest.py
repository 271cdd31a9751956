from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from escalade.accounts.models import Team
from escalade.core.actors import Actor
from escalade.maintenance.models import MaintenancePlan
from escalade.maintenance.services import plan_save

# A Monday in November 2026, 07:00 in Paris.
MONDAY = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
STEPS = ["Check last night's backup report", "Check free space", "Check the off-site copy"]


@pytest.fixture
def make_plan(world: Any) -> Any:
    def make(**values: Any) -> MaintenancePlan:
        team = Team.objects.get(name="L1 A")
        defaults: dict[str, Any] = {
            "organisation": world.client_a,
            "site": None,
            "name": "Backup verification",
            "steps": STEPS,
            "team": team,
            "agent": world.agent_a,
            "contact": world.manager_a,
            "recurrence": "FREQ=WEEKLY;BYDAY=MO",
            "first_date": dt.date(2026, 1, 5),
            "at_time": dt.time(8, 0),
            "time_zone": "Europe/Paris",
            "duration_minutes": 120,
            "lead_days": 7,
            "holiday_rule": "keep",
            "calendar": None,
            "silences_alerts": False,
            "is_active": True,
            "asset_filter": {},
        }
        defaults.update(values)
        return plan_save(actor=Actor.of(world.supervisor), values=defaults)

    return make


from tests.api.conftest import api  # noqa: E402, F401 - a fixture: the API called with a person's token
