"""Reads of the SLA clock: a ticket's history as the clock sees it, working calendars, the timeline."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from escalade.core.models import Event
from escalade.core.refdata import refdata
from escalade.sla.businesstime import WorkingCalendar, add_business_time
from escalade.sla.clock import (
    ClockRules,
    ClockState,
    Target,
    Transition,
    clock_compute,
    target_duration,
    warning_share,
)
from escalade.sla.models import BusinessCalendar, SlaPolicy, SlaTarget, target_max_minutes
from escalade.tickets.models import Ticket

logger = logging.getLogger(__name__)

# A ticket without an SLA policy has no targets, so its calendar never matters; any will do.
NO_CALENDAR = WorkingCalendar.always_open(time_zone="UTC")
CALENDAR_CACHE_SIZE = 64

_calendars: dict[tuple[int, dt.datetime, int, int], WorkingCalendar] = {}
_calendars_lock = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class TicketHistory:
    """What the clock needs from a ticket's events: its first state and its state changes, in order."""

    initial_state: str
    transitions: tuple[Transition, ...]


def working_calendar(*, calendar: BusinessCalendar, around: Iterable[dt.datetime]) -> WorkingCalendar:
    """``calendar`` as business-time arithmetic, with the public holidays of the years ``around``.

    Building one reads the intervals and closures and computes years of holidays, so it is cached
    per process by (id, ``updated_at``, years): whoever changes a calendar's intervals or closures
    must save the calendar too (the admin does), which moves ``updated_at`` and retires the entry.
    Raises :class:`ValueError` for a calendar without any working time.
    """
    years = [moment.year for moment in around]
    # One year before (a ticket created on 31 December) and three after (long targets, reopenings).
    key = (calendar.pk, calendar.updated_at, min(years) - 1, max(years) + 3)
    cached = _calendars.get(key)
    if cached is not None:
        return cached
    built = calendar.working_calendar(years=range(key[2], key[3] + 1))
    with _calendars_lock:
        if len(_calendars) >= CALENDAR_CACHE_SIZE:
            _calendars.pop(next(iter(_calendars)))
        _calendars[key] = built
    return built


def working_calendar_forget(*, calendar_id: int | None = None) -> None:
    """Drop the cached arithmetic of one calendar (all when None), e.g. right after it changed."""
    with _calendars_lock:
        for key in [key for key in _calendars if calendar_id is None or key[0] == calendar_id]:
            del _calendars[key]


def clock_events(*, ticket_ids: Sequence[int]) -> list[tuple[int, str, object, dt.datetime]]:
    """The events that move the clock (creation and state changes) of some tickets, oldest first.

    Rows are ``(ticket id, action, changes, occurred_at)``, read through ``event_object_idx``.
    """
    content_type = ContentType.objects.get_for_model(Ticket)
    events = Event.objects.filter(content_type=content_type)
    events = (
        events.filter(object_id=ticket_ids[0])
        if len(ticket_ids) == 1
        else events.filter(object_id__in=ticket_ids)
    )
    return list(
        events.filter(Q(action="ticket.created") | Q(changes__has_key="state"))
        .order_by("id")
        .values_list("object_id", "action", "changes", "occurred_at")
    )


def ticket_histories(*, tickets: Sequence[Ticket]) -> dict[int, TicketHistory]:
    """The clock's view of each ticket's events, in one query for all of them."""
    rows: dict[int, list[tuple[str, object, dt.datetime]]] = defaultdict(list)
    for ticket_id, action, changes, occurred_at in clock_events(ticket_ids=[ticket.pk for ticket in tickets]):
        rows[ticket_id].append((action, changes, occurred_at))
    return {ticket.pk: _history(rows[ticket.pk], current_state=ticket.state) for ticket in tickets}


def _history(rows: Iterable[tuple[str, object, dt.datetime]], *, current_state: str) -> TicketHistory:
    """Every event whose ``changes`` carry ``state: {from, to}`` is a transition; creation sets the start."""
    initial: str | None = None
    transitions: list[Transition] = []
    for action, changes, occurred_at in rows:
        state = changes.get("state") if isinstance(changes, Mapping) else None
        if not isinstance(state, Mapping):
            continue
        old, new = state.get("from"), state.get("to")
        if action == "ticket.created" or old is None:
            initial = initial or str(new)
        else:
            transitions.append(Transition(at=occurred_at, from_state=str(old), to_state=str(new)))
    if initial is None:  # a ticket older than its events: the first change says where it started
        initial = transitions[0].from_state if transitions else current_state
    return TicketHistory(initial_state=initial, transitions=tuple(transitions))


def clock_rules(*, policy: SlaPolicy | None, target: SlaTarget | None) -> ClockRules:
    """A policy's rules for one priority (``target``); no policy or no target: no promise."""
    return ClockRules(
        first_response_minutes=_bounded(target, "first_response_minutes"),
        resolution_minutes=_bounded(target, "resolution_minutes"),
        warning_percent=policy.warning_percent if policy else 0,
        pause_states=frozenset(policy.pause_states) if policy else frozenset(),
        reset_on_reopen=policy.reset_on_reopen if policy else False,
        pause_first_response=policy.pause_first_response if policy else False,
    )


