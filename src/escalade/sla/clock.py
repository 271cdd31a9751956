"""The SLA clock: due dates, warnings, pauses and breaches, computed from a ticket's state history.

Pure Python (no models, no database): the services feed it the ticket's creation time, its state
transitions in order, its first response and the policy's rules, and store what it returns. The rules:

* **First response** runs from creation and stops at the first public reply by provider staff. It is
  due when ``first_response_minutes`` of business time have run. It never pauses, unless the policy
  says ``pause_first_response``: then it runs only while the resolution clock runs (paused in the
  pause states, and while resolved or closed), and has no due date while paused, like resolution.
* **Resolution** runs from creation while the ticket is open and not in one of the policy's pause
  states, is paused in those states, and stops when the ticket is resolved or closed. A reopening
  (resolved/closed → open) resumes with the business time already used, or starts a new cycle from
  zero when the policy says ``reset_on_reopen``. It is due when ``resolution_minutes`` of business
  time have run in the current cycle; while paused or stopped there is no due date to meet, but a
  due already passed stays known (``resolution_missed_due``) with how late the ticket is: the
  remaining time is negative once the target is exceeded.
* A **warning** falls when ``warning_percent`` of a target has run (1 to 99; any other value means
  no warning). A **breach** falls at the due instant when the clock is still running then (no first
  response yet, ticket not yet resolved). Leaving a state exactly at the due instant is on time.

All instants are aware datetimes; results are in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from escalade.sla.businesstime import WorkingCalendar, add_business_time, business_time_between
from escalade.tickets.choices import State

ZERO = dt.timedelta(0)
STOPPED_STATES = frozenset({State.RESOLVED.value, State.CLOSED.value})


class SegmentKind(StrEnum):
    """What the resolution clock does during a stretch of the ticket's life."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class Target(StrEnum):
    """The two promises of an SLA policy."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True, kw_only=True)
class Transition:
    """The ticket went from one state to another at an instant."""

    at: dt.datetime
    from_state: str
    to_state: str


@dataclass(frozen=True, kw_only=True)
class ClockRules:
    """A policy's rules applied to one priority; a target of None means no promise for it."""

    first_response_minutes: int | None
    resolution_minutes: int | None
    warning_percent: int = 75
    pause_states: frozenset[str] = frozenset()
    reset_on_reopen: bool = False
    pause_first_response: bool = False


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A stretch of wall time during which the resolution clock ran, was paused or stopped."""

    kind: SegmentKind
    start: dt.datetime
    end: dt.datetime | None  # None: still going on


@dataclass(frozen=True, kw_only=True)
class Breach:
    """A target missed, and the instant it was missed (its due instant)."""

    target: Target
    at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class ClockState:
    """The clock's reading of one ticket: what the services store and what the ticket page shows."""

    first_response_due: dt.datetime | None  # None while paused (with pause_first_response)
    first_response_warning_at: dt.datetime | None
    first_response_elapsed: dt.timedelta | None  # business time run until the response (or now)
    first_response_remaining: dt.timedelta | None  # target - elapsed: negative when late
    resolution_due: dt.datetime | None  # None while paused or stopped
    resolution_missed_due: dt.datetime | None  # the cycle's due once passed, running or not
    resolution_warning_at: dt.datetime | None  # in the current cycle; None if not yet known
    resolution_started_at: dt.datetime  # start of the current cycle (creation, or a reset reopen)
    resolution_elapsed: dt.timedelta | None  # business time run in the cycle by ``now``
    resolution_remaining: dt.timedelta | None  # target - elapsed at ``now``: negative when late
    paused_since: dt.datetime | None
    timeline: tuple[Segment, ...]
    breaches: tuple[Breach, ...]  # those that happened by ``now``, oldest first

    @property
    def kind(self) -> SegmentKind:
        """Whether the resolution clock is running, paused or stopped now."""
        return self.timeline[-1].kind


