"""Periodic jobs that run once per tick, however many workers run a scheduler.

Every ``escalade serve`` and ``escalade worker`` process runs Huey's scheduler, so each enqueues every
periodic task at each tick. :func:`periodic_job` wraps the task so that only the first worker to claim
the (job, minute) pair in the database runs it; the others return at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from escalade.core.services import tick_claim

logger = logging.getLogger(__name__)


def current_tick() -> Any:
    """The scheduler's resolution is one minute: the tick is the current minute (UTC)."""
    return timezone.now().replace(second=0, microsecond=0)


def periodic_job(schedule: Callable[..., bool], *, name: str) -> Callable[[Callable[[], None]], Any]:
    """Register ``fn`` as a Huey periodic task on ``schedule`` that runs once per tick cluster-wide."""

    def decorator(fn: Callable[[], None]) -> Any:
        @wraps(fn)
        def run_once() -> bool:
            tick = current_tick()
            if not tick_claim(job=name, tick=tick):
                logger.debug("periodic job %s already ran for %s", name, tick)
                return False
            fn()
            return True

        task = db_periodic_task(schedule, name=name)(run_once)
        task.run_once = run_once
        return task

    return decorator
