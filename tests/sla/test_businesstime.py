"""Business-time arithmetic: Paris office hours, holidays, DST nights, and properties over years.

Plain functions, no database. Times are written in the calendar's local zone and compared as
instants (aware datetimes compare by instant whatever their zone).
"""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalade.sla.businesstime import (
    WorkingCalendar,
    _walk,
    _working_spans,
    add_business_time,
    business_time_between,
    next_working_instant,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
MORNING, AFTERNOON = (time(8, 30), time(12, 30)), (time(13, 30), time(18, 0))
OFFICE_HOURS = dict.fromkeys(range(5), (MORNING, AFTERNOON))
OFFICE = WorkingCalendar.with_holidays(time_zone="Europe/Paris", weekly=OFFICE_HOURS, years=range(2024, 2031))
ALWAYS = WorkingCalendar.always_open(time_zone="Europe/Paris")
# Night work across the hours that DST skips or repeats, and intervals ending at 24:00.
NIGHT_SHIFT = WorkingCalendar(
    time_zone="Europe/Paris",
    weekly={
        **{weekday: ((time(0, 0), time(2, 30)), (time(22, 0), time(0, 0))) for weekday in range(5)},
        6: ((time(1, 0), time(2, 15)), (time(2, 45), time(4, 0))),
    },
    closed_days=frozenset({date(2026, 12, 24), date(2027, 3, 29)}),
)
NEW_YORK_OFFICE = WorkingCalendar.with_holidays(
    time_zone="America/New_York",
    weekly={weekday: ((time(9, 0), time(17, 0)),) for weekday in range(6)},
    country="US",
    years=range(2024, 2031),
)
CALENDARS = [OFFICE, ALWAYS, NIGHT_SHIFT, NEW_YORK_OFFICE]
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0) -> datetime:
    """A Paris wall-clock time as a UTC instant.

    Python never finds a time inside a DST fold or gap equal to one in another zone (PEP 495), so
    expected values are converted to UTC, the zone of every result, before comparison.
    """
    return datetime(year, month, day, hour, minute, tzinfo=PARIS, fold=fold).astimezone(UTC)


def add(calendar: WorkingCalendar, start: datetime, duration: timedelta) -> datetime:
    return add_business_time(calendar=calendar, start=start, duration=duration)


def between(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    return business_time_between(calendar=calendar, start=start, end=end)


def is_working(calendar: WorkingCalendar, instant: datetime) -> bool:
    """The definition of working time, read straight off the local wall clock (the test oracle)."""
    wall = instant.astimezone(calendar.zone)
    if wall.date() in calendar.closed_days:
        return False
    now = wall.time().replace(tzinfo=None, fold=0)
    return any(
        start <= now and (end == time(0, 0) or now < end)
        for start, end in calendar.weekly.get(wall.weekday(), ())
    )


# ----------------------------------------------------------------------------- office hours


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        pytest.param(paris(2026, 3, 6, 17), 2 * HOUR, paris(2026, 3, 9, 9, 30), id="friday-to-monday"),
        pytest.param(paris(2026, 7, 13, 17), 2 * HOUR, paris(2026, 7, 15, 9, 30), id="bastille-day"),
        pytest.param(paris(2026, 12, 24, 17), 2 * HOUR, paris(2026, 12, 28, 9, 30), id="christmas"),
        pytest.param(paris(2026, 12, 31, 17), 4 * HOUR, paris(2027, 1, 4, 11, 30), id="new-year"),
        pytest.param(paris(2026, 4, 3, 17), 2 * HOUR, paris(2026, 4, 7, 9, 30), id="easter-monday"),
        pytest.param(paris(2026, 4, 30, 17), 2 * HOUR, paris(2026, 5, 4, 9, 30), id="labour-day"),
        pytest.param(paris(2026, 3, 7, 10), HOUR, paris(2026, 3, 9, 9, 30), id="saturday"),
        pytest.param(paris(2026, 3, 9, 7), HOUR, paris(2026, 3, 9, 9, 30), id="before-opening"),
        pytest.param(paris(2026, 3, 9, 19), HOUR, paris(2026, 3, 10, 9, 30), id="after-closing"),
        pytest.param(paris(2026, 3, 9, 12, 45), HOUR, paris(2026, 3, 9, 14, 30), id="lunch-break"),
        pytest.param(paris(2026, 3, 9, 12), HOUR, paris(2026, 3, 9, 14), id="across-lunch"),
        pytest.param(paris(2026, 3, 9, 8, 30), 4 * HOUR, paris(2026, 3, 9, 12, 30), id="ends-at-closing"),
        pytest.param(paris(2026, 3, 9, 8, 30), 8.5 * HOUR, paris(2026, 3, 9, 18), id="whole-day"),
        pytest.param(paris(2026, 3, 27, 17), 2 * HOUR, paris(2026, 3, 30, 9, 30), id="spring-weekend"),
        pytest.param(paris(2026, 10, 23, 17), 2 * HOUR, paris(2026, 10, 26, 9, 30), id="autumn-weekend"),
        pytest.param(paris(2026, 1, 5, 8, 30), 200 * HOUR, paris(2026, 2, 5, 14), id="200-hours"),
    ],
)
def test_add_business_time_in_office_hours(start: datetime, duration: timedelta, due: datetime) -> None:
    result = add(OFFICE, start, duration)

    assert result == due
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 3, 6, 17, tzinfo=PARIS),
        datetime(2026, 3, 6, 16, tzinfo=UTC),
        datetime(2026, 3, 6, 11, tzinfo=NEW_YORK),
    ],
    ids=["paris", "utc", "new-york"],
)
def test_start_is_an_instant_whatever_its_zone(start: datetime) -> None:
    assert add(OFFICE, start, 2 * HOUR) == paris(2026, 3, 9, 9, 30)


