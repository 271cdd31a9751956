"""The SLA clock against an independent reference: a naive minute-by-minute count over the same calendar.

The reference knows nothing of the clock's arithmetic (spans, running totals, projections): it walks
the ticket's life one minute at a time, asks the calendar's rules directly (weekday, local time, closed
day) whether that minute is working time, and counts. Hypothesis draws small histories (minutes apart,
a few days long), targets, and the policy's options; the clock must agree on every figure it tells:
due dates (also once passed, while paused or stopped), elapsed and remaining time (negative when
late), and breaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from escalade.sla.businesstime import WorkingCalendar
from escalade.sla.clock import Breach, ClockRules, ClockState, Target, Transition, clock_compute

PARIS = ZoneInfo("Europe/Paris")
HOURS: dict[int, tuple[tuple[time, time], ...]] = {
    day: ((time(8, 30), time(12, 30)), (time(13, 30), time(18, 0))) for day in range(5)
}
HOURS[5] = ((time(9, 0), time(12, 0)),)  # Saturday mornings
CLOSED = frozenset({date(2026, 11, 25)})  # a bridge day
CALENDAR = WorkingCalendar(time_zone="Europe/Paris", weekly=HOURS, closed_days=CLOSED)
START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 23 November 2026, 08:00 in Paris
MINUTE = timedelta(minutes=1)
KIND = {"in_progress": "running", "pending_requester": "paused", "resolved": "stopped"}
PAUSE = frozenset({"pending_requester"})


def working(minute: datetime) -> bool:
    """Is ``[minute, minute + 1 min)`` working time? Asked of the rules themselves."""
    local = minute.astimezone(PARIS)
    if local.date() in CLOSED:
        return False
    return any(start <= local.time() < end for start, end in HOURS.get(local.weekday(), ()))


@dataclass
class Reference:
    """What the naive count says, read at ``now``."""

    first_elapsed: timedelta = timedelta(0)
    first_due: datetime | None = None
    resolution_elapsed: timedelta = timedelta(0)
    resolution_due: datetime | None = None
    breaches: list[Breach] = field(default_factory=list)


def reference(
    *, states: list[tuple[datetime, str]], responded: datetime | None, now: datetime, first: int,
    resolution: int, reset: bool, pause_first: bool,
) -> Reference:  # fmt: skip
    result = Reference()
    first_ran = resolution_ran = 0
    previous = states[0][1]
    minute = states[0][0]
    horizon = now + timedelta(days=20)
    while minute < horizon:
        state = [s for at, s in states if at <= minute][-1]
        kind = KIND[state]
        if reset and KIND[previous] == "stopped" and kind != "stopped":
            if result.resolution_due is not None and result.resolution_due <= now:
                result.breaches.append(Breach(target=Target.RESOLUTION, at=result.resolution_due))
            resolution_ran, result.resolution_due = 0, None
            if minute < now:
                result.resolution_elapsed = timedelta(0)
        previous = state
        counts = working(minute)
        first_runs = (kind == "running" or not pause_first) and (responded is None or minute < responded)
        if counts and (kind == "running" or not pause_first):
            if first_ran < first:
                first_ran += 1
                if first_ran == first:
                    result.first_due = minute + MINUTE
            if minute < now and first_runs:
                result.first_elapsed += MINUTE
        if counts and kind == "running":
            if resolution_ran < resolution:
                resolution_ran += 1
                if resolution_ran == resolution:
                    result.resolution_due = minute + MINUTE
            if minute < now:
                result.resolution_elapsed += MINUTE
        minute += MINUTE
    return result


changes = st.lists(
    st.tuples(st.integers(min_value=1, max_value=2 * 24 * 60), st.sampled_from(sorted(KIND))),
    min_size=0,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(
    history=changes,
    wait=st.integers(min_value=0, max_value=2 * 24 * 60),
    response=st.none() | st.integers(min_value=1, max_value=4 * 24 * 60),
    first=st.integers(min_value=1, max_value=600),
    resolution=st.integers(min_value=1, max_value=1200),
    reset=st.booleans(),
    pause_first=st.booleans(),
)
def test_the_clock_agrees_with_a_minute_by_minute_count(  # noqa: PLR0917 - hypothesis' draws
    history, wait, response, first, resolution, reset, pause_first
):  # fmt: skip
    states, transitions, at, current = [(START, "in_progress")], [], START, "in_progress"
    for gap, state in history:
        if state == current:
            continue
        at += timedelta(minutes=gap)
        transitions.append(Transition(at=at, from_state=current, to_state=state))
        states.append((at, state))
        current = state
    now = at + timedelta(minutes=wait)
    responded = (
        START + timedelta(minutes=response)
        if response is not None and response <= (now - START) / MINUTE
        else None
    )
    rules = ClockRules(
        first_response_minutes=first, resolution_minutes=resolution, warning_percent=0, pause_states=PAUSE,
        reset_on_reopen=reset, pause_first_response=pause_first,
    )  # fmt: skip

    clock: ClockState = clock_compute(
        created_at=START, initial_state="in_progress", transitions=transitions, first_responded_at=responded,
        rules=rules, calendar=CALENDAR, now=now,
    )  # fmt: skip
    expected = reference(
        states=states, responded=responded, now=now, first=first, resolution=resolution, reset=reset,
        pause_first=pause_first,
    )  # fmt: skip

    running = KIND[current] == "running"
    # First response.
    assert clock.first_response_elapsed == expected.first_elapsed
    assert clock.first_response_remaining == timedelta(minutes=first) - expected.first_elapsed
    first_known = expected.first_due is not None and (
        expected.first_due <= now or responded or running or not pause_first
    )
    assert clock.first_response_due == (expected.first_due if first_known else None)
    # Resolution: due while running; once passed, kept whatever the clock does; remaining signed.
    assert clock.resolution_elapsed == expected.resolution_elapsed
    assert clock.resolution_remaining == timedelta(minutes=resolution) - expected.resolution_elapsed
    passed = expected.resolution_due is not None and expected.resolution_due <= now
    assert clock.resolution_missed_due == (expected.resolution_due if passed else None)
    assert clock.resolution_due == (expected.resolution_due if running else None)
    # Breaches: the first response missed, and every resolution cycle's due passed.
    missed = expected.first_due is not None and (
        expected.first_due <= now if responded is None else responded > expected.first_due
    )
    breaches = [*expected.breaches]
    if missed and expected.first_due is not None:
        breaches.append(Breach(target=Target.FIRST_RESPONSE, at=expected.first_due))
    if passed and expected.resolution_due is not None:
        breaches.append(Breach(target=Target.RESOLUTION, at=expected.resolution_due))
    assert list(clock.breaches) == sorted(breaches, key=lambda breach: breach.at)


def test_a_paused_ticket_past_its_due_keeps_its_due_and_shows_how_late_it_is():
    # Due Monday 12:30 in Paris (4 h from the 08:30 opening); paused at 14:30, read at 17:00.
    paused = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    rules = ClockRules(first_response_minutes=None, resolution_minutes=240, pause_states=PAUSE)

    clock = clock_compute(
        created_at=START, initial_state="in_progress", first_responded_at=None, rules=rules,
        calendar=CALENDAR,
        transitions=[Transition(at=paused, from_state="in_progress", to_state="pending_requester")],
        now=datetime(2026, 11, 23, 16, 0, tzinfo=UTC),
    )  # fmt: skip

    assert clock.resolution_due is None  # nothing to meet while paused...
    assert clock.resolution_missed_due == datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # ...but it was due
    assert clock.resolution_remaining == -timedelta(hours=1)  # 13:30-14:30 ran (lunch did not): 1 h late


def test_with_the_option_the_first_response_clock_pauses_too():
    pending = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 in Paris, an hour in
    back = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)  # the next day, 09:30
    transitions = [
        Transition(at=pending, from_state="in_progress", to_state="pending_requester"),
        Transition(at=back, from_state="pending_requester", to_state="in_progress"),
    ]

    def read(*, pause_first: bool) -> ClockState:
        rules = ClockRules(first_response_minutes=120, resolution_minutes=None, pause_states=PAUSE,
                           pause_first_response=pause_first)  # fmt: skip
        return clock_compute(
            created_at=START, initial_state="in_progress", transitions=transitions, first_responded_at=None,
            rules=rules, calendar=CALENDAR, now=back + timedelta(minutes=30),
        )  # fmt: skip

    assert read(pause_first=False).first_response_due == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # as today
    assert read(pause_first=False).breaches[0].target is Target.FIRST_RESPONSE
    paused = read(pause_first=True)
    # 08:30-09:30 (Paris) ran on Monday, the second hour runs on Tuesday from 09:30.
    assert paused.first_response_due == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert paused.first_response_remaining == timedelta(minutes=30)
    assert paused.breaches == ()
