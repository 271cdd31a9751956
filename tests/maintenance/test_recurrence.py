"""When occurrences fall: wall-clock time kept across DST changes, holidays skipped or moved."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest

from escalade.maintenance.recurrence import Schedule, occurrence_times, parse_rule
from escalade.sla.models import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
WEEKLY_MONDAY_8 = Schedule(
    recurrence="FREQ=WEEKLY;BYDAY=MO",
    first_date=dt.date(2026, 1, 5),
    at_time=dt.time(8, 0),
    time_zone="Europe/Paris",
)


def _utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.UTC)


def test_weekly_check_stays_at_eight_local_across_the_spring_change() -> None:
    times = occurrence_times(WEEKLY_MONDAY_8, start=_utc(2026, 3, 20), end=_utc(2026, 4, 1))
    assert [t.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") for t in times] == [
        "2026-03-23 08:00",
        "2026-03-30 08:00",
    ]
    # 08:00 CET is 07:00 UTC; after the change (29 March), 08:00 CEST is 06:00 UTC.
    assert [t.astimezone(dt.UTC).hour for t in times] == [7, 6]


def test_weekly_check_stays_at_eight_local_across_the_autumn_change() -> None:
    times = occurrence_times(WEEKLY_MONDAY_8, start=_utc(2026, 10, 19), end=_utc(2026, 11, 3))
    assert [t.astimezone(dt.UTC).strftime("%m-%d %H") for t in times] == ["10-19 06", "10-26 07", "11-02 07"]


def test_a_wall_time_that_does_not_exist_moves_forward_by_the_gap() -> None:
    night = Schedule(
        recurrence="FREQ=DAILY",
        first_date=dt.date(2026, 3, 28),
        at_time=dt.time(2, 30),
        time_zone="Europe/Paris",
    )
    times = occurrence_times(night, start=_utc(2026, 3, 28), end=_utc(2026, 3, 31))
    assert [t.astimezone(PARIS).strftime("%d %H:%M") for t in times] == ["28 02:30", "29 03:30", "30 02:30"]


def _french_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in holidays.country_holidays("FR", years=day.year)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("keep", ["2026-03-30 08:00", "2026-04-06 08:00", "2026-04-13 08:00"]),
        ("skip", ["2026-03-30 08:00", "2026-04-13 08:00"]),
        ("next_working_day", ["2026-03-30 08:00", "2026-04-07 08:00", "2026-04-13 08:00"]),
    ],
)
def test_easter_monday_is_kept_skipped_or_moved(rule: str, expected: list[str]) -> None:
    schedule = Schedule(
        recurrence=WEEKLY_MONDAY_8.recurrence,
        first_date=WEEKLY_MONDAY_8.first_date,
        at_time=dt.time(8, 0),
        time_zone="Europe/Paris",
        holiday_rule=rule,
    )
    times = occurrence_times(
        schedule, start=_utc(2026, 3, 29), end=_utc(2026, 4, 14), is_working_day=_french_working_day
    )
    assert [t.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") for t in times] == expected


def test_a_moved_occurrence_from_before_the_window_lands_inside_it() -> None:
    schedule = Schedule(
        recurrence="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25",
        first_date=dt.date(2026, 12, 25),
        at_time=dt.time(9, 0),
        time_zone="Europe/Paris",
        holiday_rule="next_working_day",
    )
    times = occurrence_times(
        schedule, start=_utc(2026, 12, 26), end=_utc(2026, 12, 31), is_working_day=_french_working_day
    )
    # 25 December 2026 is a Friday holiday: the next working day is Monday 28.
    assert [t.astimezone(PARIS).date() for t in times] == [dt.date(2026, 12, 28)]


@pytest.mark.parametrize(
    "text", ["", "FREQ=SOMETIMES", "DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "BYDAY=XX"]
)
def test_invalid_rules_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - dateutil's messages vary
        parse_rule(
            Schedule(recurrence=text, first_date=dt.date(2026, 1, 1), at_time=dt.time(8), time_zone="UTC")
        )


@pytest.mark.django_db
def test_the_plans_business_calendar_decides_the_working_days(make_plan) -> None:
    from escalade.maintenance.services import plan_times

    calendar = BusinessCalendar.objects.filter(holiday_country="FR").order_by("pk").first()
    assert calendar is not None  # the seeded office hours: Monday to Friday, French public holidays
    plan = make_plan(holiday_rule="next_working_day", calendar=calendar)
    times = plan_times(plan, start=_utc(2026, 4, 5), end=_utc(2026, 4, 8))
    assert [t.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") for t in times] == ["2026-04-07 08:00"]
