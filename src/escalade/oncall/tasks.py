"""Background jobs of on-call. Thin: each calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from escalade.core.outbox import deferrable
from escalade.core.periodic import periodic_job
from escalade.oncall.services import deliveries_due, deliveries_send, escalations_sweep


@deferrable
@db_task(name="oncall.deliver")
def deliver(delivery_ids: list[int]) -> None:
    """Send the page deliveries of one transaction (idempotent: a claimed or sent one is left alone)."""
    deliveries_send(ids=delivery_ids)


@periodic_job(crontab(minute="*"), name="oncall.escalate")
def escalate() -> None:
    """Every minute, once cluster-wide: escalate unacknowledged pages; retry failed deliveries."""
    escalations_sweep()
    due = deliveries_due()
    if due:
        deliveries_send(ids=due)
