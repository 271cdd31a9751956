"""Writes of the SLA clock: keep tickets' due dates current, and sweep for warnings and breaches.

* :func:`sla_refresh` runs inside every ticket service, after the change and its event: it reads the
  clock from the ticket's events and stores the due dates (ADR 0004: the event log is the source).
* :func:`sla_recompute_open_tickets` does the same for every open ticket of a policy or calendar
  that changed (run by the ``sla.recompute`` task, in batches).
* :func:`sla_sweep` (every minute) flags warnings and breaches, records them and applies the
  policy. Each flag is set by a conditional ``UPDATE ... WHERE <flag> IS NULL`` in the transaction
  that records the event and escalates, so of two sweepers racing on a ticket exactly one acts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from escalade.core.actors import Actor
from escalade.core.bulk import rows_update
from escalade.core.errors import DomainError
from escalade.sla.clock import ClockState, Target
from escalade.sla.models import BusinessCalendar, SlaPolicy, SlaTarget
from escalade.sla.selectors import (
    TicketHistory,
    policy_kept,
    policy_targets,
    sla_clock,
    sla_warning_thresholds,
    targets_kept,
    ticket_histories,
    working_calendar_forget,
)
from escalade.tickets.models import OPEN_STATE_VALUES, Ticket

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
SWEEPER = Actor.system("sla-sweep")
STORED_FIELDS = ("first_response_due", "resolution_due", "sla_paused_since")
RESOLUTION_FLAGS = ("resolution_warned_at", "resolution_breached_at")

BREACH_REASON = gettext_lazy("SLA breached: the resolution target was missed.")


# ----------------------------------------------------------------------------- due dates


def sla_refresh(
    *, ticket: Ticket, now: dt.datetime | None = None, history: TicketHistory | None = None
) -> None:
    """Recompute ``ticket``'s SLA due dates and pause state from its events and save them.

    Called by the ticket services after each change, in their transaction, with the ticket row
    locked. Saves only the fields that changed (``update_fields``); a ticket without a policy has
    no due dates. ``history``: the clock's view of the events when the caller already knows it
    (a ticket just created); read from the event log otherwise.
    """
    now = now or timezone.now()
    policy = policy_kept(policy_id=ticket.sla_policy_id)
    state = None
    if policy is not None:
        target = targets_kept(policy_ids=[policy.pk]).get((policy.pk, ticket.priority))
        history = history or ticket_histories(tickets=[ticket])[ticket.pk]
        state = _read_clock(ticket, history, policy, target, now)
    changed = _apply(ticket, state)
    if changed:
        ticket.save(update_fields=changed)


def sla_refresh_many(*, tickets: Sequence[Ticket], now: dt.datetime | None = None) -> None:
    """:func:`sla_refresh` for several tickets (rows locked by the caller, events recorded), in four
    queries at most: their policies with calendars, the targets, their histories, one update."""
    if not tickets:
        return
    policies = _policies_kept(tickets)
    timed = [ticket for ticket in tickets if ticket.sla_policy_id in policies]
    histories = ticket_histories(tickets=timed) if timed else {}
    _store_clocks(tickets, now or timezone.now(), histories, policies, targets_kept(policy_ids=policies))


def _policies_kept(tickets: Sequence[Ticket]) -> dict[int, SlaPolicy]:
    """The policies of ``tickets`` with their calendars, kept per process (``core.refdata``)."""
    found = {pk: policy_kept(policy_id=pk) for pk in {t.sla_policy_id for t in tickets if t.sla_policy_id}}
    return {pk: policy for pk, policy in found.items() if policy is not None}


def sla_recompute_open_tickets(
    *, policy: SlaPolicy | None = None, calendar: BusinessCalendar | None = None
) -> int:
    """Recompute the due dates of the open tickets under ``policy`` and/or ``calendar`` (all if neither).

    Runs in batches of :data:`BATCH_SIZE` tickets, each in its own transaction with the rows locked
    (a ticket service changing one of them meanwhile waits, then refreshes it itself), walking by id
    so that the work is bounded whatever the number of tickets. Returns how many were recomputed.
    """
    if calendar is not None:
        working_calendar_forget(calendar_id=calendar.pk)
    tickets = Ticket.objects.filter(state__in=OPEN_STATE_VALUES, sla_policy__isnull=False)
    if policy is not None:
        tickets = tickets.filter(sla_policy=policy)
    if calendar is not None:
        tickets = tickets.filter(sla_policy__calendar=calendar)
    now, done, last_id = timezone.now(), 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                tickets.filter(pk__gt=last_id)
                .select_related("sla_policy__calendar")
                .select_for_update(of=("self",))
                .order_by("pk")[:BATCH_SIZE]
            )
            _recompute_batch(batch, now)
        done += len(batch)
        if len(batch) < BATCH_SIZE:
            return done
        last_id = batch[-1].pk


def _recompute_batch(batch: list[Ticket], now: dt.datetime) -> None:
    histories = ticket_histories(tickets=batch) if batch else {}
    policies = {ticket.sla_policy_id: ticket.sla_policy for ticket in batch if ticket.sla_policy_id}
    _store_clocks(batch, now, histories, policies)


def sla_start_many(*, tickets: Sequence[Ticket], now: dt.datetime) -> None:
    """Start the clocks of tickets just created (saved, in the caller's transaction) and store their
    due dates: what :func:`sla_refresh` does for each, in three queries for the whole batch (policies
    with their calendars, targets, one update). A new ticket's history is its creation."""
    policies = _policies_kept(tickets)
    histories = {ticket.pk: TicketHistory(initial_state=ticket.state, transitions=()) for ticket in tickets}
    _store_clocks(tickets, now, histories, policies, targets_kept(policy_ids=policies))


def _store_clocks(
    tickets: Sequence[Ticket],
    now: dt.datetime,
    histories: Mapping[int, TicketHistory],
    policies: Mapping[int, SlaPolicy | None],
    targets: Mapping[tuple[int, int], SlaTarget] | None = None,
) -> None:
    """Read each ticket's clock and save the due dates that changed (one update for all); ``targets``
    of ``policies`` when the caller has them."""
    if targets is None:
        targets = policy_targets(policy_ids=set(policies))
    changed: list[Ticket] = []
    fields: set[str] = set()
    for ticket in tickets:
        policy = policies.get(ticket.sla_policy_id) if ticket.sla_policy_id else None
        state = None
        if policy is not None:
            target = targets.get((policy.pk, ticket.priority))
            state = _read_clock(ticket, histories[ticket.pk], policy, target, now)
        names = _apply(ticket, state)
        if names:
            changed.append(ticket)
            fields.update(names)
    if changed:
        rows_update(changed, sorted(fields))


def _read_clock(
    ticket: Ticket,
    history: TicketHistory,
    policy: SlaPolicy | None,
    target: SlaTarget | None,
    now: dt.datetime,
) -> ClockState | None:
    try:
        return sla_clock(ticket=ticket, history=history, policy=policy, target=target, now=now)
    except (ValueError, OverflowError):
        # A calendar without working time, or a target beyond the dates Python can hold (a policy
        # saved before targets were bounded): refusing every ticket change would stop the desk, so
        # the ticket gets no due dates and the misconfiguration is logged loudly instead.
        logger.exception(
            "SLA clock of ticket %s cannot run: check policy %s and its calendar",
            ticket.pk,
            ticket.sla_policy_id,
        )
        return None


def _apply(ticket: Ticket, state: ClockState | None) -> list[str]:
    """Set the clock's reading on ``ticket``; return the names of the fields that changed."""
    values: dict[str, dt.datetime | None] = dict.fromkeys(STORED_FIELDS)
    if state is not None:
        values |= {
            "first_response_due": state.first_response_due,
            "resolution_due": state.resolution_due,
            "sla_paused_since": state.paused_since,
        }
        # A reopening that resets the clock starts a new cycle: the last cycle's flags are history
        # (its events stay in the log) and the new cycle may warn and breach again.
        for flag in RESOLUTION_FLAGS:
            flagged_at = getattr(ticket, flag)
            if flagged_at is not None and flagged_at < state.resolution_started_at:
                values[flag] = None
    changed = [name for name, value in values.items() if getattr(ticket, name) != value]
    for name in changed:
        setattr(ticket, name, values[name])
    return changed


# ----------------------------------------------------------------------------- the sweep


@dataclass(kw_only=True)
class SweepReport:
    """What one sweep did."""

    first_response_warnings: int = 0
    first_response_breaches: int = 0
    resolution_warnings: int = 0
    resolution_breaches: int = 0
    escalations: int = 0
    priority_raises: int = 0
    failed_actions: int = 0  # escalations or priority raises refused (e.g. no higher level)
    failures: int = 0  # tickets whose flagging failed (logged with their id; retried next sweep)


@dataclass(frozen=True, kw_only=True)
class _Check:
    """One kind of flag to set: which target, warning or breach, and when a ticket is due for it."""

    target: Target
    is_breach: bool
    condition: Q  # the ticket is open, its clock runs, and the instant has come

    @property
    def flag(self) -> str:
        return f"{self.target}_{'breached' if self.is_breach else 'warned'}_at"

    @property
    def due_field(self) -> str:
        return f"{self.target}_due"

    @property
    def counter(self) -> str:
        return f"{self.target}_{'breaches' if self.is_breach else 'warnings'}"


def sla_sweep(*, now: dt.datetime | None = None) -> SweepReport:
    """Flag the SLA warnings and breaches that have come by ``now``, each exactly once.

    Breaches first (a breach also marks its warning as given, so no late warning follows), then
    warnings. Candidates are read in batches from the partial due-date indexes over open tickets;
    each is then flagged in its own transaction, and only the sweeper whose conditional update
    changed the row records the event, notifies and escalates.
    """
    now = now or timezone.now()
    report = SweepReport()
    for target in Target:
        due = _open(target) & Q(**{f"{target}_due__lte": now})
        _sweep(_Check(target=target, is_breach=True, condition=due), now, report)
    thresholds = sla_warning_thresholds(now=now)
    for target in Target:
        groups = [
            Q(sla_policy_id=policy_id, priority=priority, **{f"{target}_due__lte": threshold})
            for (policy_id, priority), threshold in thresholds[target].items()
        ]
        if groups:
            condition = _open(target) & Q(**{f"{target}_breached_at__isnull": True}) & _any(groups)
            _sweep(_Check(target=target, is_breach=False, condition=condition), now, report)
    if report != SweepReport():
        logger.info("SLA sweep at %s: %s", now.isoformat(), report)
    return report


def _open(target: Target) -> Q:
    # The same state list as the partial indexes' condition, so the planner can use them.
    condition = Q(state__in=OPEN_STATE_VALUES)
    if target is Target.FIRST_RESPONSE:
        condition &= Q(first_responded_at__isnull=True)
    return condition


def _any(conditions: list[Q]) -> Q:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def _sweep(check: _Check, now: dt.datetime, report: SweepReport) -> None:
    for ticket_id in _candidates(check):
        try:
            flagged = _flag_and_act(check, ticket_id, now, report)
        except Exception:
            # One ticket's failure (a subscriber, a bad policy) must not stop the sweep for every
            # other client: its transaction rolled back, so the next sweep tries it again.
            logger.exception("SLA sweep: %s of ticket %s failed; the sweep goes on", check.flag, ticket_id)
            report.failures += 1
            continue
        if flagged:
            setattr(report, check.counter, getattr(report, check.counter) + 1)


def _flag_and_act(check: _Check, ticket_id: int, now: dt.datetime, report: SweepReport) -> bool:
    """Flag one ticket, record the event and apply the policy, in one transaction; False when another
    sweeper got there first or the ticket changed meanwhile."""
    with transaction.atomic():
        if not _flag(check, ticket_id, now):
            return False
        ticket = Ticket.objects.select_related("sla_policy", "team", "assignee").get(pk=ticket_id)
        from escalade.tickets.services._common import record  # noqa: PLC0415 - tickets build on sla

        record(
            actor=SWEEPER,
            ticket=ticket,
            action=f"ticket.sla_{'breached' if check.is_breach else 'warning'}",
            changes={check.flag: {"from": None, "to": now.isoformat()}},
            data={"target": check.target.value},
        )
        _act(check, ticket, report)
    return True


def _candidates(check: _Check) -> Iterator[int]:
    """Ids of the tickets due for ``check``, by due date, read :data:`BATCH_SIZE` at a time.

    Walks by (due date, id) rather than re-reading the first page, so a ticket whose flagging
    failed is not read again in this sweep (the next sweep retries it).
    """
    due = check.due_field
    tickets = Ticket.objects.filter(check.condition, **{f"{check.flag}__isnull": True})
    page = tickets
    while True:
        rows = list(page.order_by(due, "pk").values_list("pk", due)[:BATCH_SIZE])
        yield from (pk for pk, _ in rows)
        if len(rows) < BATCH_SIZE:
            return
        last_id, last_due = rows[-1]
        page = tickets.filter(Q(**{f"{due}__gt": last_due}) | Q(**{due: last_due, "pk__gt": last_id}))


def _flag(check: _Check, ticket_id: int, now: dt.datetime) -> bool:
    """Set the flag if it is still unset and the ticket still qualifies; True for the one who did."""
    updates: dict[str, object] = {check.flag: now}
    if check.is_breach:
        warned = f"{check.target}_warned_at"
        updates[warned] = Coalesce(F(warned), Value(now))
    tickets = Ticket.objects.filter(check.condition, pk=ticket_id, **{f"{check.flag}__isnull": True})
    return tickets.update(**updates) == 1


def _act(check: _Check, ticket: Ticket, report: SweepReport) -> None:
    """Apply the policy on a resolution breach. The people concerned hear of the warning or breach
    through the event just recorded (the notification subscriber, ADR 0024)."""
    if not check.is_breach or check.target is Target.FIRST_RESPONSE:
        return
    policy = ticket.sla_policy
    assert policy is not None  # a ticket without a policy has no due date, so it is never flagged
    _apply_breach_policy(policy, ticket, report)


def _apply_breach_policy(policy: SlaPolicy, ticket: Ticket, report: SweepReport) -> Ticket:
    # Imported here: the ticket services import this module (they call sla_refresh).
    from escalade.tickets.services import ticket_escalate, ticket_set_priority  # noqa: PLC0415

    reason = str(BREACH_REASON)  # kept in the event log, in the installation's language
    if policy.escalate_on_breach:
        current = ticket
        escalated = _attempt(lambda: ticket_escalate(actor=SWEEPER, ticket=current, reason=reason), report)
        if escalated is not None:
            report.escalations += 1
            ticket = escalated
    if policy.raise_priority_on_breach and ticket.priority > 1:
        current, priority = ticket, ticket.priority - 1
        raised = _attempt(
            lambda: ticket_set_priority(actor=SWEEPER, ticket=current, priority=priority, reason=reason),
            report,
        )
        if raised is not None:
            report.priority_raises += 1
            ticket = raised
    return ticket


def _attempt(action: Callable[[], Ticket], report: SweepReport) -> Ticket | None:
    """Run a ticket service; a refusal (no higher level...) is logged, and the breach still stands.

    The service runs in its own savepoint (it is atomic), so a refusal leaves nothing half done.
    """
    try:
        return action()
    except DomainError as error:
        logger.warning("SLA sweep could not apply the breach policy: %s (%s)", error.message, error.code)
        report.failed_actions += 1
        return None
