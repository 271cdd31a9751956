"""Business calendars and SLA policies: what the operations take and return."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema

from escalade.api.schemas.common import Id, Input, unchanged
from escalade.sla.models import BusinessCalendar, SlaPolicy, target_max_minutes
from escalade.tickets.choices import Priority, State

TARGET_MAX_MINUTES = target_max_minutes()  # ESCALADE_SLA_TARGET_MAX_DAYS


# A local wall time, "08:30" or "08:30:00" (answered as "08:30:00"); JSON Schema's "time" format
# would demand a UTC offset, which support hours do not have (they follow the calendar's time zone).
LOCAL_TIME = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


def _local_time(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(LOCAL_TIME, value):
        raise ValueError("a local time is HH:MM or HH:MM:SS")
    return value


LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    WithJsonSchema({"type": "string", "pattern": LOCAL_TIME, "examples": ["08:30"]}),
]


class WorkingIntervalSchema(Schema):
    """Support hours on one weekday (0 = Monday), local time; ``end`` 00:00 means midnight."""

    weekday: int = Field(..., ge=0, le=6)
    start: LocalTime
    end: LocalTime


class ClosureDaySchema(Schema):
    """A day the desk is closed besides public holidays (a bridge day, a company event)."""

    date: date
    reason: str = Field("", max_length=200)


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    holiday_country: str
    holiday_subdivision: str
    is_always_open: bool
    intervals: list[WorkingIntervalSchema]
    closures: list[ClosureDaySchema]

    @staticmethod
    def resolve_intervals(obj: BusinessCalendar) -> list[object]:
        return list(obj.intervals.all())

    @staticmethod
    def resolve_closures(obj: BusinessCalendar) -> list[object]:
        return list(obj.closures.all())


class CalendarCreateIn(Input):
    name: str = Field(..., max_length=120)
    time_zone: str = Field("Europe/Paris", max_length=64)
    holiday_country: str = Field("FR", max_length=2)
    holiday_subdivision: str = Field("", max_length=10)
    is_always_open: bool = False
    intervals: list[WorkingIntervalSchema] = Field(default_factory=list)
    closures: list[ClosureDaySchema] = Field(default_factory=list, max_length=1000)


class CalendarUpdateIn(Input):
    name: str = unchanged(max_length=120)
    time_zone: str = unchanged(max_length=64)
    holiday_country: str = unchanged(max_length=2)
    holiday_subdivision: str = unchanged(max_length=10)
    is_always_open: bool = unchanged()
    intervals: list[WorkingIntervalSchema] = unchanged(description="Replaces all intervals.")
    closures: list[ClosureDaySchema] = unchanged(description="Replaces all closure days.", max_length=1000)


class SlaTargetSchema(Schema):
    """Targets of one priority, in business minutes of the policy's calendar."""

    priority: Priority
    first_response_minutes: int = Field(..., ge=1, le=TARGET_MAX_MINUTES)
    resolution_minutes: int = Field(..., ge=1, le=TARGET_MAX_MINUTES)


class SlaPolicyOut(Schema):
    id: int
    name: str
    calendar_id: int
    warning_percent: int
    pause_states: list[str]
    reset_on_reopen: bool
    pause_first_response: bool
    escalate_on_breach: bool
    raise_priority_on_breach: bool
    notify_supervisor_on_breach: bool
    is_default: bool
    targets: list[SlaTargetSchema]

    @staticmethod
    def resolve_targets(obj: SlaPolicy) -> list[object]:
        return list(obj.targets.all())


class SlaPolicyCreateIn(Input):
    name: str = Field(..., max_length=120)
    calendar_id: Id
    warning_percent: int = Field(75, ge=1, le=100)
    pause_states: list[State] = Field(default_factory=list)
    reset_on_reopen: bool = False
    pause_first_response: bool = Field(
        default=False,
        description="The first-response clock pauses in pause_states too (off: it never pauses).",
    )
    escalate_on_breach: bool = True
    raise_priority_on_breach: bool = False
    notify_supervisor_on_breach: bool = True
    is_default: bool = False
    targets: list[SlaTargetSchema] = Field(default_factory=list)


class SlaPolicyUpdateIn(Input):
    name: str = unchanged(max_length=120)
    calendar_id: Id = unchanged()
    warning_percent: int = unchanged(ge=1, le=100)
    pause_states: list[State] = unchanged()
    reset_on_reopen: bool = unchanged()
    pause_first_response: bool = unchanged()
    escalate_on_breach: bool = unchanged()
    raise_priority_on_breach: bool = unchanged()
    notify_supervisor_on_breach: bool = unchanged()
    is_default: bool = unchanged()
    targets: list[SlaTargetSchema] = unchanged(description="Replaces all targets.")
