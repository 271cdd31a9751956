"""The SLA clock, pure: due dates, warnings, pauses, reopenings and breaches from a state history.

No database. Office hours Mon-Fri 08:30-12:30 / 13:30-18:00 in Paris with French public holidays;
times are written in Paris wall time and compared as exact instants.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalade.sla.businesstime import WorkingCalendar, business_time_between
from escalade.sla.clock import (
    Breach,
    ClockRules,
    ClockState,
    Segment,
    SegmentKind,
    Target,
    Transition,
    clock_compute,
    warning_share,
)

PARIS = ZoneInfo("Europe/Paris")
OFFICE = WorkingCalendar.with_holidays(
    time_zone="Europe/Paris",
    weekly=dict.fromkeys(range(5), ((time(8, 30), time(12, 30)), (time(13, 30), time(18, 0)))),
    years=range(2025, 2029),
)
PENDING = frozenset({"pending_requester", "pending_third_party"})
# P3 of the default policy: 4 h to answer, 24 h to resolve (business time).
P3 = ClockRules(first_response_minutes=240, resolution_minutes=1440, pause_states=PENDING)
FOUR_HOURS = ClockRules(first_response_minutes=60, resolution_minutes=240, pause_states=PENDING)
RUNNING, PAUSED, STOPPED = SegmentKind.RUNNING, SegmentKind.PAUSED, SegmentKind.STOPPED


def paris(day: int, hour: int, minute: int = 0, *, month: int = 11, year: int = 2026) -> datetime:
    """A Paris wall time in November 2026 (Mon 23 ... Fri 27, Mon 30) as a UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def read(
    *changes: tuple[datetime, str, str],
    created: datetime,
    now: datetime,
    rules: ClockRules = FOUR_HOURS,
    responded: datetime | None = None,
    initial: str = "new",
) -> ClockState:
    transitions = [Transition(at=at, from_state=old, to_state=new) for at, old, new in changes]
    return clock_compute(
        created_at=created,
        initial_state=initial,
        transitions=transitions,
        first_responded_at=responded,
        rules=rules,
        calendar=OFFICE,
        now=now,
    )


# ----------------------------------------------------------------------------- first response


def test_friday_evening_ticket_is_due_on_monday_morning() -> None:
    state = read(created=paris(27, 17), now=paris(27, 17), rules=P3)

    # One hour on Friday, three on Monday from 08:30; the warning at 75 %, i.e. after three hours.
    assert state.first_response_due == paris(30, 11, 30)
    assert state.first_response_warning_at == paris(30, 10, 30)
    assert state.first_response_due.tzinfo is UTC
    assert state.breaches == ()


def test_public_holidays_are_not_business_time() -> None:
    # Monday 13 July 2026 at 17:00; Tuesday 14 July is Bastille Day.
    state = read(created=paris(13, 17, month=7), now=paris(13, 17, month=7), rules=P3)

    assert state.first_response_due == paris(15, 11, 30, month=7)


def test_first_response_in_time_is_no_breach() -> None:
    state = read(created=paris(23, 9), responded=paris(23, 9, 59), now=paris(23, 12))

    assert state.first_response_due == paris(23, 10)
    assert state.breaches == ()


def test_first_response_after_the_due_time_is_a_breach_at_the_due_time() -> None:
    state = read(created=paris(23, 9), responded=paris(23, 10, 1), now=paris(23, 12))

    assert state.breaches == (Breach(target=Target.FIRST_RESPONSE, at=paris(23, 10)),)


def test_no_first_response_is_a_breach_once_the_due_time_has_come() -> None:
    before = read(created=paris(23, 9), now=paris(23, 9, 59))
    at_due = read(created=paris(23, 9), now=paris(23, 10))

    assert before.breaches == ()
    assert at_due.breaches == (Breach(target=Target.FIRST_RESPONSE, at=paris(23, 10)),)


def test_the_first_response_clock_never_pauses() -> None:
    state = read((paris(23, 9, 10), "new", "pending_requester"), created=paris(23, 9), now=paris(23, 9, 30))

    assert state.first_response_due == paris(23, 10)


# ----------------------------------------------------------------------------- resolution


def test_a_running_ticket_is_due_after_its_target_in_business_time() -> None:
    state = read(
        (paris(23, 9, 5), "new", "assigned"),
        (paris(23, 9, 20), "assigned", "in_progress"),
        created=paris(23, 11),
        now=paris(23, 11),
    )

    # Creation is what counts: 11:00-12:30 then 13:30-16:00.
    assert state.resolution_due == paris(23, 16)
    assert state.resolution_warning_at == paris(23, 15)
    assert state.resolution_remaining == timedelta(hours=4)
    assert state.kind is RUNNING
    assert state.timeline == (Segment(kind=RUNNING, start=paris(23, 11), end=None),)


