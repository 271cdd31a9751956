"""Demo support hours, SLA policies and contracts for the two demo clients."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from escalade.contracts.models import Contract
from escalade.sla.models import BusinessCalendar, SlaPolicy, SlaTarget, WorkingInterval

if TYPE_CHECKING:
    from escalade.demo import DemoContext

UK_HOURS = "UK office hours (Mon-Fri 08:00-18:00)"
PREMIUM_TARGETS = {1: (15, 120), 2: (30, 240), 3: (120, 960), 4: (240, 1_920), 5: (480, 3_840)}


def _uk_calendar() -> BusinessCalendar:
    calendar, created = BusinessCalendar.objects.get_or_create(
        name=UK_HOURS,
        defaults={"time_zone": "Europe/London", "holiday_country": "GB", "holiday_subdivision": "ENG"},
    )
    if created:
        WorkingInterval.objects.bulk_create(
            WorkingInterval(calendar=calendar, weekday=day, start=dt.time(8), end=dt.time(18))
            for day in range(5)
        )
    return calendar


def _premium_policy(calendar: BusinessCalendar) -> SlaPolicy:
    policy, created = SlaPolicy.objects.get_or_create(
        name="Premium",
        defaults={
            "calendar": calendar,
            "pause_states": ["pending_requester", "pending_third_party"],
            "raise_priority_on_breach": True,
        },
    )
    if created:
        SlaTarget.objects.bulk_create(
            SlaTarget(policy=policy, priority=p, first_response_minutes=f, resolution_minutes=r)
            for p, (f, r) in PREMIUM_TARGETS.items()
        )
    return policy


def load(context: DemoContext) -> None:
    standard = SlaPolicy.objects.get(is_default=True)
    uk = _uk_calendar()
    premium = _premium_policy(uk)
    categories = context.objects["categories"]
    lemoine, northwind = context.objects["lemoine"], context.objects["northwind"]
    if not Contract.objects.filter(organisation=lemoine).exists():
        Contract.objects.create(
            organisation=lemoine, name="Infogérance 2025", reference="LEM-2025-01", starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2025, 12, 31), support_calendar=standard.calendar, sla_policy=standard,
        )  # fmt: skip
        current = Contract.objects.create(
            organisation=lemoine, name="Infogérance N1/N2", reference="LEM-2026-01", starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2027, 12, 31), support_calendar=standard.calendar, sla_policy=standard,
            notes="Hors périmètre : réseau, VPN et téléphonie (devis séparé).",
        )  # fmt: skip
        covered = [c for key, c in categories.items() if not key.startswith(("network", "telephony"))]
        current.categories.set(covered)
    if not Contract.objects.filter(organisation=northwind).exists():
        Contract.objects.create(
            organisation=northwind, name="Premium support", reference="NW-PREM-7", starts_on=dt.date(2025, 7, 1),
            support_calendar=uk, sla_policy=premium, notes="All categories, UK office hours, Premium SLA.",
        )  # fmt: skip
    context.objects["policies"] = {"standard": standard, "premium": premium}
