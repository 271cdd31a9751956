"""Business calendars and SLA policies: what the operations take and return."""

from __future__ import annotations

from datetime import time

from ninja import Field, Schema

from escalade.sla.models import BusinessCalendar, SlaPolicy
from escalade.tickets.choices import Priority, State


class WorkingIntervalSchema(Schema):
    """Support hours on one weekday (0 = Monday), local time; ``end`` 00:00 means midnight."""

    weekday: int = Field(..., ge=0, le=6)
    start: time
    end: time


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    holiday_country: str
    holiday_subdivision: str
    is_always_open: bool
    intervals: list[WorkingIntervalSchema]

    @staticmethod
    def resolve_intervals(obj: BusinessCalendar) -> list[object]:
        return list(obj.intervals.all())


class CalendarCreateIn(Schema):
    name: str = Field(..., max_length=120)
    time_zone: str = Field("Europe/Paris", max_length=64)
    holiday_country: str = Field("FR", max_length=2)
    holiday_subdivision: str = Field("", max_length=10)
    is_always_open: bool = False
    intervals: list[WorkingIntervalSchema] = Field(default_factory=list)


class CalendarUpdateIn(Schema):
    name: str | None = Field(None, max_length=120)
    time_zone: str | None = Field(None, max_length=64)
    holiday_country: str | None = Field(None, max_length=2)
    holiday_subdivision: str | None = Field(None, max_length=10)
    is_always_open: bool | None = None
    intervals: list[WorkingIntervalSchema] | None = Field(None, description="Replaces all intervals.")


class SlaTargetSchema(Schema):
    """Targets of one priority, in business minutes of the policy's calendar."""

    priority: Priority
    first_response_minutes: int = Field(..., ge=1)
    resolution_minutes: int = Field(..., ge=1)


class SlaPolicyOut(Schema):
    id: int
    name: str
    calendar_id: int
    warning_percent: int
    pause_states: list[str]
    reset_on_reopen: bool
    escalate_on_breach: bool
    raise_priority_on_breach: bool
    notify_supervisor_on_breach: bool
    is_default: bool
    targets: list[SlaTargetSchema]

    @staticmethod
    def resolve_targets(obj: SlaPolicy) -> list[object]:
        return list(obj.targets.all())


class SlaPolicyCreateIn(Schema):
    name: str = Field(..., max_length=120)
    calendar_id: int
    warning_percent: int = Field(75, ge=1, le=100)
    pause_states: list[State] = Field(default_factory=list)
    reset_on_reopen: bool = False
    escalate_on_breach: bool = True
    raise_priority_on_breach: bool = False
    notify_supervisor_on_breach: bool = True
    is_default: bool = False
    targets: list[SlaTargetSchema] = Field(default_factory=list)


class SlaPolicyUpdateIn(Schema):
    name: str | None = Field(None, max_length=120)
    calendar_id: int | None = None
    warning_percent: int | None = Field(None, ge=1, le=100)
    pause_states: list[State] | None = None
    reset_on_reopen: bool | None = None
    escalate_on_breach: bool | None = None
    raise_priority_on_breach: bool | None = None
    notify_supervisor_on_breach: bool | None = None
    is_default: bool | None = None
    targets: list[SlaTargetSchema] | None = Field(None, description="Replaces all targets.")
