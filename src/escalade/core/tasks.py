"""Background tasks of the core app. Thin: each calls one service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_task

from escalade.core.outbox import outbox_execute
from escalade.core.periodic import periodic_job
from escalade.core.services import scheduled_tick_prune, worker_heartbeat_record


@db_task(name="core.outbox_run")
def outbox_run(row_id: int, task: str, args: list[Any]) -> None:
    """Run the task an outbox row names, then delete the row (``core.outbox``); idempotent."""
    outbox_execute(row_id=row_id, task=task, args=args)


@db_task(name="core.worker_ping")
def worker_ping() -> str:
    """Enqueued at start-up: the worker that runs it records a heartbeat (seen in ``/health``)."""
    return worker_heartbeat_record().worker


@periodic_job(crontab(minute="*"), name="core.heartbeat")
def heartbeat() -> None:
    """Every minute, one worker records that the scheduler and the queue are alive."""
    worker_heartbeat_record()


@periodic_job(crontab(minute="17", hour="3"), name="core.prune_ticks")
def prune_ticks() -> None:
    """Daily: tick claims older than a week are no longer needed."""
    scheduled_tick_prune(older_than=timedelta(days=7))
