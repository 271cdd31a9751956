"""A ticket's fact row computed from the ticket and its events (pure reads, no writes).

The durations are business time in the calendar of the ticket's SLA policy (the default policy's
calendar for a ticket without one; wall time when there is no calendar at all):

* first response: from creation to the first public answer by staff (the solution counts);
* resolution: the time the SLA resolution clock ran from creation to the last resolution, so pauses
  (the policy's pause states) and the days between a resolution and a reopening do not count.

Compliance comes from the SLA clock itself (``sla.clock.clock_compute``): a target is met when the
clock records no breach of it; tickets without a target are left out of the compliance figures.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from escalade.core.models import Event
from escalade.reports.models import NONE, Survey, TicketFact
from escalade.sla.businesstime import WorkingCalendar, business_time_between
from escalade.sla.clock import SegmentKind, Target, clock_compute
from escalade.sla.models import SlaPolicy, SlaTarget
from escalade.sla.selectors import (
    NO_CALENDAR,
    TicketHistory,
    _history,
    clock_rules,
    default_policy_kept,
    policy_kept,
    targets_kept,
    working_calendar,
)
from escalade.tickets.choices import State
from escalade.tickets.models import Ticket

FACT_FIELDS = (
    "organisation_id", "team_id", "category_id", "channel", "assignee_id", "priority", "created_day",
    "first_response_day", "resolved_day", "first_response_seconds", "resolution_seconds",
    "first_response_met", "resolution_met", "reopens", "max_level", "is_first_contact", "is_self_service",
    "csat_score",
)  # fmt: skip
RESOLVED_STATES = frozenset({State.RESOLVED.value, State.CLOSED.value})


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_day(moment: dt.datetime) -> dt.date:
    """The day ``moment`` falls on in the desk's time zone (the reports' days)."""
    return moment.astimezone(_zone(settings.TIME_ZONE)).date()


@dataclass(frozen=True, kw_only=True)
class _Events:
    """What the facts read from a ticket's events: the clock's history, reopenings, levels reached."""

    history: TicketHistory
    reopens: int
    max_level: int


def ticket_events(*, tickets: Sequence[Ticket]) -> dict[int, _Events]:
    """The events of some tickets that the facts need, in one query."""
    if not tickets:
        return {}
    rows: dict[int, list[tuple[str, object, dt.datetime]]] = defaultdict(list)
    query = (
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Ticket), object_id__in=[t.pk for t in tickets]
        )
        .filter(
            Q(action="ticket.created") | Q(changes__has_key="state") | Q(changes__has_key="support_level")
        )
        .order_by("id")
        .values_list("object_id", "action", "changes", "occurred_at")
    )
    for object_id, action, changes, occurred_at in query:
        rows[int(object_id)].append((action, changes, occurred_at))
    found: dict[int, _Events] = {}
    for ticket in tickets:
        ticket_rows = rows[ticket.pk]
        levels = [ticket.support_level]
        for _action, changes, _at in ticket_rows:
            level = changes.get("support_level") if isinstance(changes, Mapping) else None
            if isinstance(level, Mapping):
                levels += [int(v) for v in (level.get("from"), level.get("to")) if isinstance(v, int)]
        found[ticket.pk] = _Events(
            history=_history(ticket_rows, current_state=ticket.state),
            reopens=sum(1 for action, _c, _a in ticket_rows if action == "ticket.reopened"),
            max_level=max(levels),
        )
    return found


class Policies:
    """SLA policies and targets of a batch of tickets, with the default policy (read only when a
    ticket has none)."""

    def __init__(self, tickets: Sequence[Ticket]) -> None:
        ids = {t.sla_policy_id for t in tickets if t.sla_policy_id}
        # Kept per process (core.refdata): no query for the policies a creation or a change uses.
        self.targets = targets_kept(policy_ids=ids)
        found = {pk: policy_kept(policy_id=pk) for pk in ids}
        self.policies = {pk: policy for pk, policy in found.items() if policy is not None}

    @property
    def default(self) -> SlaPolicy | None:
        return default_policy_kept()

    def of(self, ticket: Ticket) -> tuple[SlaPolicy | None, SlaTarget | None]:
        policy = self.policies.get(ticket.sla_policy_id) if ticket.sla_policy_id else None
        target = self.targets.get((policy.pk, ticket.priority)) if policy else None
        return policy, target

    def calendar(self, ticket: Ticket, policy: SlaPolicy | None, now: dt.datetime) -> WorkingCalendar:
        source = policy or self.default
        if source is None:
            return NO_CALENDAR
        try:
            return working_calendar(calendar=source.calendar, around=(ticket.created_at, now))
        except ValueError:  # a calendar without working time
            return NO_CALENDAR


def ticket_facts(*, tickets: Sequence[Ticket], now: dt.datetime | None = None) -> dict[int, TicketFact]:
    """The fact row of each ticket (unsaved), from the tickets as given and their events."""
    now = now or timezone.now()
    events = ticket_events(tickets=tickets)
    policies = Policies(tickets)
    resolved = [t.pk for t in tickets if t.state in RESOLVED_STATES]
    scores = (
        dict(
            Survey.objects.filter(ticket_id__in=resolved, score__isnull=False).values_list(
                "ticket_id", "score"
            )
        )
        if resolved
        else {}
    )
    return {ticket.pk: _fact(ticket, events[ticket.pk], policies, scores, now) for ticket in tickets}


def _fact(
    ticket: Ticket, events: _Events, policies: Policies, scores: Mapping[int, int | None], now: dt.datetime
) -> TicketFact:
    policy, target = policies.of(ticket)
    calendar = policies.calendar(ticket, policy, now)
    resolved = ticket.state in RESOLVED_STATES and ticket.resolved_at is not None
    responded = ticket.first_responded_at
    clock = clock_compute(
        created_at=ticket.created_at,
        initial_state=events.history.initial_state,
        transitions=events.history.transitions,
        first_responded_at=responded,
        rules=clock_rules(policy=policy, target=target),
        calendar=calendar,
        now=now,
    )
    breached = {breach.target for breach in clock.breaches}
    fact = TicketFact(
        ticket_id=ticket.pk,
        organisation_id=ticket.organisation_id,
        team_id=ticket.team_id or NONE,
        category_id=ticket.category_id or NONE,
        channel=ticket.channel,
        assignee_id=ticket.assignee_id or NONE,
        priority=ticket.priority,
        created_day=local_day(ticket.created_at),
        reopens=events.reopens,
        max_level=events.max_level,
        csat_score=scores.get(ticket.pk),
    )
    if responded is not None:
        fact.first_response_day = local_day(responded)
        fact.first_response_seconds = _seconds(
            business_time_between(
                calendar=calendar, start=ticket.created_at, end=max(responded, ticket.created_at)
            )
        )
        if target is not None:
            fact.first_response_met = Target.FIRST_RESPONSE not in breached
    if resolved:
        assert ticket.resolved_at is not None
        fact.resolved_day = local_day(ticket.resolved_at)
        fact.resolution_seconds = _seconds(
            sum(
                (
                    business_time_between(calendar=calendar, start=segment.start, end=segment.end)
                    for segment in clock.timeline
                    if segment.kind is SegmentKind.RUNNING and segment.end is not None
                ),
                dt.timedelta(0),
            )
        )
        if target is not None:
            fact.resolution_met = Target.RESOLUTION not in breached
        fact.is_self_service = ticket.support_level == 0
        fact.is_first_contact = ticket.support_level == 1 and events.max_level <= 1 and events.reopens == 0
    return fact


def new_ticket_fact(ticket: Ticket) -> TicketFact:
    """The fact of a ticket just created: its history is its creation, so nothing is read."""
    return TicketFact(
        ticket_id=ticket.pk,
        organisation_id=ticket.organisation_id,
        team_id=ticket.team_id or NONE,
        category_id=ticket.category_id or NONE,
        channel=ticket.channel,
        assignee_id=ticket.assignee_id or NONE,
        priority=ticket.priority,
        created_day=local_day(ticket.created_at),
        max_level=ticket.support_level,
    )


def _seconds(duration: dt.timedelta) -> int:
    return int(duration.total_seconds())


def fact_key(fact: TicketFact) -> tuple[object, ...]:
    """The values that make a fact: two facts with the same key count the same."""
    return tuple(getattr(fact, name) for name in FACT_FIELDS)