def clock_compute(
    *,
    created_at: dt.datetime,
    initial_state: str,
    transitions: Sequence[Transition],
    first_responded_at: dt.datetime | None,
    rules: ClockRules,
    calendar: WorkingCalendar,
    now: dt.datetime,
) -> ClockState:
    """Read the SLA clock of a ticket at ``now`` from its history (see the module's rules)."""
    created_at, now = created_at.astimezone(dt.UTC), now.astimezone(dt.UTC)
    periods = _periods(created_at, initial_state, transitions, rules)
    first = _FirstResponse.over(periods, first_responded_at, rules, calendar, now)
    resolution = _Resolution.over(periods, rules, calendar, now)
    timeline = _merged(periods)
    current = timeline[-1]
    running = current.kind is SegmentKind.RUNNING
    breaches = [first.breach] if first.breach else []
    breaches += [Breach(target=Target.RESOLUTION, at=at) for at in resolution.breaches if at <= now]
    due = resolution.cycle.due_at
    return ClockState(
        first_response_due=first.due,
        first_response_warning_at=first.warning_at,
        first_response_elapsed=first.elapsed,
        first_response_remaining=first.remaining,
        resolution_due=due if running else None,
        resolution_missed_due=due if due is not None and due <= now else None,
        resolution_warning_at=resolution.cycle.warning_at,
        resolution_started_at=resolution.cycle.started_at,
        resolution_elapsed=resolution.cycle.elapsed if rules.resolution_minutes is not None else None,
        resolution_remaining=resolution.remaining,
        paused_since=current.start if current.kind is SegmentKind.PAUSED else None,
        timeline=timeline,
        breaches=tuple(sorted(breaches, key=lambda breach: breach.at)),
    )


