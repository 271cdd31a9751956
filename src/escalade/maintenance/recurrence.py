"""When a plan's occurrences fall: its RRULE (RFC 5545, ``dateutil.rrule``) read in the client's wall
time, then moved or skipped around the closed days of a business calendar.

The rule is expanded on naive local datetimes and each result is placed in the time zone afterwards, so
"every Monday at 08:00" stays at 08:00 on both sides of a DST change (the UTC instant moves by an hour).
A wall time that does not exist (02:30 on the spring-forward night) moves forward by the gap, as
``zoneinfo`` does with ``fold=0`` after a round trip through UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

# The longest a moved occurrence may travel to its working day (a closed fortnight is already odd).
MAX_MOVE_DAYS = 31


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """The parts of a plan that decide its dates (a plan, or a plan being edited)."""

    recurrence: str
    first_date: dt.date
    at_time: dt.time
    time_zone: str
    holiday_rule: str = "keep"


def parse_rule(schedule: Schedule) -> rrule:
    """The plan's rule anchored at its first date and time (ValueError when the RRULE is not valid)."""
    text = schedule.recurrence.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "DTSTART" in text.upper():
        raise ValueError("an RRULE without DTSTART is expected")
    start = dt.datetime.combine(schedule.first_date, schedule.at_time)
    rule = rrulestr(text, dtstart=start)
    if not isinstance(rule, rrule):  # an rruleset: several rules were given
        raise ValueError("one RRULE is expected")
    return rule


def localise(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant of a naive wall time in ``zone`` (a non-existent time moves forward by the gap)."""
    aware = wall.replace(tzinfo=zone, fold=0)
    return aware.astimezone(dt.UTC).astimezone(zone)


def occurrence_times(
    schedule: Schedule,
    *,
    start: dt.datetime,
    end: dt.datetime,
    is_working_day: Callable[[dt.date], bool] = lambda day: True,
) -> list[dt.datetime]:
    """The aware instants (in the plan's zone) of the occurrences in [start, end), after the holiday
    rule: ``keep`` leaves a closed day alone, ``skip`` drops it, ``next_working_day`` moves it to the
    next day ``is_working_day`` accepts, at the same wall time."""
    zone = ZoneInfo(schedule.time_zone)
    rule = parse_rule(schedule)
    # Read a little before the window: an occurrence moved off a closed day may land inside it.
    local_start = start.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=MAX_MOVE_DAYS)
    local_end = end.astimezone(zone).replace(tzinfo=None)
    found: list[dt.datetime] = []
    for wall in rule.between(local_start, local_end, inc=True):
        moved = _apply_holiday_rule(wall, schedule.holiday_rule, is_working_day)
        if moved is None:
            continue
        instant = localise(moved, zone)
        if start <= instant < end and instant not in found:
            found.append(instant)
    return found


def _apply_holiday_rule(
    wall: dt.datetime, rule: str, is_working_day: Callable[[dt.date], bool]
) -> dt.datetime | None:
    if rule == "keep" or is_working_day(wall.date()):
        return wall
    if rule == "skip":
        return None
    for days in range(1, MAX_MOVE_DAYS + 1):
        candidate = wall + dt.timedelta(days=days)
        if is_working_day(candidate.date()):
            return candidate
    return None


def describe(schedule: Schedule, *, count: int = 5, after: dt.datetime | None = None) -> list[dt.datetime]:
    """The next ``count`` wall times of the rule (the plan form shows them), before the holiday rule."""
    rule = parse_rule(schedule)
    zone = ZoneInfo(schedule.time_zone)
    moment = (after or dt.datetime.now(dt.UTC)).astimezone(zone).replace(tzinfo=None)
    return [localise(wall, zone) for wall in rule.xafter(moment, count=count)]
