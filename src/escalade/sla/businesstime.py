"""Business time: working hours in local wall time, closed days, and arithmetic over them.

Pure Python (no models, no database), so the SLA clock can compute due dates anywhere.

A :class:`WorkingCalendar` says when a team works. One rule defines working time: an instant is
working time when the calendar's wall clock, at that instant, shows a date that is not closed and a
time inside one of that weekday's ``[start, end)`` intervals. Daylight saving time follows from it:

* on the spring-forward night the skipped wall times never happen, so in Paris an interval
  02:00-03:00 lasts nothing that day and 01:30-02:30 lasts 30 minutes;
* on the fall-back night the repeated wall times happen twice and count twice: a 24/7 calendar has
  a 25-hour day, and an interval 02:30-03:30 lasts 1 h 30 (02:30-03:00 summer time, then
  02:30-03:30 winter time, the half hour in between showing 02:00-02:30 again).

An interval end of ``time(0, 0)`` means 24:00, the midnight that ends the day: ``(time(0),
time(0))`` is a whole day. (``time.max`` would leave the day's last microsecond out.)

Every function takes aware datetimes (naive ones raise :class:`ValueError`) and returns aware
datetimes in UTC.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

Interval = tuple[dt.time, dt.time]
WeeklyHours = Mapping[int, tuple[Interval, ...]]
Span = tuple[dt.datetime, dt.datetime]

MIDNIGHT = dt.time(0, 0)
ZERO = dt.timedelta(0)
ONE_DAY = dt.timedelta(days=1)
ONE_MICROSECOND = dt.timedelta(microseconds=1)
# A calendar without working time for this long is misconfigured (or closed for good); searching
# further would only hang the caller, so the search gives up with an error instead.
SEARCH_LIMIT = dt.timedelta(days=5 * 366)
# Fewer whole days than this are walked: summing them would not be faster.
WHOLE_DAYS_WORTH_SUMMING = dt.timedelta(days=7)


@dataclass(frozen=True, kw_only=True)
class WorkingCalendar:
    """When a team works: weekly hours in local wall time, minus closed days.

    ``weekly`` maps a weekday (0 = Monday ... 6 = Sunday) to its sorted, non-overlapping
    ``(start, end)`` intervals of naive local times; a weekday left out is not worked, and an end of
    ``time(0, 0)`` means 24:00. ``closed_days`` are local dates (public holidays, closures) on which
    nothing is worked. The calendar is immutable and hashable.
    """

    time_zone: str
    weekly: WeeklyHours = field(hash=False)
    closed_days: frozenset[dt.date] = frozenset()
    # The working time of each local day of a year, as running sums (see ``_whole_days``): computed
    # once per year the calendar is asked about, not part of its value.
    _running_totals: dict[int, tuple[dt.timedelta, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    # Each local day asked about: its bounds in UTC, its working spans and their total (see ``_day``).
    _days: dict[dt.date, _Day] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        _check_time_zone(self.time_zone)
        # Copies, so that the caller mutating its own dict or set cannot change a frozen calendar.
        object.__setattr__(self, "weekly", MappingProxyType(_checked_weekly(self.weekly)))
        object.__setattr__(self, "closed_days", _checked_closed_days(self.closed_days))

    @classmethod
    def with_holidays(
        cls,
        *,
        time_zone: str,
        weekly: WeeklyHours,
        years: Iterable[int],
        country: str = "FR",
        subdivision: str | None = None,
        extra_closed: Iterable[dt.date] = (),
    ) -> WorkingCalendar:
        """A calendar closed on the public holidays of ``country`` (and ``subdivision``) in ``years``.

        Only the listed years get holidays: pick a range that covers every due date to compute.
        ``extra_closed`` adds the organisation's own closures (bridge days, inventory days...).
        """
        try:
            public = holidays.country_holidays(country, subdiv=subdivision, years=list(years))
        except NotImplementedError as error:
            raise ValueError(
                f"no public holidays known for country {country!r}, subdivision {subdivision!r}"
            ) from error
        return cls(
            time_zone=time_zone,
            weekly=weekly,
            closed_days=frozenset(public) | frozenset(extra_closed),
        )

    @classmethod
    def always_open(cls, *, time_zone: str) -> WorkingCalendar:
        """A 24/7 calendar: every instant is working time (fall-back days last 25 hours)."""
        return cls(time_zone=time_zone, weekly=dict.fromkeys(range(7), ((MIDNIGHT, MIDNIGHT),)))

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone (``ZoneInfo`` caches instances, so this is cheap)."""
        return ZoneInfo(self.time_zone)

    def wall_intervals(self, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The working intervals of a local date, as naive wall-clock datetimes; none if closed."""
        if day in self.closed_days:
            return
        for start, end in self.weekly.get(day.weekday(), ()):
            yield dt.datetime.combine(day, start), _wall_end(day, end)


def add_business_time(
    *, calendar: WorkingCalendar, start: dt.datetime, duration: dt.timedelta
) -> dt.datetime:
    """The earliest instant at which ``duration`` of working time has elapsed since ``start``.

    Counting starts at the first working instant at or after ``start``. When the count runs out
    exactly at a closing time, the closing time is the answer (a task due "after 4 hours" from
    08:30 is due at 12:30, not at the 13:30 reopening). Hence a zero duration returns ``start``
    itself, even outside working hours: use :func:`next_working_instant` for the next opening.
    For every duration ``d``, ``business_time_between(start, add_business_time(start, d)) == d``.
    """
    origin = _as_utc(start, name="start")
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    if duration == ZERO:
        return origin
    # Day by day through the calendar's memoised local days: a whole day that does not use up what
    # is left is skipped by its total; the day where the count runs out is walked span by span.
    remaining, last_work = duration, origin
    day = _day_of(calendar, origin)
    while True:
        if day.start >= origin and ZERO < day.total < remaining:
            remaining -= day.total
            last_work = day.spans[-1][1]
        elif day.end > origin and day.total:
            for low, high in day.spans:
                if high <= origin:
                    continue
                begin = max(low, origin)
                if high - begin >= remaining:
                    return begin + remaining
                remaining -= high - begin
                last_work = high
        elif day.start - last_work > SEARCH_LIMIT:
            raise ValueError(
                f"the calendar has no working time in the {SEARCH_LIMIT.days} days after "
                f"{last_work:%Y-%m-%d}: check its weekly hours and closed days"
            )
        day = _day(calendar, day.date + ONE_DAY)


def business_time_between(*, calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """The working time within ``[start, end)``; zero when ``end`` is not after ``start``."""
    origin, finish = _as_utc(start, name="start"), _as_utc(end, name="end")
    if finish <= origin:
        return ZERO
    # The partial first and last local days, span by span, plus the whole days in between: a few
    # summed from the memoised days, a long range (a ticket open for months) from the running sums
    # per year. The local days come from a per-calendar memo (``_day``): computed once per day.
    first, last = _day_of(calendar, origin), _day_of(calendar, finish)
    if first.date == last.date:
        return _clipped(first, origin, finish)
    total = _clipped(first, origin, finish) + _clipped(last, origin, finish)
    after, before = first.date + ONE_DAY, last.date
    if before - after < WHOLE_DAYS_WORTH_SUMMING:
        while after < before:
            total += _day(calendar, after).total
            after += ONE_DAY
        return total
    return total + _whole_days(calendar, after, before)


@dataclass(frozen=True, slots=True)
class _Day:
    """A local day of a calendar: its bounds in UTC (``[start, end)``, consecutive days' bounds cut
    time into consecutive ranges), its working spans clipped to them, their total."""

    date: dt.date
    start: dt.datetime
    end: dt.datetime
    spans: tuple[Span, ...]
    total: dt.timedelta


def _day(calendar: WorkingCalendar, day: dt.date) -> _Day:
    """The local ``day`` of ``calendar``, computed once per calendar (the facts of a million tickets
    ask about the same few hundred days)."""
    found = calendar._days.get(day)
    if found is not None:
        return found
    zone = calendar.zone
    start, end = _day_start(zone, day), _day_start(zone, day + ONE_DAY)
    spans = []
    for low, high in _working_spans(calendar, since=start, until=end):
        if low >= end:
            break
        spans.append((low, min(high, end)))
    total = sum((high - low for low, high in spans), ZERO)
    calendar._days[day] = found = _Day(date=day, start=start, end=end, spans=tuple(spans), total=total)
    return found


def _day_of(calendar: WorkingCalendar, instant: dt.datetime) -> _Day:
    """The local day of ``calendar`` whose UTC bounds hold ``instant`` (UTC)."""
    hint = calendar._days.get(_HINT)  # the last day found: a clock's instants come close together
    if hint is not None and hint.start <= instant < hint.end:
        return hint
    day = _day(calendar, instant.astimezone(calendar.zone).date())
    while day.start > instant:  # a clock set back past midnight
        day = _day(calendar, day.date - ONE_DAY)
    while day.end <= instant:
        day = _day(calendar, day.date + ONE_DAY)
    calendar._days[_HINT] = day
    return day


_HINT = dt.date.min  # the key under which ``_day_of`` keeps the last day it found


def _clipped(day: _Day, origin: dt.datetime, finish: dt.datetime) -> dt.timedelta:
    """The working time of ``day`` within ``[origin, finish)``."""
    if origin <= day.start and day.end <= finish:
        return day.total
    total = ZERO
    for low, high in day.spans:
        begin, end = max(low, origin), min(high, finish)
        if begin < end:
            total += end - begin
    return total


def _walk(calendar: WorkingCalendar, origin: dt.datetime, finish: dt.datetime) -> dt.timedelta:
    """The working time within ``[origin, finish)`` (UTC), span by span."""
    total = ZERO
    for low, high in _working_spans(calendar, since=origin, until=finish):
        if low >= finish:
            break
        total += min(high, finish) - low
    return total


def _day_start(zone: ZoneInfo, day: dt.date) -> dt.datetime:
    """The instant, in UTC, at which the wall clock shows ``day`` at midnight (its first occurrence;
    where midnight is skipped, the transition). Increasing with ``day``: consecutive days' starts cut
    time into consecutive ranges, whatever the clock changes."""
    return dt.datetime.combine(day, MIDNIGHT, tzinfo=zone).astimezone(dt.UTC)


def _whole_days(calendar: WorkingCalendar, first: dt.date, last: dt.date) -> dt.timedelta:
    """The working time from the start of local day ``first`` to the start of local day ``last``."""
    total = ZERO
    for year in range(first.year, last.year + 1):
        running = _running_totals(calendar, year)
        january = dt.date(year, 1, 1)
        low = (max(first, january) - january).days
        high = (min(last, dt.date(year + 1, 1, 1)) - january).days
        total += running[high] - running[low]
    return total


def _running_totals(calendar: WorkingCalendar, year: int) -> tuple[dt.timedelta, ...]:
    """``totals[i]``: the working time of the first ``i`` days of ``year`` (local days)."""
    cached = calendar._running_totals.get(year)
    if cached is not None:
        return cached
    day, totals = dt.date(year, 1, 1), [ZERO]
    while day.year == year:
        totals.append(totals[-1] + _day(calendar, day).total)
        day += ONE_DAY
    calendar._running_totals[year] = result = tuple(totals)
    return result


def next_working_instant(*, calendar: WorkingCalendar, moment: dt.datetime) -> dt.datetime:
    """The first working instant at or after ``moment`` (``moment`` itself during working hours).

    Raises :class:`ValueError` when the calendar has no working time within five years.
    """
    low, _high = next(_working_spans(calendar, since=_as_utc(moment, name="moment")))
    return low


# ----------------------------------------------------------------------------- working time spans


def _working_spans(
    calendar: WorkingCalendar, *, since: dt.datetime, until: dt.datetime | None = None
) -> Iterator[Span]:
    """The working time from ``since`` on, as increasing, disjoint UTC spans.

    The first span is clipped to start at ``since``. Given ``until``, stops once past it; without
    it, raises :class:`ValueError` after :data:`SEARCH_LIMIT` without any working time.
    """
    last_work = since
    for start, end, offset in _constant_offset_spans(calendar.zone, since=since):
        if until is not None and start >= until:
            return
        if until is None and start - last_work > SEARCH_LIMIT:
            raise ValueError(
                f"the calendar has no working time in the {SEARCH_LIMIT.days} days after "
                f"{last_work:%Y-%m-%d}: check its weekly hours and closed days"
            )
        for span in _spans_within(calendar, start=start, end=end, offset=offset):
            yield span
            last_work = span[1]


def _spans_within(
    calendar: WorkingCalendar, *, start: dt.datetime, end: dt.datetime, offset: dt.timedelta
) -> Iterator[Span]:
    """The working time within the UTC span ``[start, end)``, over which the UTC offset is fixed.

    With a fixed offset, wall time is UTC shifted, so the day's wall intervals intersect directly.
    """
    wall_start, wall_end = _to_wall(start, offset), _to_wall(end, offset)
    day = wall_start.date()
    while dt.datetime.combine(day, MIDNIGHT) < wall_end:
        for low, high in calendar.wall_intervals(day):
            clipped_low, clipped_high = max(low, wall_start), min(high, wall_end)
            if clipped_low < clipped_high:
                yield _from_wall(clipped_low, offset), _from_wall(clipped_high, offset)
        day += ONE_DAY


def _constant_offset_spans(
    zone: ZoneInfo, *, since: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime, dt.timedelta]]:
    """Cut UTC time from ``since`` on into spans of at most a day with a constant UTC offset.

    Probing the offset once a day finds every transition as long as two transitions are never less
    than a day apart, which holds for every zone in use (they are months apart).
    """
    start, offset = since, _offset_at(zone, since)
    while True:
        end = start + ONE_DAY
        end_offset = _offset_at(zone, end)
        if end_offset != offset:
            end = _transition(zone, after=start, before=end, offset=offset)
        yield start, end, offset
        start, offset = end, end_offset


def _transition(
    zone: ZoneInfo, *, after: dt.datetime, before: dt.datetime, offset: dt.timedelta
) -> dt.datetime:
    """The first instant in ``(after, before]`` whose UTC offset is not ``offset`` (bisection).

    zoneinfo does not publish its transitions; ~40 probes to the microsecond, twice a year, is cheap.
    """
    low, high = 0, (before - after) // ONE_MICROSECOND
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(zone, after + middle * ONE_MICROSECOND) == offset:
            low = middle
        else:
            high = middle
    return after + high * ONE_MICROSECOND


def _offset_at(zone: ZoneInfo, instant: dt.datetime) -> dt.timedelta:
    # An aware datetime in a ZoneInfo always has an offset; the fallback only satisfies the typing.
    return instant.astimezone(zone).utcoffset() or ZERO


def _to_wall(instant: dt.datetime, offset: dt.timedelta) -> dt.datetime:
    return (instant + offset).replace(tzinfo=None)


def _from_wall(wall: dt.datetime, offset: dt.timedelta) -> dt.datetime:
    return (wall - offset).replace(tzinfo=dt.UTC)


def _wall_end(day: dt.date, end: dt.time) -> dt.datetime:
    """The wall-clock end of an interval on ``day``; ``time(0, 0)`` is the next midnight."""
    if end == MIDNIGHT:
        return dt.datetime.combine(day + ONE_DAY, MIDNIGHT)
    return dt.datetime.combine(day, end)


def _as_utc(moment: dt.datetime, *, name: str) -> dt.datetime:
    """``moment`` in UTC; a naive datetime is refused, as its time zone would be a guess."""
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got the naive {moment.isoformat()}")
    return moment.astimezone(dt.UTC)


# ----------------------------------------------------------------------------- validation


def _check_time_zone(time_zone: str) -> None:
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(f"unknown time zone {time_zone!r}, expected an IANA name") from error


def _checked_weekly(weekly: WeeklyHours) -> dict[int, tuple[Interval, ...]]:
    """The weekly hours, checked and copied, without the weekdays that have no interval."""
    checked: dict[int, tuple[Interval, ...]] = {}
    for weekday, intervals in weekly.items():
        if isinstance(weekday, bool) or weekday not in range(7):
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
        day = tuple(_checked_interval(weekday, interval) for interval in intervals)
        for (_, previous_end), (start, _) in itertools.pairwise(day):
            if _since_midnight(start) < _day_offset(previous_end):
                raise ValueError(
                    f"weekday {weekday}: intervals must be sorted and must not overlap, "
                    f"but {start} starts before the previous interval ends at {previous_end}"
                )
        if day:
            checked[weekday] = day
    if not checked:
        raise ValueError("a working calendar needs at least one working interval in its week")
    return dict(sorted(checked.items()))


def _checked_interval(weekday: int, interval: Interval) -> Interval:
    try:
        start, end = interval
    except (TypeError, ValueError) as error:
        raise ValueError(f"weekday {weekday}: intervals must be (start, end) pairs") from error
    for moment in (start, end):
        if not isinstance(moment, dt.time) or moment.tzinfo is not None:
            raise ValueError(f"weekday {weekday}: interval bounds must be naive times, got {moment!r}")
    if _since_midnight(start) >= _day_offset(end):
        raise ValueError(
            f"weekday {weekday}: interval start {start} must come before its end {end} "
            "(write time(0, 0) as the end for midnight)"
        )
    return start, end


def _checked_closed_days(closed_days: Iterable[dt.date]) -> frozenset[dt.date]:
    days = frozenset(closed_days)
    for day in days:
        # A datetime is a date too, but it never equals one, so it would never close anything.
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ValueError(f"closed days must be dates, got {day!r}")
    return days


def _since_midnight(moment: dt.time) -> dt.timedelta:
    return dt.timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def _day_offset(end: dt.time) -> dt.timedelta:
    """How far into the day an interval end lies: ``time(0, 0)`` is 24 hours, the day's end."""
    return ONE_DAY if end == MIDNIGHT else _since_midnight(end)
