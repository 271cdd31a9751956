"""iCalendar feeds (RFC 5545, the ``icalendar`` library) of a person's shifts and of a rota."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Event

from escalade.accounts.models import User
from escalade.oncall.models import Schedule
from escalade.oncall.rota import Shift, shifts_between
from escalade.oncall.selectors import rota_of, shifts_of_user

PAST = dt.timedelta(days=14)
AHEAD = dt.timedelta(days=90)


def _calendar(name: str, entries: Iterable[tuple[Schedule, Shift]]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Escalade//On call//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for schedule, shift in entries:
        event = Event()
        event.add("uid", f"oncall-{schedule.pk}-{shift.user.pk}-{int(shift.start.timestamp())}@escalade")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.start.astimezone(dt.UTC))
        event.add("dtend", shift.end.astimezone(dt.UTC))
        event.add("summary", f"{schedule.name}: {shift.user.full_name or shift.user.email}")
        event.add("description", shift.layer)
        calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body


def person_feed(*, user: User) -> bytes:
    now = timezone.now()
    return _calendar(
        user.full_name or user.email, shifts_of_user(user=user, start=now - PAST, end=now + AHEAD)
    )


def schedule_feed(*, schedule: Schedule) -> bytes:
    now = timezone.now()
    start, end = now - PAST, now + AHEAD
    rota = rota_of(schedule=schedule, start=start, end=end)
    return _calendar(schedule.name, [(schedule, shift) for shift in shifts_between(rota, start, end)])
