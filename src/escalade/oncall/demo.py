"""Demo data for on-call: a weekly night-and-weekend rota of three demo agents (hand-off Monday
09:00, Paris time), an escalation policy (the person on call, then the supervisors after 15 minutes),
an SMS contact method for the first agent, and one past absence. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from escalade.accounts.demo import PROVIDER_DOMAIN
from escalade.accounts.models import User
from escalade.oncall.models import (
    Absence,
    ContactKind,
    ContactMethod,
    EscalationLevel,
    EscalationPolicy,
    Layer,
    LayerMember,
    Rotation,
    Schedule,
    TargetKind,
)

if TYPE_CHECKING:
    from escalade.demo import DemoContext

SCHEDULE = "Astreinte soirs et week-ends / Evenings and weekends on call"
POLICY = "Astreinte / On call"
ROTA = ("l1.julie", "l2.sophie", "l3.thomas")


def load(context: DemoContext) -> None:
    schedule = Schedule.objects.filter(name=SCHEDULE).first()
    if schedule is not None:
        context.objects["oncall_schedule"] = schedule
        return
    people = [User.objects.get(email=f"{local}@{PROVIDER_DOMAIN}") for local in ROTA]
    schedule = Schedule.objects.create(
        name=SCHEDULE, time_zone="Europe/Paris",
        description="Rotation hebdomadaire, relève le lundi à 9 h. / Weekly rotation, hand-off Monday 9 am.",
    )  # fmt: skip
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday() + 28)  # four weeks of history for the report
    layer = Layer.objects.create(
        schedule=schedule, name="Hebdomadaire / Weekly", rotation=Rotation.WEEKLY, handoff_time=dt.time(9),
        starts_on=monday,
    )  # fmt: skip
    for position, person in enumerate(people):
        LayerMember.objects.create(layer=layer, user=person, position=position)
    policy = EscalationPolicy.objects.create(name=POLICY, repeat=1)
    EscalationLevel.objects.create(policy=policy, position=1, target=TargetKind.SCHEDULE, schedule=schedule)
    EscalationLevel.objects.create(policy=policy, position=2, target=TargetKind.SUPERVISORS, wait_minutes=15)
    ContactMethod.objects.create(user=people[0], kind=ContactKind.SMS, address="+33 6 12 34 56 78")
    start = timezone.now() + dt.timedelta(days=30)
    Absence.objects.create(
        user=people[1], starts_at=start, ends_at=start + dt.timedelta(days=5), reason="Congés / Holiday"
    )
    context.objects["oncall_schedule"] = schedule
