"""Factories for calendars, policies and targets, and a test clock for the event log."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import cast
from unittest import mock
from zoneinfo import ZoneInfo

import factory

from escalade.core.refdata import refdata_changed
from escalade.sla.models import BusinessCalendar, SlaPolicy, SlaTarget, WorkingInterval

PARIS = ZoneInfo("Europe/Paris")
OFFICE_HOURS = ((time(8, 30), time(12, 30)), (time(13, 30), time(18, 0)))
PENDING_STATES = ["pending_requester", "pending_third_party"]
# priority: (first response, resolution) in business minutes, as the default policy.
TARGETS = {1: (30, 240), 2: (60, 480), 3: (240, 1_440), 4: (480, 2_400), 5: (960, 4_800)}


def paris(day: int, hour: int, minute: int = 0, *, month: int = 3, year: int = 2026) -> datetime:
    """A Paris wall time as a UTC instant; by default in the week of Monday 2 March 2026."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make it ``moment`` for Escalade (services read ``timezone.now()``, events included)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class BusinessCalendarFactory(factory.django.DjangoModelFactory[BusinessCalendar]):
    """Paris office hours, Monday to Friday 08:30-12:30 and 13:30-18:00, French public holidays."""

    class Meta:
        model = BusinessCalendar
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Heures de bureau {n}")
    time_zone = "Europe/Paris"
    holiday_country = "FR"

    @factory.post_generation
    def hours(self, create: bool, extracted: Mapping[int, tuple[tuple[time, time], ...]] | None) -> None:
        if not create:
            return
        week = extracted if extracted is not None else dict.fromkeys(range(5), OFFICE_HOURS)
        calendar = cast("BusinessCalendar", self)
        WorkingInterval.objects.bulk_create(
            WorkingInterval(calendar=calendar, weekday=weekday, start=start, end=end)
            for weekday, intervals in week.items()
            for start, end in intervals
        )


class SlaPolicyFactory(factory.django.DjangoModelFactory[SlaPolicy]):
    """A policy on office hours that pauses while waiting, escalates and alerts on breach."""

    class Meta:
        model = SlaPolicy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Policy {n}")
    calendar = factory.SubFactory(BusinessCalendarFactory)
    warning_percent = 75
    pause_states = factory.LazyFunction(lambda: list(PENDING_STATES))
    reset_on_reopen = False
    escalate_on_breach = True
    raise_priority_on_breach = False
    notify_supervisor_on_breach = True

    @factory.post_generation
    def targets(self, create: bool, extracted: Mapping[int, tuple[int, int]] | None) -> None:
        if not create:
            return
        policy = cast("SlaPolicy", self)
        SlaTarget.objects.bulk_create(
            SlaTarget(
                policy=policy, priority=priority, first_response_minutes=first, resolution_minutes=resolution
            )
            for priority, (first, resolution) in (extracted if extracted is not None else TARGETS).items()
        )


def default_policy(**fields: object) -> SlaPolicy:
    """A new policy that tickets without a contract get (it replaces the seeded default), said to the
    reference data kept per process as the admin and the services say it."""
    SlaPolicy.objects.filter(is_default=True).update(is_default=False)
    policy = SlaPolicyFactory.create(is_default=True, **fields)
    refdata_changed()
    return policy