def test_a_pause_state_stops_the_clock_and_resuming_continues_it() -> None:
    created, paused, resumed = paris(23, 9), paris(23, 10), paris(24, 9)
    changes = [(paused, "in_progress", "pending_requester"), (resumed, "pending_requester", "in_progress")]

    while_paused = read(changes[0], created=created, initial="in_progress", now=paris(23, 17))
    after = read(*changes, created=created, initial="in_progress", now=paris(24, 9))

    assert while_paused.resolution_due is None
    assert while_paused.paused_since == paused
    assert while_paused.resolution_remaining == timedelta(hours=3)
    assert while_paused.kind is PAUSED
    # One hour ran before the pause; three are left from Tuesday 09:00.
    assert after.resolution_due == paris(24, 12)
    assert after.paused_since is None
    assert after.timeline == (
        Segment(kind=RUNNING, start=created, end=paused),
        Segment(kind=PAUSED, start=paused, end=resumed),
        Segment(kind=RUNNING, start=resumed, end=None),
    )


def test_two_pause_states_in_a_row_are_one_pause() -> None:
    state = read(
        (paris(23, 10), "in_progress", "pending_requester"),
        (paris(23, 11), "pending_requester", "pending_third_party"),
        created=paris(23, 9),
        now=paris(23, 12),
    )

    assert state.paused_since == paris(23, 10)
    assert [segment.kind for segment in state.timeline] == [RUNNING, PAUSED]


def test_states_outside_the_policy_pause_list_do_not_pause() -> None:
    rules = ClockRules(first_response_minutes=60, resolution_minutes=240)  # pauses nothing

    state = read(
        (paris(23, 10), "new", "pending_requester"), created=paris(23, 9), now=paris(23, 10), rules=rules
    )

    assert state.resolution_due == paris(23, 14)
    assert state.paused_since is None


def test_resolving_stops_the_clock() -> None:
    state = read(
        (paris(23, 10), "in_progress", "resolved"),
        created=paris(23, 9),
        responded=paris(23, 9, 5),
        now=paris(25, 9),
    )

    assert state.resolution_due is None
    assert state.paused_since is None
    assert state.kind is STOPPED
    assert state.resolution_remaining == timedelta(hours=3)
    assert state.breaches == ()


def test_reopening_resumes_where_the_clock_stopped() -> None:
    state = read(
        (paris(23, 10), "in_progress", "resolved"),
        (paris(24, 14), "resolved", "in_progress"),
        created=paris(23, 9),
        now=paris(24, 14),
    )

    assert state.resolution_due == paris(24, 17)
    assert state.resolution_started_at == paris(23, 9)
    assert [segment.kind for segment in state.timeline] == [RUNNING, STOPPED, RUNNING]


def test_reopening_restarts_the_clock_when_the_policy_resets_it() -> None:
    rules = ClockRules(
        first_response_minutes=60, resolution_minutes=240, pause_states=PENDING, reset_on_reopen=True
    )

    state = read(
        (paris(23, 10), "in_progress", "resolved"),
        (paris(24, 14), "resolved", "closed"),
        (paris(24, 15), "closed", "new"),
        created=paris(23, 9),
        now=paris(24, 15),
        rules=rules,
    )

    assert state.resolution_started_at == paris(24, 15)
    assert state.resolution_due == paris(25, 9, 30)
    assert state.resolution_remaining == timedelta(hours=4)
    assert state.first_response_due == paris(23, 10)  # the first response is not reset


def test_a_running_clock_past_its_due_time_is_breached() -> None:
    state = read(created=paris(23, 9), now=paris(23, 15))

    assert state.resolution_due == paris(23, 14)
    assert state.breaches == (
        Breach(target=Target.FIRST_RESPONSE, at=paris(23, 10)),
        Breach(target=Target.RESOLUTION, at=paris(23, 14)),
    )
    assert state.resolution_remaining == -timedelta(hours=1)  # late by one business hour


def test_resolving_exactly_at_the_due_time_is_in_time_and_a_minute_later_is_not() -> None:
    def resolved_at(moment: datetime) -> ClockState:
        resolve = (moment, "in_progress", "resolved")
        return read(resolve, created=paris(23, 9), responded=paris(23, 9, 30), now=paris(24, 9))

    on_time, late = resolved_at(paris(23, 14)), resolved_at(paris(23, 14, 1))

    assert on_time.breaches == ()
    assert late.breaches == (Breach(target=Target.RESOLUTION, at=paris(23, 14)),)


def test_a_breached_ticket_reopened_without_reset_stays_overdue_with_one_breach() -> None:
    state = read(
        (paris(23, 15), "in_progress", "resolved"),
        (paris(24, 9), "resolved", "in_progress"),
        created=paris(23, 9),
        responded=paris(23, 9, 30),
        now=paris(24, 10),
    )

    assert state.resolution_due == paris(23, 14)
    assert state.breaches == (Breach(target=Target.RESOLUTION, at=paris(23, 14)),)