def test_zero_duration_returns_start_even_outside_hours() -> None:
    saturday = paris(2026, 3, 7, 10)

    assert add(OFFICE, saturday, timedelta(0)) == saturday
    assert add(OFFICE, paris(2026, 3, 9, 10), timedelta(0)) == paris(2026, 3, 9, 10)
    assert add(OFFICE, saturday, timedelta(0)).tzinfo is UTC


def test_custom_closed_day_is_skipped() -> None:
    bridge = WorkingCalendar.with_holidays(
        time_zone="Europe/Paris", weekly=OFFICE_HOURS, years=[2026], extra_closed=[date(2026, 5, 15)]
    )

    # Ascension Thursday 14 May, then the bridge Friday 15 May.
    assert add(bridge, paris(2026, 5, 13, 17), 2 * HOUR) == paris(2026, 5, 18, 9, 30)
    assert add(OFFICE, paris(2026, 5, 13, 17), 2 * HOUR) == paris(2026, 5, 15, 9, 30)


def test_subdivision_holidays_apply() -> None:
    moselle = WorkingCalendar.with_holidays(
        time_zone="Europe/Paris", weekly=OFFICE_HOURS, years=[2026], subdivision="57"
    )

    assert date(2026, 12, 26) in moselle.closed_days  # Saint-Étienne, Alsace-Moselle only
    assert date(2026, 12, 26) not in OFFICE.closed_days


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(paris(2026, 3, 9), paris(2026, 3, 16), 42.5 * HOUR, id="plain-week"),
        pytest.param(paris(2026, 7, 13), paris(2026, 7, 20), 34 * HOUR, id="week-of-14-july"),
        pytest.param(paris(2026, 3, 9, 10), paris(2026, 3, 9, 15), 4 * HOUR, id="within-a-day"),
        pytest.param(paris(2026, 3, 9, 12, 40), paris(2026, 3, 9, 13, 20), timedelta(0), id="lunch"),
        pytest.param(paris(2026, 3, 9, 15), paris(2026, 3, 9, 10), timedelta(0), id="end-before-start"),
        pytest.param(paris(2026, 3, 9, 15), paris(2026, 3, 9, 15), timedelta(0), id="empty"),
    ],
)
def test_business_time_between(start: datetime, end: datetime, expected: timedelta) -> None:
    assert between(OFFICE, start, end) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(paris(2026, 3, 9, 10), paris(2026, 3, 9, 10), id="during-hours"),
        pytest.param(paris(2026, 3, 9, 8, 30), paris(2026, 3, 9, 8, 30), id="at-opening"),
        pytest.param(paris(2026, 3, 9, 12, 30), paris(2026, 3, 9, 13, 30), id="at-closing"),
        pytest.param(paris(2026, 3, 6, 18), paris(2026, 3, 9, 8, 30), id="friday-evening"),
        pytest.param(paris(2026, 12, 24, 18), paris(2026, 12, 28, 8, 30), id="christmas-eve"),
    ],
)
def test_next_working_instant(moment: datetime, expected: datetime) -> None:
    result = next_working_instant(calendar=OFFICE, moment=moment)

    assert result == expected
    assert result.tzinfo is UTC


