"""Shared by the alerts and on-call tests: a frozen clock, a rota and a policy, an Alertmanager source."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from escalade.accounts.models import Role, User
from escalade.alerts.models import AlertSource, SourceKind
from escalade.core.models import Event
from escalade.oncall.models import (
    EscalationLevel,
    EscalationPolicy,
    Layer,
    LayerMember,
    Rotation,
    Schedule,
    TargetKind,
)
from tests.accounts.factories import StaffFactory, TeamMembershipFactory

PARIS = ZoneInfo("Europe/Paris")
SUNDAY_2H = dt.datetime(2026, 12, 6, 2, 0, tzinfo=PARIS)  # a Sunday night
SAMPLES = Path(__file__).parent.parent / "alerts" / "samples"


@contextmanager
def frozen(moment: dt.datetime) -> Iterator[None]:
    """Stop the clock for the services and the event log (``Event.occurred_at``'s default too)."""
    instant = moment.astimezone(dt.UTC)
    occurred_at = Event._meta.get_field("occurred_at")
    with ExitStack() as stack:
        stack.enter_context(mock.patch("django.utils.timezone.now", return_value=instant))
        stack.enter_context(mock.patch.object(occurred_at, "get_default", return_value=instant))
        yield


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())  # type: ignore[no-any-return]


@dataclass
class Rota:
    """A weekly rota of two agents of client A (hand-off Monday 09:00), a policy paging its on-call
    person, then the second person after 15 minutes, then the supervisors; an Alertmanager source."""

    schedule: Schedule
    layer: Layer
    first: User
    second: User
    policy: EscalationPolicy
    source: AlertSource


def rota_build(world: Any) -> Rota:
    second = StaffFactory.create(email="agent.a2@provider.example", full_name="Bea Second")
    TeamMembershipFactory.create(team=world.agent_a.memberships.first().team, user=second)
    schedule = Schedule.objects.create(name="Astreinte", time_zone="Europe/Paris")
    layer = Layer.objects.create(
        schedule=schedule, name="Weekly", rotation=Rotation.WEEKLY, handoff_time=dt.time(9),
        starts_on=dt.date(2026, 11, 30),
    )  # fmt: skip
    LayerMember.objects.create(layer=layer, user=world.agent_a, position=0)
    LayerMember.objects.create(layer=layer, user=second, position=1)
    policy = EscalationPolicy.objects.create(name="Night", repeat=0)
    EscalationLevel.objects.create(policy=policy, position=1, target=TargetKind.SCHEDULE, schedule=schedule)
    EscalationLevel.objects.create(policy=policy, position=2, target=TargetKind.USER, user=second)
    EscalationLevel.objects.create(policy=policy, position=3, target=TargetKind.SUPERVISORS)
    source = AlertSource.objects.create(
        name="Prometheus A",
        kind=SourceKind.ALERTMANAGER,
        organisation=world.client_a,
        requester=world.manager_a,
    )
    assert world.supervisor.role == Role.SUPERVISOR
    return Rota(
        schedule=schedule, layer=layer, first=world.agent_a, second=second, policy=policy, source=source
    )


def resolved_of(body: dict[str, Any], *, ends_at: str = "2026-12-06T01:20:00Z") -> dict[str, Any]:
    """The "resolved" notification Alertmanager sends for the alerts of a "firing" one (the shape
    of samples/alertmanager-0.25-resolved.json: status resolved, endsAt set)."""
    alerts = [{**alert, "status": "resolved", "endsAt": ends_at} for alert in body["alerts"]]
    return {**body, "status": "resolved", "alerts": alerts}