def test_a_breached_ticket_reopened_with_reset_keeps_its_old_breach_and_gets_a_new_due_time() -> None:
    rules = ClockRules(first_response_minutes=60, resolution_minutes=240, reset_on_reopen=True)

    state = read(
        (paris(23, 15), "in_progress", "resolved"),
        (paris(24, 9), "resolved", "in_progress"),
        created=paris(23, 9),
        responded=paris(23, 9, 30),
        now=paris(24, 10),
        rules=rules,
    )

    assert state.resolution_due == paris(24, 14)
    assert state.breaches == (Breach(target=Target.RESOLUTION, at=paris(23, 14)),)


def test_a_warning_reached_before_a_pause_is_kept() -> None:
    state = read(
        (paris(23, 13, 45), "in_progress", "pending_requester"), created=paris(23, 9), now=paris(23, 16)
    )

    assert state.resolution_warning_at == paris(23, 12)  # 75 % of four hours, reached before lunch
    assert state.resolution_due is None


def test_a_ticket_created_in_a_pause_state_starts_paused() -> None:
    state = read(created=paris(23, 9), initial="pending_third_party", now=paris(23, 12))

    assert state.paused_since == paris(23, 9)
    assert state.resolution_due is None


def test_transitions_stamped_out_of_order_count_as_simultaneous() -> None:
    state = read(
        (paris(23, 10), "new", "pending_requester"),
        (paris(23, 9, 59), "pending_requester", "in_progress"),  # another writer's clock, a bit behind
        created=paris(23, 9),
        now=paris(23, 10),
    )

    assert state.resolution_due == paris(23, 14)
    assert state.timeline == (Segment(kind=RUNNING, start=paris(23, 9), end=None),)


@pytest.mark.parametrize("percent", [0, 100, 150])
def test_warning_percent_outside_1_to_99_means_no_warning(percent: int) -> None:
    rules = ClockRules(first_response_minutes=60, resolution_minutes=240, warning_percent=percent)

    state = read(created=paris(23, 9), now=paris(23, 9), rules=rules)

    assert state.first_response_warning_at is None
    assert state.resolution_warning_at is None
    assert warning_share(minutes=60, warning_percent=percent) is None


def test_without_targets_the_clock_still_has_a_timeline() -> None:
    rules = ClockRules(first_response_minutes=None, resolution_minutes=None, pause_states=PENDING)

    state = read(
        (paris(23, 10), "new", "pending_requester"), created=paris(23, 9), now=paris(23, 11), rules=rules
    )

    assert (state.first_response_due, state.resolution_due, state.resolution_remaining) == (None, None, None)
    assert state.paused_since == paris(23, 10)
    assert [segment.kind for segment in state.timeline] == [RUNNING, PAUSED]


def test_the_clock_runs_across_a_daylight_saving_weekend() -> None:
    # Friday 23 October 2026 at 17:00 (summer time); Sunday 25 October goes back to winter time.
    state = read(created=paris(23, 17, month=10), now=paris(23, 17, month=10), rules=P3)

    assert state.first_response_due == paris(26, 11, 30, month=10)


# ----------------------------------------------------------------------------- a property

START = paris(23, 9)
gaps = st.integers(min_value=1, max_value=3 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))


@settings(max_examples=150, deadline=None)
@given(gaps=st.lists(gaps, min_size=0, max_size=8), target=st.integers(min_value=1, max_value=3000))
def test_running_time_up_to_the_due_time_is_the_target(gaps: list[timedelta], target: int) -> None:
    """However the ticket pauses and resumes, the clock runs exactly ``target`` until it is due."""
    rules = ClockRules(first_response_minutes=None, resolution_minutes=target, pause_states=PENDING)
    states = ["in_progress", "pending_requester"]
    changes, at = [], START
    for index, gap in enumerate(gaps):
        at += gap
        changes.append((at, states[index % 2], states[(index + 1) % 2]))
    if len(gaps) % 2:  # end running
        at += timedelta(minutes=1)
        changes.append((at, "pending_requester", "in_progress"))

    state = read(*changes, created=START, initial="in_progress", now=at, rules=rules)

    assert state.resolution_due is not None
    ran = timedelta(0)
    for segment in state.timeline:
        if segment.kind is RUNNING:
            end = state.resolution_due if segment.end is None else min(segment.end, state.resolution_due)
            ran += business_time_between(calendar=OFFICE, start=segment.start, end=max(end, segment.start))
    assert ran == timedelta(minutes=target)
    if state.resolution_due > at:
        assert state.breaches == ()
        assert state.resolution_remaining == business_time_between(
            calendar=OFFICE, start=at, end=state.resolution_due
        )
