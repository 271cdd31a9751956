"""Time automations, evaluated every minute by the scheduler (``automation.tasks.time_rules``).

Candidates are selected in SQL: tickets in the rule's state since before a cut-off, read from the
index on (state, state_changed_at) (``resolved_at`` for resolved tickets: ``ticket_resolved_idx``).
With business time, the cut-off is worked out once per SLA calendar (the latest moment from which
the rule's duration of working time has elapsed by now: a bisection over the calendar), so no
ticket is checked one by one. Each ticket is then handled in its own transaction: locked, checked
again, and a :class:`TimeRuleFiring` (rule, ticket, anchor) row inserted before acting; the row's
unique constraint makes a second worker (or a second run) skip it: exactly once per stay in the state.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from escalade.automation.engine import actions_apply
from escalade.automation.models import TimeRule, TimeRuleFiring, TimeUnit
from escalade.sla.businesstime import WorkingCalendar, business_time_between
from escalade.sla.models import SlaPolicy
from escalade.sla.selectors import NO_CALENDAR, working_calendar
from escalade.tickets.choices import State
from escalade.tickets.models import Ticket

logger = logging.getLogger(__name__)

BATCH = 500  # tickets acted on per rule per run; the rest wait for the next minute
SEARCH_BACK = dt.timedelta(days=60)  # the most calendar time a business duration may span


@dataclass
class SweepReport:
    fired: int = 0
    skipped: int = 0


def duration_of(rule: TimeRule) -> dt.timedelta:
    return dt.timedelta(**{str(rule.unit): rule.after}) if rule.unit in TimeUnit.values else dt.timedelta(0)


def anchor_field(rule: TimeRule) -> str:
    """The column saying since when a ticket is in the rule's state."""
    return "resolved_at" if rule.state == State.RESOLVED else "state_changed_at"


def business_cutoff(*, calendar: WorkingCalendar, now: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The latest moment ``m`` with ``business_time_between(m, now) >= duration`` (to the second)."""
    late, early = now - duration, now - duration - SEARCH_BACK  # working time never exceeds elapsed time
    if business_time_between(calendar=calendar, start=early, end=now) < duration:
        return early
    while late - early > dt.timedelta(seconds=1):
        middle = early + (late - early) / 2
        if business_time_between(calendar=calendar, start=middle, end=now) >= duration:
            early = middle
        else:
            late = middle
    return early


def working_days_back(*, calendar: WorkingCalendar, now: dt.datetime, days: int) -> dt.datetime:
    """The same wall-clock time ``days`` working days before ``now`` (days with no working time, such
    as weekends and holidays, are not counted): "3 business days" from Friday 10:00 is Wednesday 10:00."""
    local = now.astimezone(calendar.zone)
    day, counted = local.date(), 0
    for _step in range(days * 7 + 30):  # bounded even for a calendar that barely works
        if counted == days:
            break
        day -= dt.timedelta(days=1)
        start = dt.datetime.combine(day, dt.time(0), tzinfo=calendar.zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=calendar.zone)
        if business_time_between(calendar=calendar, start=start, end=end) > dt.timedelta(0):
            counted += 1
    return dt.datetime.combine(day, local.time(), tzinfo=calendar.zone)


def rule_cutoff(rule: TimeRule, *, calendar: WorkingCalendar, now: dt.datetime) -> dt.datetime:
    """The latest moment a ticket may have entered the state for ``rule`` to be due on it now."""
    if not rule.is_business_time:
        return now - duration_of(rule)
    if rule.unit == TimeUnit.DAYS:
        return working_days_back(calendar=calendar, now=now, days=rule.after)
    return business_cutoff(calendar=calendar, now=now, duration=duration_of(rule))


def _cutoffs(rule: TimeRule, now: dt.datetime) -> Q:
    """Which anchors are old enough, per SLA calendar for a rule in business time."""
    column = anchor_field(rule)
    if not rule.is_business_time:
        return Q(**{f"{column}__lte": now - duration_of(rule)})
    policies = SlaPolicy.objects.select_related("calendar")
    condition = Q(
        sla_policy__isnull=True, **{f"{column}__lte": rule_cutoff(rule, calendar=NO_CALENDAR, now=now)}
    )
    by_calendar: dict[int, list[int]] = {}
    calendars = {}
    for policy in policies:
        by_calendar.setdefault(policy.calendar_id, []).append(policy.pk)
        calendars[policy.calendar_id] = policy.calendar
    for calendar_id, policy_ids in by_calendar.items():
        try:
            arithmetic = working_calendar(calendar=calendars[calendar_id], around=[now])
        except ValueError:  # a calendar without working time: count plain time
            arithmetic = NO_CALENDAR
        cutoff = rule_cutoff(rule, calendar=arithmetic, now=now)
        condition |= Q(sla_policy_id__in=policy_ids, **{f"{column}__lte": cutoff})
    return condition


def candidates(rule: TimeRule, now: dt.datetime, *, limit: int = BATCH) -> list[tuple[int, dt.datetime]]:
    """(ticket id, anchor) of the tickets the rule is due on and has not acted on in this stay."""
    column = anchor_field(rule)
    tickets = Ticket.objects.filter(_cutoffs(rule, now), state=rule.state)
    if rule.priority:
        tickets = tickets.filter(priority=rule.priority)
    if rule.is_unassigned_only:
        tickets = tickets.filter(assignee__isnull=True)
    if rule.organisation_id:
        tickets = tickets.filter(organisation_id=rule.organisation_id)
    done = TimeRuleFiring.objects.filter(rule=rule, ticket=OuterRef("pk"), anchor=OuterRef(column))
    tickets = tickets.filter(~Exists(done)).order_by(column, "id")
    return [(pk, anchor) for pk, anchor in tickets.values_list("pk", column)[:limit]]


def time_rules_sweep(*, now: dt.datetime | None = None) -> SweepReport:
    """Act on every ticket due for an active time automation (once per ticket and stay)."""
    now = now or timezone.now()
    report = SweepReport()
    for rule in TimeRule.objects.filter(is_active=True).order_by("position", "id"):
        for ticket_id, anchor in candidates(rule, now):
            try:
                fired = _fire(rule, ticket_id, anchor)
            except Exception:  # one ticket's failure must not stop the sweep: logged, tried next run
                logger.exception(
                    "time automation %s failed on ticket %s; the others go on", rule.pk, ticket_id
                )
                report.skipped += 1
                continue
            if fired:
                report.fired += 1
            else:
                report.skipped += 1
    return report


def _fire(rule: TimeRule, ticket_id: int, anchor: dt.datetime) -> bool:
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None or ticket.state != rule.state or getattr(ticket, anchor_field(rule)) != anchor:
            return False  # moved on since it was selected
        try:
            with transaction.atomic():
                TimeRuleFiring.objects.create(rule=rule, ticket=ticket, anchor=anchor)
        except IntegrityError:
            return False  # another worker acted on this stay
        actions_apply(
            kind="time", rule_id=rule.pk, name=rule.name, actions=rule.actions, ticket=ticket, trigger=None
        )
    return True
