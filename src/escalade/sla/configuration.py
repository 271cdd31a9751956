"""Configuration writes of service levels: a calendar's weekly hours, a policy's targets and rules.

Services used by the API (and any future configuration page), built on
``core.services.configuration_save``; the admin site applies the same checks in its forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.refdata import refdata_changed
from escalade.core.services import ChildRows, JSONValue, configuration_save
from escalade.sla.businesstime import WorkingCalendar
from escalade.sla.models import (
    BusinessCalendar,
    ClosureDay,
    SlaPolicy,
    SlaTarget,
    WorkingInterval,
    target_max_minutes,
    target_too_long_message,
)
from escalade.sla.tasks import sla_recompute_on_commit
from escalade.tickets.models import OPEN_STATE_VALUES

CALENDAR_FIELDS = ("name", "time_zone", "holiday_country", "holiday_subdivision", "is_always_open")
POLICY_FIELDS = (
    "name", "calendar", "warning_percent", "pause_states", "reset_on_reopen", "pause_first_response",
    "escalate_on_breach",
    "raise_priority_on_breach", "notify_supervisor_on_breach", "is_default",
)  # fmt: skip


def calendar_intervals(
    intervals: Sequence[tuple[int, time, time]], *, time_zone: str, is_always_open: bool
) -> ChildRows:
    """A calendar's weekly hours, checked by the business-time arithmetic itself (unless the calendar
    is open 24/7, when they are not used)."""
    weekly: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in intervals:
        weekly.setdefault(weekday, []).append((start, end))
    if not is_always_open:
        try:
            WorkingCalendar(
                time_zone=time_zone, weekly={day: tuple(sorted(spans)) for day, spans in weekly.items()}
            )
        except ValueError as error:
            raise ValidationFailed(str(error), field="intervals") from error

    def read(calendar: BusinessCalendar) -> JSONValue:
        return [[i.weekday, i.start.isoformat(), i.end.isoformat()] for i in calendar.intervals.all()]

    def replace(calendar: BusinessCalendar) -> None:
        calendar.intervals.all().delete()
        WorkingInterval.objects.bulk_create(
            WorkingInterval(calendar=calendar, weekday=weekday, start=start, end=end)
            for weekday, start, end in sorted(intervals)
        )

    return ChildRows(name="intervals", read=read, replace=replace)


def calendar_closures(closures: Sequence[tuple[date, str]]) -> ChildRows:
    """A calendar's closure days besides public holidays (one per date)."""
    days = [day for day, _reason in closures]
    if len(set(days)) != len(days):
        raise ValidationFailed(_("One closure per day."), field="closures")

    def read(calendar: BusinessCalendar) -> JSONValue:
        return [[closure.date.isoformat(), closure.reason] for closure in calendar.closures.all()]

    def replace(calendar: BusinessCalendar) -> None:
        calendar.closures.all().delete()
        ClosureDay.objects.bulk_create(
            ClosureDay(calendar=calendar, date=day, reason=reason) for day, reason in sorted(closures)
        )

    return ChildRows(name="closures", read=read, replace=replace)


def policy_targets(targets: Sequence[tuple[int, int, int]]) -> ChildRows:
    """A policy's per-priority targets (one per priority)."""
    priorities = [priority for priority, _first, _resolution in targets]
    if len(set(priorities)) != len(priorities):
        raise ValidationFailed(_("One target per priority."), field="targets")
    for priority, first_response, resolution in targets:
        if not 0 < first_response <= target_max_minutes() or not 0 < resolution <= target_max_minutes():
            raise ValidationFailed(target_too_long_message(), field="targets")
        if resolution < first_response:
            raise ValidationFailed(
                _("The resolution target of P%(priority)d is shorter than its first response target.")
                % {"priority": priority},
                field="targets",
            )

    def read(policy: SlaPolicy) -> JSONValue:
        return [[t.priority, t.first_response_minutes, t.resolution_minutes] for t in policy.targets.all()]

    def replace(policy: SlaPolicy) -> None:
        policy.targets.all().delete()
        SlaTarget.objects.bulk_create(
            SlaTarget(
                policy=policy, priority=priority, first_response_minutes=first, resolution_minutes=resolution
            )
            for priority, first, resolution in sorted(targets)
        )

    return ChildRows(name="targets", read=read, replace=replace)


def check_single_default_policy(policy: SlaPolicy, *, is_default: bool | None) -> None:
    """Only one policy is the default: unset the current one first (no silent switch)."""
    if is_default and SlaPolicy.objects.filter(is_default=True).exclude(pk=policy.pk).exists():
        raise ValidationFailed(_("Another policy is the default: unset it first."), field="is_default")


def check_pause_states(states: Sequence[str] | None) -> None:
    """Only an open state can pause the clock (resolved and closed stop it)."""
    if states and set(states) - set(OPEN_STATE_VALUES):
        raise ValidationFailed(_("Only open states can pause the clock."), field="pause_states")


@transaction.atomic
def business_calendar_save(
    *, actor: Actor, calendar: BusinessCalendar, values: dict[str, Any]
) -> BusinessCalendar:
    """Create or change a calendar (``values`` may hold ``intervals``: weekday/start/end dicts, and
    ``closures``: date/reason dicts, each replaced as a whole); a change that moves due dates
    recomputes the open tickets after the commit."""
    intervals = values.pop("intervals", None)
    closures = values.pop("closures", None)
    rows = []
    if intervals is not None:
        spans = [(item["weekday"], item["start"], item["end"]) for item in intervals]
        rows.append(
            calendar_intervals(
                spans,
                time_zone=values.get("time_zone") or calendar.time_zone,
                is_always_open=values.get("is_always_open", calendar.is_always_open),
            )
        )
    if closures is not None:
        rows.append(calendar_closures([(item["date"], item.get("reason", "")) for item in closures]))
    changing = not calendar._state.adding
    configuration_save(actor=actor, instance=calendar, fields=CALENDAR_FIELDS, values=values, rows=rows)
    refdata_changed()  # contracts and policies kept per process hold their calendars
    if changing and (set(values) - {"name"} or rows):
        sla_recompute_on_commit(calendar_id=calendar.pk)  # the open tickets' due dates move
    return calendar


@transaction.atomic
def sla_policy_save(*, actor: Actor, policy: SlaPolicy, values: dict[str, Any]) -> SlaPolicy:
    """Create or change a policy (``values`` may hold ``targets``: priority/minutes dicts, replaced as a
    whole); a change that moves due dates recomputes the open tickets after the commit."""
    targets = values.pop("targets", None)
    rows = None
    if targets is not None:
        rows = policy_targets(
            [(t["priority"], t["first_response_minutes"], t["resolution_minutes"]) for t in targets]
        )
    calendar_id = values.get("calendar_id")
    if calendar_id is not None and not BusinessCalendar.objects.filter(pk=calendar_id).exists():
        raise ValidationFailed(_("Unknown or not visible to you."), field="calendar_id")
    check_single_default_policy(policy, is_default=values.get("is_default"))
    check_pause_states(values.get("pause_states"))
    changing = not policy._state.adding
    configuration_save(actor=actor, instance=policy, fields=POLICY_FIELDS, values=values, rows=rows)
    refdata_changed()  # policies, targets and the default policy are kept per process
    if changing and (set(values) - {"name", "is_default"} or rows is not None):
        sla_recompute_on_commit(policy_id=policy.pk)  # the open tickets' due dates move
    return policy
