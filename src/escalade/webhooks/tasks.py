"""Background tasks of the webhooks app. Thin: each calls one function of ``delivery`` with ids."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from escalade.core.outbox import deferrable
from escalade.core.periodic import periodic_job
from escalade.webhooks.delivery import deliveries_due, deliveries_send

DELIVERIES_PER_TASK = 100


@deferrable
@db_task(name="webhooks.deliver")
def deliver(delivery_ids: list[int]) -> None:
    """Attempt the deliveries of one transaction (idempotent: a delivery done or taken is left alone;
    a failure is recorded with the time of its next attempt, which :func:`deliver_due` makes)."""
    deliveries_send(ids=delivery_ids)


@periodic_job(crontab(minute="*"), name="webhooks.deliver_due")
def deliver_due() -> None:
    """Every minute: retries whose backoff is over, deliveries whose task the queue lost, expired claims."""
    ids = deliveries_due()
    for start in range(0, len(ids), DELIVERIES_PER_TASK):
        deliver(ids[start : start + DELIVERIES_PER_TASK])