def warning_share(*, minutes: int, warning_percent: int) -> dt.timedelta | None:
    """How much of a ``minutes`` target runs before the warning; None when the policy has none."""
    if not 0 < warning_percent < 100:
        return None
    return dt.timedelta(microseconds=_microseconds(minutes) * warning_percent // 100)


def target_duration(minutes: int) -> dt.timedelta:
    """A target in business minutes as a duration."""
    return dt.timedelta(microseconds=_microseconds(minutes))


# ----------------------------------------------------------------------------- the pieces


@dataclass(frozen=True)
class _Period:
    kind: SegmentKind
    start: dt.datetime
    end: dt.datetime | None


def _kind(state: str, rules: ClockRules) -> SegmentKind:
    if state in STOPPED_STATES:
        return SegmentKind.STOPPED
    if state in rules.pause_states:
        return SegmentKind.PAUSED
    return SegmentKind.RUNNING


def _periods(
    created_at: dt.datetime, initial_state: str, transitions: Sequence[Transition], rules: ClockRules
) -> list[_Period]:
    """The ticket's life cut at each transition, each stretch with the clock's kind in it.

    Events are ordered by id; their timestamps come from each writer's clock, so one may read a
    little earlier than the one before: it is then taken to happen at the same instant.
    """
    starts = [created_at]
    kinds = [_kind(initial_state, rules)]
    for transition in transitions:
        starts.append(max(starts[-1], transition.at.astimezone(dt.UTC)))
        kinds.append(_kind(transition.to_state, rules))
    ends: list[dt.datetime | None] = [*starts[1:], None]
    return [_Period(kind, start, end) for kind, start, end in zip(kinds, starts, ends, strict=True)]


def _merged(periods: list[_Period]) -> tuple[Segment, ...]:
    """Consecutive periods of the same kind as one segment (new → assigned: one run).

    Periods that last nothing (two changes in the same instant) are left out; the last one, still
    going on, always stays.
    """
    segments: list[Segment] = []
    for period in periods:
        if period.start == period.end:
            continue
        if segments and segments[-1].kind is period.kind:
            segments[-1] = Segment(kind=period.kind, start=segments[-1].start, end=period.end)
        else:
            segments.append(Segment(kind=period.kind, start=period.start, end=period.end))
    return tuple(segments)


@dataclass
class _FirstResponse:
    """The first-response clock: its due and warning instants, its breach, the time it ran."""

    due: dt.datetime | None = None
    warning_at: dt.datetime | None = None
    breach: Breach | None = None
    elapsed: dt.timedelta | None = None
    remaining: dt.timedelta | None = None

    @classmethod
    def over(
        cls,
        periods: list[_Period],
        responded_at: dt.datetime | None,
        rules: ClockRules,
        calendar: WorkingCalendar,
        now: dt.datetime,
    ) -> _FirstResponse:
        clock = cls()
        if rules.first_response_minutes is None:
            return clock
        if not rules.pause_first_response:  # one stretch from creation: it never pauses
            periods = [_Period(SegmentKind.RUNNING, periods[0].start, None)]
        target = target_duration(rules.first_response_minutes)
        share = warning_share(minutes=rules.first_response_minutes, warning_percent=rules.warning_percent)
        stop = responded_at.astimezone(dt.UTC) if responded_at is not None else now
        ran = elapsed = ZERO  # ran: through every running period (for the due); elapsed: until stop
        for period in periods:
            if period.kind is not SegmentKind.RUNNING:
                continue
            if share is not None and clock.warning_at is None:
                clock.warning_at = _reached(period, share - ran, calendar)
            if clock.due is None:
                clock.due = _reached(period, target - ran, calendar)
            end = period.end if period.end is not None else max(period.start, now)
            ran += business_time_between(calendar=calendar, start=period.start, end=end)
            if min(end, stop) > period.start:
                elapsed += business_time_between(calendar=calendar, start=period.start, end=min(end, stop))
        clock.elapsed, clock.remaining = elapsed, target - elapsed
        if clock.due is not None and (clock.due <= now if responded_at is None else stop > clock.due):
            clock.breach = Breach(target=Target.FIRST_RESPONSE, at=clock.due)
        running = periods[-1].kind is SegmentKind.RUNNING or responded_at is not None
        if not running and clock.due is not None and clock.due > now:
            clock.due = None  # paused before it was due: no due date until it runs again
        return clock


@dataclass
class _Cycle:
    """One run of the resolution clock towards its target, from creation or a reset reopening."""

    started_at: dt.datetime
    elapsed: dt.timedelta = ZERO
    warning_at: dt.datetime | None = None  # when the warning share was (or will be) reached
    due_at: dt.datetime | None = None  # when the target was (or will be) reached


@dataclass
class _Resolution:
    """The resolution clock walked through the ticket's periods."""

    cycle: _Cycle
    remaining: dt.timedelta | None = None
    breaches: list[dt.datetime] = field(default_factory=list)

    @classmethod
    def over(
        cls, periods: list[_Period], rules: ClockRules, calendar: WorkingCalendar, now: dt.datetime
    ) -> _Resolution:
        clock = cls(cycle=_Cycle(started_at=periods[0].start))
        if rules.resolution_minutes is None:
            return clock
        target = target_duration(rules.resolution_minutes)
        share = warning_share(minutes=rules.resolution_minutes, warning_percent=rules.warning_percent)
        previous: SegmentKind | None = None
        for period in periods:
            reopened = previous is SegmentKind.STOPPED and period.kind is not SegmentKind.STOPPED
            if reopened and rules.reset_on_reopen:
                clock._close_cycle()
                clock.cycle = _Cycle(started_at=period.start)
            if period.kind is SegmentKind.RUNNING:
                clock._run(period, target, share, calendar, now)
            previous = period.kind
        clock._close_cycle()
        clock.remaining = target - clock.cycle.elapsed
        return clock

    def _run(
        self,
        period: _Period,
        target: dt.timedelta,
        share: dt.timedelta | None,
        calendar: WorkingCalendar,
        now: dt.datetime,
    ) -> None:
        """Let the clock run through ``period``: note when the warning and the target are reached.

        For the period still going on, the instants noted may lie in the future: they are the
        instants the clock will reach if nothing changes, i.e. the due date.
        """
        cycle = self.cycle
        if share is not None and cycle.warning_at is None:
            cycle.warning_at = _reached(period, share - cycle.elapsed, calendar)
        if cycle.due_at is None:
            cycle.due_at = _reached(period, target - cycle.elapsed, calendar)
        end = period.end if period.end is not None else max(period.start, now)
        cycle.elapsed += business_time_between(calendar=calendar, start=period.start, end=end)

    def _close_cycle(self) -> None:
        if self.cycle.due_at is not None:
            self.breaches.append(self.cycle.due_at)


def _reached(period: _Period, left: dt.timedelta, calendar: WorkingCalendar) -> dt.datetime | None:
    """When ``left`` more business time has run in ``period``; None if the period ends first."""
    at = add_business_time(calendar=calendar, start=period.start, duration=max(left, ZERO))
    return at if period.end is None or at < period.end else None


def _microseconds(minutes: int) -> int:
    return minutes * 60_000_000