# ----------------------------------------------------------------------------- daylight saving time


def test_spring_forward_hour_does_not_exist_for_24_7() -> None:
    result = add(ALWAYS, paris(2026, 3, 29, 1, 30), HOUR)

    assert result == paris(2026, 3, 29, 3, 30)
    assert between(ALWAYS, paris(2026, 3, 28), paris(2026, 3, 30)) == 47 * HOUR


def test_fall_back_hour_counts_twice_for_24_7() -> None:
    assert between(ALWAYS, paris(2026, 10, 25), paris(2026, 10, 26)) == 25 * HOUR
    assert add(ALWAYS, paris(2026, 10, 25, 1, 30), HOUR) == paris(2026, 10, 25, 2, 30, fold=0)
    assert add(ALWAYS, paris(2026, 10, 25, 1, 30), 2 * HOUR) == paris(2026, 10, 25, 2, 30, fold=1)
    assert add(ALWAYS, paris(2026, 10, 25, 1, 30), 3 * HOUR) == paris(2026, 10, 25, 3, 30)


def sunday_only(start: time, end: time) -> WorkingCalendar:
    return WorkingCalendar(time_zone="Europe/Paris", weekly={6: ((start, end),)})


@pytest.mark.parametrize(
    ("interval", "day", "expected"),
    [
        pytest.param((time(2), time(3)), 29, timedelta(0), id="spring-skipped-hour"),
        pytest.param((time(1, 30), time(2, 30)), 29, 30 * MINUTE, id="spring-ends-in-gap"),
        pytest.param((time(2, 30), time(3, 30)), 29, 30 * MINUTE, id="spring-starts-in-gap"),
        pytest.param((time(1), time(4)), 29, 2 * HOUR, id="spring-around-gap"),
        pytest.param((time(2), time(3)), 22, HOUR, id="ordinary-sunday"),
        pytest.param((time(2), time(3)), 25, 2 * HOUR, id="autumn-repeated-hour"),
        pytest.param((time(2, 30), time(3, 30)), 25, 90 * MINUTE, id="autumn-starts-in-fold"),
        pytest.param((time(1), time(4)), 25, 4 * HOUR, id="autumn-around-fold"),
    ],
)
def test_intervals_on_dst_nights_follow_the_wall_clock(
    interval: tuple[time, time], day: int, expected: timedelta
) -> None:
    month = 3 if day in (22, 29) else 10
    calendar = sunday_only(*interval)

    assert between(calendar, paris(2026, month, day), paris(2026, month, day, 12)) == expected


def test_interval_starting_in_the_repeated_hour_is_split_in_two() -> None:
    # 02:30-03:30 on 25 October: 02:30-03:00 summer time, then 02:30-03:30 winter time.
    calendar = sunday_only(time(2, 30), time(3, 30))
    midnight = paris(2026, 10, 25)

    # Summer time ends at 03:00 CEST, the instant the clock shows 02:00 again.
    assert add(calendar, midnight, 30 * MINUTE) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert add(calendar, midnight, 45 * MINUTE) == paris(2026, 10, 25, 2, 45, fold=1)
    assert next_working_instant(calendar=calendar, moment=paris(2026, 10, 25, 2, 10, fold=1)) == paris(
        2026, 10, 25, 2, 30, fold=1
    )


