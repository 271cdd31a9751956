"""On-call on the event path: what pages, and what ends a paging.

* ``ticket.created``: a monitoring incident pages (policy's ``pages_monitoring``); a P1 created outside
  office hours pages (``pages_p1_off_hours``) instead of waiting for the morning;
* ``ticket.sla_breached`` outside office hours pages (``pages_breach_off_hours``);
* ``ticket.resolved``, ``ticket.closed``, ``ticket.merged`` end the ticket's paging.

Office hours: the policy's calendar, else the ticket's SLA calendar; without either, every hour is
an office hour (nothing pages for being "at night").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext_noop

from escalade.core.events import Published
from escalade.oncall.models import EscalationPolicy
from escalade.oncall.services import paging_start, pagings_close, policies_active, policy_for
from escalade.sla.businesstime import next_working_instant
from escalade.sla.models import BusinessCalendar
from escalade.sla.selectors import working_calendar
from escalade.tickets.choices import Channel, Priority
from escalade.tickets.models import Ticket

ENDING = frozenset({"ticket.resolved", "ticket.closed", "ticket.merged"})


def off_hours(*, calendar: BusinessCalendar | None, at: dt.datetime) -> bool:
    """Whether ``at`` falls outside ``calendar``'s working time (False without a calendar)."""
    if calendar is None:
        return False
    try:
        arithmetic = working_calendar(calendar=calendar, around=[at])
        return next_working_instant(calendar=arithmetic, moment=at) > at
    except ValueError:  # a calendar without working time: always off hours
        return True


def _calendar(policy: EscalationPolicy, ticket: Ticket) -> BusinessCalendar | None:
    if policy.calendar is not None:
        return policy.calendar
    return ticket.sla_policy.calendar if ticket.sla_policy is not None else None


def _reason(action: str, ticket: Ticket, policy: EscalationPolicy) -> str | None:
    at = ticket.created_at if action == "ticket.created" else None
    if action == "ticket.created":
        if ticket.channel == Channel.MONITORING and policy.pages_monitoring:
            return gettext_noop("Monitoring alert")
        critical = ticket.priority == Priority.CRITICAL and policy.pages_p1_off_hours
        if critical and off_hours(calendar=_calendar(policy, ticket), at=at or ticket.created_at):
            return gettext_noop("P1 outside office hours")
        return None
    if action == "ticket.sla_breached" and policy.pages_breach_off_hours:
        from django.utils import timezone  # noqa: PLC0415 - read at call time (frozen clocks)

        if off_hours(calendar=_calendar(policy, ticket), at=timezone.now()):
            return gettext_noop("SLA breached outside office hours")
    return None


def _may_page(item: Published) -> bool:
    if item.event.action == "ticket.sla_breached":
        return True
    ticket = item.subject
    return isinstance(ticket, Ticket) and (
        ticket.channel == Channel.MONITORING or ticket.priority == Priority.CRITICAL
    )


def _may_have_been_paged(ticket: Ticket) -> bool:
    """Only these tickets can have a paging: the others end without a query."""
    return (
        ticket.channel == Channel.MONITORING
        or ticket.priority == Priority.CRITICAL
        or ticket.resolution_breached_at is not None
        or ticket.first_response_breached_at is not None
    )


def oncall_on_ticket_events(published: Sequence[Published]) -> None:
    """Start or end pagings for the published ticket events (in the caller's transaction)."""
    ending = {
        item.event.object_id: item.subject
        for item in published
        if item.event.action in ENDING
        and isinstance(item.subject, Ticket)
        and _may_have_been_paged(item.subject)
    }
    paging = [item for item in published if item.event.action not in ENDING and _may_page(item)]
    policies = policies_active() if paging else []
    for item in paging if policies else []:
        ticket = item.subject
        if not isinstance(ticket, Ticket):
            ticket = Ticket.objects.filter(pk=item.event.object_id).first()
        policy = policy_for(ticket, policies=policies) if ticket is not None else None
        reason = _reason(item.event.action, ticket, policy) if ticket and policy else None
        if ticket is not None and policy is not None and reason is not None:
            paging_start(ticket=ticket, policy=policy, reason=reason)
    if ending:
        pagings_close(
            tickets=[t for t in ending.values() if t is not None],
            reason=gettext_noop("The ticket is resolved."),
        )