def _bounded(target: SlaTarget | None, name: str) -> int | None:
    """A target's minutes, or no promise when they exceed the limit (a row saved before targets were
    bounded, or by hand): computing such a due date would walk thousands of years of calendar, so
    that one policy is logged, not every sweep and ticket change of the desk stopped."""
    if target is None:
        return None
    minutes: int = getattr(target, name)
    if minutes <= target_max_minutes():
        return minutes
    logger.error(
        "SLA policy %s, P%s: %s of %s minutes exceeds the limit of %s; no due date until it is fixed",
        target.policy_id, target.priority, name, minutes, target_max_minutes(),
    )  # fmt: skip
    return None


def sla_clock(
    *,
    ticket: Ticket,
    history: TicketHistory,
    policy: SlaPolicy | None,
    target: SlaTarget | None,
    now: dt.datetime,
) -> ClockState:
    """Read ``ticket``'s clock at ``now``; ``policy`` must come with its calendar loaded.

    Raises :class:`ValueError` when the policy's calendar has no working time.
    """
    rules = clock_rules(policy=policy, target=target)
    calendar = NO_CALENDAR
    if policy is not None and target is not None:
        calendar = working_calendar(calendar=policy.calendar, around=(ticket.created_at, now))
    return clock_compute(
        created_at=ticket.created_at,
        initial_state=history.initial_state,
        transitions=history.transitions,
        first_responded_at=ticket.first_responded_at,
        rules=rules,
        calendar=calendar,
        now=now,
    )


def policy_with_calendar(*, policy_id: int | None) -> SlaPolicy | None:
    """A policy and its calendar, in one query."""
    if policy_id is None:
        return None
    return SlaPolicy.objects.select_related("calendar").filter(pk=policy_id).first()


def policy_kept(*, policy_id: int | None) -> SlaPolicy | None:
    """:func:`policy_with_calendar`, kept per process (``core.refdata``: the configuration services
    and the admin say when policies and calendars change). Not for recomputing after such a change."""
    if policy_id is None:
        return None
    return refdata("sla.policy", policy_id, lambda: policy_with_calendar(policy_id=policy_id))


def default_policy_kept() -> SlaPolicy | None:
    """The policy of requests that no contract covers, with its calendar, kept per process."""
    return refdata(
        "sla.default_policy",
        None,
        lambda: SlaPolicy.objects.select_related("calendar").filter(is_default=True).first(),
    )


def targets_kept(*, policy_ids: Iterable[int]) -> dict[tuple[int, int], SlaTarget]:
    """:func:`policy_targets`, kept per process for each policy (see :func:`policy_kept`)."""
    found: dict[tuple[int, int], SlaTarget] = {}
    for policy_id in set(policy_ids):
        found |= refdata("sla.targets", policy_id, partial(policy_targets, policy_ids=[policy_id]))
    return found


def policy_targets(*, policy_ids: Iterable[int]) -> dict[tuple[int, int], SlaTarget]:
    """The targets of some policies, by (policy id, priority)."""
    targets = SlaTarget.objects.filter(policy_id__in=set(policy_ids))
    return {(target.policy_id, target.priority): target for target in targets}


def sla_timeline(*, ticket: Ticket, now: dt.datetime | None = None) -> ClockState:
    """The SLA clock of ``ticket`` for its page and the API: due dates, segments, breaches."""
    policy = policy_with_calendar(policy_id=ticket.sla_policy_id)
    target = policy_targets(policy_ids=[policy.pk]).get((policy.pk, ticket.priority)) if policy else None
    history = ticket_histories(tickets=[ticket])[ticket.pk]
    return sla_clock(ticket=ticket, history=history, policy=policy, target=target, now=now or timezone.now())


def sla_warning_thresholds(*, now: dt.datetime) -> dict[Target, dict[tuple[int, int], dt.datetime]]:
    """For each target, policy and priority: the latest due date whose warning has come by ``now``.

    While a clock runs, the business time left before its due date only shrinks; its warning comes
    when what is left falls to ``(100 - warning %)`` of the target. So a ticket is due a warning
    exactly when its stored due date is at or before ``now`` plus that much business time, which
    the sweep can ask of the due-date indexes without reading any ticket's history.
    """
    thresholds: dict[Target, dict[tuple[int, int], dt.datetime]] = {target: {} for target in Target}
    for target in SlaTarget.objects.select_related("policy__calendar"):
        policy = target.policy
        try:
            calendar = working_calendar(calendar=policy.calendar, around=(now,))
        except ValueError:
            continue  # a calendar without working time: its tickets have no due dates either
        for kind, minutes in (
            (Target.FIRST_RESPONSE, target.first_response_minutes),
            (Target.RESOLUTION, target.resolution_minutes),
        ):
            if minutes > target_max_minutes():
                logger.error("SLA policy %s, P%s: %s target out of range", policy.pk, target.priority, kind)
                continue
            share = warning_share(minutes=minutes, warning_percent=policy.warning_percent)
            if share is None:
                continue
            try:
                threshold = add_business_time(
                    calendar=calendar, start=now, duration=target_duration(minutes) - share
                )
            except (ValueError, OverflowError):
                # A target saved before targets were bounded, beyond the dates Python holds: its
                # tickets have no due dates (see sla.services._read_clock); the others are swept.
                logger.exception(
                    "SLA policy %s, P%s: %s target out of range", policy.pk, target.priority, kind
                )
                continue
            thresholds[kind][policy.pk, target.priority] = threshold
    return thresholds