def test_new_york_spring_forward() -> None:
    always = WorkingCalendar.always_open(time_zone="America/New_York")
    start = datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK)

    assert add(always, start, HOUR) == datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)


# ----------------------------------------------------------------------------- long searches


def test_ten_years_of_24_7_is_counted_quickly() -> None:
    start, end = paris(2026, 1, 1), paris(2036, 1, 1)
    began = clock.perf_counter()

    assert between(ALWAYS, start, end) == end - start
    assert add(ALWAYS, start, end - start) == end
    assert clock.perf_counter() - began < 1


def test_calendar_closed_for_years_raises_instead_of_looping() -> None:
    mondays = frozenset(date(2026, 1, 5) + timedelta(weeks=week) for week in range(52 * 7))
    closed = WorkingCalendar(time_zone="Europe/Paris", weekly={0: (MORNING,)}, closed_days=mondays)

    with pytest.raises(ValueError, match="no working time"):
        next_working_instant(calendar=closed, moment=paris(2026, 1, 1))
    with pytest.raises(ValueError, match="no working time"):
        add(closed, paris(2026, 1, 1), HOUR)
    # A bounded count needs no search limit: it simply finds nothing.
    assert between(closed, paris(2026, 1, 1), paris(2032, 12, 1)) == timedelta(0)


def test_calendar_closed_for_four_years_still_finds_work() -> None:
    mondays = frozenset(date(2026, 1, 5) + timedelta(weeks=week) for week in range(52 * 4))
    closed = WorkingCalendar(time_zone="Europe/Paris", weekly={0: (MORNING,)}, closed_days=mondays)

    result = next_working_instant(calendar=closed, moment=paris(2026, 1, 1))

    assert result == datetime.combine(date(2026, 1, 5) + timedelta(weeks=52 * 4), time(8, 30), PARIS)


# ----------------------------------------------------------------------------- validation


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    naive = datetime(2026, 3, 9, 10)  # noqa: DTZ001 - the point of the test

    with pytest.raises(ValueError, match="start must be an aware datetime"):
        add(OFFICE, naive, HOUR)
    with pytest.raises(ValueError, match="end must be an aware datetime"):
        between(OFFICE, paris(2026, 3, 9), naive)
    with pytest.raises(ValueError, match="moment must be an aware datetime"):
        next_working_instant(calendar=OFFICE, moment=naive)
    with pytest.raises(ValueError, match="must not be negative"):
        add(OFFICE, paris(2026, 3, 9), -MINUTE)


