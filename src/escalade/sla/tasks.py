"""Background tasks of the SLA app. Thin: each calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from escalade.core.outbox import deferrable, outbox_defer
from escalade.core.periodic import periodic_job
from escalade.sla.models import BusinessCalendar, SlaPolicy
from escalade.sla.services import sla_recompute_open_tickets, sla_sweep


@periodic_job(crontab(minute="*"), name="sla.sweep")
def sweep() -> None:
    """Every minute, one worker flags the SLA warnings and breaches and applies the policies."""
    sla_sweep()


@deferrable
@db_task(name="sla.recompute")
def sla_recompute(policy_id: int | None = None, calendar_id: int | None = None) -> int:
    """Recompute the due dates of the open tickets of a policy and/or calendar that changed."""
    policy = SlaPolicy.objects.filter(pk=policy_id).first() if policy_id is not None else None
    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first() if calendar_id is not None else None
    if (policy_id is not None and policy is None) or (calendar_id is not None and calendar is None):
        return 0  # deleted since: its tickets have moved to another policy, which refreshed them
    return sla_recompute_open_tickets(policy=policy, calendar=calendar)


def sla_recompute_on_commit(*, policy_id: int | None = None, calendar_id: int | None = None) -> None:
    """Enqueue :func:`sla_recompute` once the current transaction commits (never if it rolls back;
    later if the queue is down: through the outbox)."""
    outbox_defer(sla_recompute, policy_id, calendar_id)
