"""Who is on call: rotations (daily, weekly, custom), hand-off time in the schedule's zone across a
daylight-saving change, layers, overrides, absences; now and next; the iCal feeds read back."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from escalade.oncall import ical
from escalade.oncall.models import Absence, Layer, LayerMember, Override, Rotation, Schedule
from escalade.oncall.rota import shifts_between
from escalade.oncall.selectors import on_call_now, on_call_user, rota_of
from tests.accounts.factories import StaffFactory
from tests.oncall.helpers import PARIS, frozen

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def people():
    return [StaffFactory.create(email=f"p{n}@provider.example", full_name=f"Person {n}") for n in range(3)]


def _schedule(
    people, rotation: str, *, starts_on: dt.date = dt.date(2026, 11, 30), hours: int = 12
) -> Schedule:
    schedule = Schedule.objects.create(name=f"Rota {rotation}", time_zone="Europe/Paris")
    layer = Layer.objects.create(
        schedule=schedule, name="Main", rotation=rotation, shift_hours=hours, handoff_time=dt.time(9),
        starts_on=starts_on,
    )  # fmt: skip
    for position, person in enumerate(people):
        LayerMember.objects.create(layer=layer, user=person, position=position)
    return schedule


@pytest.mark.parametrize(
    ("rotation", "moment", "expected"),
    [
        (Rotation.WEEKLY, _at(6, 2), 0),  # Sunday night: still the first week (Mon 30 Nov 09:00 →)
        (Rotation.WEEKLY, _at(7, 8, 59), 0),
        (Rotation.WEEKLY, _at(7, 9), 1),  # Monday 09:00: hand-off
        (Rotation.WEEKLY, _at(21, 9), 0),  # three people: back to the first after three weeks
        (Rotation.DAILY, _at(1, 8), 0),
        (Rotation.DAILY, _at(1, 9), 1),
        (Rotation.DAILY, _at(2, 10), 2),
        (Rotation.CUSTOM, _at(30, 20, month=11), 0),  # 12-hour shifts: 09:00-21:00, 21:00-09:00
        (Rotation.CUSTOM, _at(30, 21, month=11), 1),
        (Rotation.CUSTOM, _at(1, 9), 2),
    ],
)
def test_rotations_hand_over_at_the_hand_off_time(people, rotation, moment, expected):
    assert on_call_user(schedule=_schedule(people, rotation), at=moment) == people[expected]


def test_nobody_before_the_rota_starts(people):
    assert on_call_user(schedule=_schedule(people, Rotation.WEEKLY), at=_at(30, 8, month=11)) is None


def test_the_hand_off_stays_at_nine_across_a_daylight_saving_change(people):
    schedule = _schedule(people, Rotation.DAILY, starts_on=dt.date(2026, 3, 27))  # DST: Sunday 29 March
    paris = dt.timezone(dt.timedelta(hours=2))  # summer time after the change
    assert on_call_user(schedule=schedule, at=dt.datetime(2026, 3, 30, 8, 59, tzinfo=paris)) == people[2]
    assert on_call_user(schedule=schedule, at=dt.datetime(2026, 3, 30, 9, 0, tzinfo=paris)) == people[0]


def test_a_higher_layer_wins_and_an_override_beats_every_layer(people):
    schedule = _schedule(people[:1], Rotation.WEEKLY)
    nights = Layer.objects.create(
        schedule=schedule, name="Weekend", position=5, rotation=Rotation.WEEKLY, handoff_time=dt.time(9),
        starts_on=dt.date(2026, 12, 5),
    )  # fmt: skip
    LayerMember.objects.create(layer=nights, user=people[1])
    assert on_call_user(schedule=schedule, at=_at(4, 12)) == people[0]
    assert on_call_user(schedule=schedule, at=_at(6, 2)) == people[1]
    Override.objects.create(
        schedule=schedule, user=people[2], starts_at=_at(6, 0), ends_at=_at(6, 6), reason="Swap"
    )
    assert on_call_user(schedule=schedule, at=_at(6, 2)) == people[2]
    assert on_call_user(schedule=schedule, at=_at(6, 6)) == people[1]


def test_an_absent_person_is_replaced_by_the_next_one(people):
    schedule = _schedule(people, Rotation.WEEKLY)
    Absence.objects.create(user=people[0], starts_at=_at(5, 0), ends_at=_at(7, 0), reason="Holiday")
    assert on_call_user(schedule=schedule, at=_at(4, 12)) == people[0]
    assert on_call_user(schedule=schedule, at=_at(6, 2)) == people[1]


def test_now_and_next(people):
    schedule = _schedule(people, Rotation.WEEKLY)
    Override.objects.create(schedule=schedule, user=people[2], starts_at=_at(6, 18), ends_at=_at(6, 22))
    [row] = on_call_now(at=_at(6, 2))
    assert row.current is not None
    assert row.next is not None
    assert (row.current.user, row.current.end) == (people[0], _at(6, 18))
    assert (row.next.user, row.next.start, row.next.end) == (people[2], _at(6, 18), _at(6, 22))


def test_shifts_are_merged_and_cut_at_overrides(people):
    schedule = _schedule(people[:2], Rotation.DAILY)
    Override.objects.create(schedule=schedule, user=people[1], starts_at=_at(1, 12), ends_at=_at(1, 14))
    rota = rota_of(schedule=schedule, start=_at(1, 0), end=_at(2, 0))
    assert [(s.user, s.start, s.end) for s in shifts_between(rota, _at(1, 0), _at(2, 0))] == [
        (people[0], _at(1, 0), _at(1, 9)),
        (people[1], _at(1, 9), _at(1, 12)),
        (people[1], _at(1, 12), _at(1, 14)),  # the override, listed as such
        (people[1], _at(1, 14), _at(2, 0)),
    ]


def test_the_ical_feeds_read_back(people, client):
    schedule = _schedule(people[:2], Rotation.WEEKLY)
    with frozen(_at(6, 2)):
        rota_feed = Calendar.from_ical(ical.schedule_feed(schedule=schedule))
        person_feed = Calendar.from_ical(ical.person_feed(user=people[1]))
    events = rota_feed.walk("VEVENT")
    assert events[0]["summary"] == "Rota weekly: Person 0"
    assert events[0].decoded("dtstart") == _at(30, 9, month=11)
    assert events[0].decoded("dtend") == _at(7, 9)
    mine = person_feed.walk("VEVENT")
    assert {event["summary"] for event in mine} == {"Rota weekly: Person 1"}
    assert mine[0].decoded("dtstart") == _at(7, 9)
    assert mine[0].decoded("dtend") - mine[0].decoded("dtstart") == dt.timedelta(days=7)