@pytest.mark.parametrize(
    ("time_zone", "weekly", "closed_days", "message"),
    [
        ("Mars/Olympus_Mons", OFFICE_HOURS, frozenset(), "unknown time zone"),
        ("", OFFICE_HOURS, frozenset(), "unknown time zone"),
        ("../etc/passwd", OFFICE_HOURS, frozenset(), "unknown time zone"),
        ("Europe/Paris", {7: (MORNING,)}, frozenset(), "weekday must be 0"),
        ("Europe/Paris", {-1: (MORNING,)}, frozenset(), "weekday must be 0"),
        ("Europe/Paris", {0: ((time(12), time(9)),)}, frozenset(), "must come before its end"),
        ("Europe/Paris", {0: ((time(9), time(9)),)}, frozenset(), "must come before its end"),
        (
            "Europe/Paris",
            {0: ((time(0), time(23, 59, 59, 999999)), (time(0), time(1)))},
            frozenset(),
            "sorted",
        ),
        ("Europe/Paris", {0: (AFTERNOON, MORNING)}, frozenset(), "sorted"),
        ("Europe/Paris", {0: ((time(8), time(14)), AFTERNOON)}, frozenset(), "overlap"),
        ("Europe/Paris", {0: ((time(8), time(0)), AFTERNOON)}, frozenset(), "overlap"),
        ("Europe/Paris", {0: ((time(8, tzinfo=UTC), time(9)),)}, frozenset(), "naive times"),
        ("Europe/Paris", {0: ((time(8),),)}, frozenset(), "pairs"),
        ("Europe/Paris", {}, frozenset(), "at least one working interval"),
        ("Europe/Paris", {0: ()}, frozenset(), "at least one working interval"),
        ("Europe/Paris", OFFICE_HOURS, frozenset({datetime(2026, 5, 1, tzinfo=PARIS)}), "must be dates"),
    ],
)
def test_invalid_calendars_are_refused(
    time_zone: str,
    weekly: dict[int, tuple[tuple[time, time], ...]],
    closed_days: frozenset[date],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(time_zone=time_zone, weekly=weekly, closed_days=closed_days)


@pytest.mark.parametrize(("country", "subdivision"), [("XX", None), ("FR", "ZZ")])
def test_unknown_holiday_country_is_refused(country: str, subdivision: str | None) -> None:
    with pytest.raises(ValueError, match="no public holidays known"):
        WorkingCalendar.with_holidays(
            time_zone="Europe/Paris",
            weekly=OFFICE_HOURS,
            years=[2026],
            country=country,
            subdivision=subdivision,
        )


def test_calendar_is_an_immutable_value() -> None:
    hours = {0: [MORNING]}
    closed = {date(2026, 1, 5)}
    calendar = WorkingCalendar(time_zone="Europe/Paris", weekly=hours, closed_days=closed)  # type: ignore[arg-type]
    hours[0].append(AFTERNOON)
    closed.add(date(2026, 1, 12))

    assert calendar.weekly == {0: (MORNING,)}
    assert calendar.closed_days == {date(2026, 1, 5)}
    assert calendar == WorkingCalendar(
        time_zone="Europe/Paris", weekly={0: (MORNING,)}, closed_days=frozenset({date(2026, 1, 5)})
    )
    assert len({calendar, OFFICE, calendar}) == 2
    with pytest.raises(TypeError):
        calendar.weekly[1] = (MORNING,)  # type: ignore[index]


# ----------------------------------------------------------------------------- properties

calendars = st.sampled_from(CALENDARS)
starts = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive, zones come apart
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from([PARIS, UTC, NEW_YORK]),
)
durations = st.timedeltas(min_value=MINUTE, max_value=300 * HOUR)
# DST weekends, where the interesting wall-clock behaviour happens.
dst_nights = st.sampled_from(
    [
        paris(2026, 3, 29),
        paris(2026, 10, 25),
        paris(2027, 3, 28),
        paris(2027, 10, 31),
        datetime(2028, 3, 26, tzinfo=PARIS),
        datetime(2028, 10, 29, tzinfo=PARIS),
        datetime(2026, 3, 8, tzinfo=NEW_YORK),
        datetime(2026, 11, 1, tzinfo=NEW_YORK),
    ]
)
near_dst = st.builds(lambda night, minutes: night + minutes * MINUTE, dst_nights, st.integers(-3000, 3000))


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, start=starts | near_dst, duration=durations)
def test_property_between_undoes_add(calendar: WorkingCalendar, start: datetime, duration: timedelta) -> None:
    due = add(calendar, start, duration)

    assert between(calendar, start, due) == duration


@settings(max_examples=100, deadline=None)
@given(calendar=calendars, start=starts | near_dst, first=durations, second=durations)
def test_property_add_is_monotonic(
    calendar: WorkingCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    shorter, longer = sorted([first, second])

    assert add(calendar, start, shorter) <= add(calendar, start, longer)


@settings(max_examples=100, deadline=None)
@given(
    calendar=calendars,
    start=starts | near_dst,
    first=durations | st.just(timedelta(0)),
    second=durations | st.just(timedelta(0)),
)
def test_property_add_is_additive(
    calendar: WorkingCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    assert add(calendar, add(calendar, start, first), second) == add(calendar, start, first + second)


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, start=starts | near_dst, duration=durations)
def test_property_due_ends_working_time(
    calendar: WorkingCalendar, start: datetime, duration: timedelta
) -> None:
    due = add(calendar, start, duration)

    # Inside a working interval or at its end: the microsecond just before is working time.
    assert due > start
    assert is_working(calendar, due - timedelta(microseconds=1))


@settings(max_examples=100, deadline=None)
@given(calendar=calendars, start=starts | near_dst)
def test_property_next_working_instant(calendar: WorkingCalendar, start: datetime) -> None:
    result = next_working_instant(calendar=calendar, moment=start)

    assert result >= start
    assert is_working(calendar, result)
    assert between(calendar, start, result) == timedelta(0)


@settings(max_examples=100, deadline=None)
@given(
    calendar=calendars,
    start=starts | near_dst,
    gaps=st.lists(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)), min_size=2, max_size=2
    ),
)
def test_property_between_is_additive(
    calendar: WorkingCalendar, start: datetime, gaps: list[timedelta]
) -> None:
    # Arithmetic in UTC: adding to a zoned datetime moves its wall clock, not the instant.
    start = start.astimezone(UTC)
    middle = start + gaps[0]
    end = middle + gaps[1]

    assert between(calendar, start, end) == between(calendar, start, middle) + between(calendar, middle, end)


@settings(max_examples=60, deadline=None)
@given(calendar=calendars, start=near_dst, minutes=st.integers(0, 3 * 24 * 60))
def test_property_between_matches_the_wall_clock_minute_by_minute(
    calendar: WorkingCalendar, start: datetime, minutes: int
) -> None:
    # Every boundary (intervals and DST transitions) falls on a whole minute, so sampling each
    # minute measures working time exactly. Steps are taken in UTC, where a minute is a minute.
    start = start.astimezone(UTC)
    worked = sum(is_working(calendar, start + step * MINUTE) for step in range(minutes))

    assert between(calendar, start, start + minutes * MINUTE) == worked * MINUTE


# Santiago sets its clocks at midnight (00:00 is skipped in September, repeated in April).
SANTIAGO = WorkingCalendar.with_holidays(
    time_zone="America/Santiago", weekly=OFFICE_HOURS, years=range(2024, 2031), country="CL"
)
SANTIAGO_ALWAYS = WorkingCalendar.always_open(time_zone="America/Santiago")


@settings(max_examples=80, deadline=None)
@given(
    calendar=st.sampled_from([*CALENDARS, SANTIAGO, SANTIAGO_ALWAYS]),
    start=starts | near_dst,
    length=st.timedeltas(min_value=timedelta(days=5), max_value=timedelta(days=800)),
)
def test_property_long_ranges_sum_whole_days_as_the_walk_counts_them(
    calendar: WorkingCalendar, start: datetime, length: timedelta
) -> None:
    # A ticket open for months: its whole days are summed per year, not walked; same result.
    start = start.astimezone(UTC)
    end = start + length

    assert between(calendar, start, end) == _walk(calendar, start, end)


def _add_by_walk(calendar: WorkingCalendar, start: datetime, duration: timedelta) -> datetime:
    """The first implementation of :func:`add_business_time`: span by span from ``start`` (the
    reference the memoised days must equal)."""
    if duration == timedelta(0):
        return start.astimezone(UTC)
    remaining = duration
    for low, high in _working_spans(calendar, since=start.astimezone(UTC)):
        if high - low >= remaining:
            return low + remaining
        remaining -= high - low
    raise AssertionError("unreachable: the spans never end")


@settings(max_examples=150, deadline=None)
@given(
    calendar=st.sampled_from([*CALENDARS, SANTIAGO, SANTIAGO_ALWAYS]),
    start=starts | near_dst,
    duration=st.timedeltas(min_value=timedelta(0), max_value=400 * HOUR),
)
def test_property_the_memoised_days_add_as_the_walk(
    calendar: WorkingCalendar, start: datetime, duration: timedelta
) -> None:
    # The facts of a million tickets reuse each calendar day's spans: same instants as walking.
    assert add(calendar, start, duration) == _add_by_walk(calendar, start, duration)


@settings(max_examples=150, deadline=None)
@given(
    calendar=st.sampled_from([*CALENDARS, SANTIAGO, SANTIAGO_ALWAYS]),
    start=starts | near_dst,
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=12)),
)
def test_property_the_memoised_days_count_as_the_walk(
    calendar: WorkingCalendar, start: datetime, length: timedelta
) -> None:
    start = start.astimezone(UTC)

    assert between(calendar, start, start + length) == _walk(calendar, start, start + length)
