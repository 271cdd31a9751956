"""The transactional outbox: after-commit work that survives a queue outage (ADR 0011).

:func:`outbox_defer` records a task call in the caller's transaction (one ``OutboxTask`` row). When the
transaction commits, the row is handed to the queue at once and deleted (the fast path); if the queue
does not take it (Redis down, the SQLite queue locked), nothing is raised to the caller (the change is
committed and the request answers normally) and the row stays. :func:`outbox_relay`, run every few
seconds by each worker process (:class:`OutboxRelay`), hands over the rows left behind, oldest first,
until the queue takes them. Tasks are idempotent, so a row handed over twice changes nothing.

Tasks must be registered with :func:`deferrable` (at import of their ``tasks.py``) so the relay, in
another process, finds them by name.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from escalade.core.models import OutboxTask

logger = logging.getLogger(__name__)

RELAY_GRACE = dt.timedelta(seconds=10)  # the fast path's time to hand a row over before the relay may
RELAY_BATCH = 500


class QueueTask(Protocol):
    """A Huey task (``@db_task(name=…)``): calling it enqueues it."""

    name: str

    def __call__(self, *args: Any) -> Any: ...


_tasks: dict[str, QueueTask] = {}


def deferrable[T: QueueTask](task: T) -> T:
    """Register a queue task so outbox rows can name it (decorate it below ``@db_task``)."""
    _tasks[task.name] = task
    return task


def registered_task(name: str) -> QueueTask | None:
    if name not in _tasks:
        autodiscover_modules("tasks")  # a process that has not imported every app's tasks yet
    return _tasks.get(name)


_batch: ContextVar[list[OutboxTask] | None] = ContextVar("escalade_outbox_batch", default=None)


def outbox_defer(task: QueueTask, *args: Any) -> OutboxTask:
    """Run ``task(*args)`` on the queue once the current transaction commits, whatever the queue's
    state at that moment. ``args`` must be JSON values (ids, lists of ids).

    Inside :func:`outbox_batch` (every :func:`~escalade.core.events.publish`), the rows of all the
    subscribers are written together when the block ends: one insert for the whole event."""
    if task.name not in _tasks:
        raise ValueError(f"task {task.name} is not registered with @deferrable")
    row = OutboxTask(task=task.name, args=list(args))
    pending = _batch.get()
    if pending is not None:
        pending.append(row)
    else:
        _write([row])
    return row


@contextmanager
def outbox_batch() -> Iterator[None]:
    """Collect the rows deferred inside the block and write them in one insert at its end (nested
    blocks write with the outermost). Nothing is written if the block raises."""
    if _batch.get() is not None:
        yield
        return
    rows: list[OutboxTask] = []
    token = _batch.set(rows)
    try:
        yield
    finally:
        _batch.reset(token)
    _write(rows)


def _write(rows: list[OutboxTask]) -> None:
    if not rows:
        return
    OutboxTask.objects.bulk_create(rows)
    transaction.on_commit(lambda: _hand_over(rows))


def _hand_over(rows: list[OutboxTask]) -> None:
    """The fast path, after the commit: enqueue each task, then forget the rows handed over. Never
    raises: a committed change must not fail its request because the queue (or the database, for the
    delete) is down. What the queue refused stays for the relay."""
    handed: list[int] = []
    for row in rows:
        try:
            _tasks[row.task](*row.args)
        except Exception as error:  # noqa: BLE001 - any queue failure: the relay retries the row
            logger.warning("queue refused %s (outbox row %s kept for the relay): %s", row.task, row.pk, error)
            break
        handed.append(row.pk)
    if not handed:
        return
    try:
        OutboxTask.objects.filter(pk__in=handed).delete()
    except Exception as error:  # noqa: BLE001 - the relay enqueues them again; tasks are idempotent
        logger.warning("could not forget outbox rows %s: %s", handed, error)


def outbox_relay(*, grace: dt.timedelta = RELAY_GRACE, limit: int = RELAY_BATCH) -> int:
    """Hand the rows the fast path left behind (older than ``grace``) to the queue, oldest first;
    stop at the first refusal (the queue is still down). Returns how many were handed over.

    Rows are locked (``SKIP LOCKED`` where the database has it), so relays in several workers share
    the work instead of enqueueing the same rows.
    """
    handed = 0
    with transaction.atomic():
        rows = OutboxTask.objects.filter(created_at__lt=timezone.now() - grace).order_by("created_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        done: list[int] = []
        for row in rows[:limit]:
            task = registered_task(row.task)
            if task is None:
                _note_failure(row, f"unknown task {row.task}")
                continue
            try:
                task(*row.args)
            except Exception as error:  # noqa: BLE001 - the queue is down: keep the rest for later
                _note_failure(row, f"{type(error).__name__}: {error}")
                break
            done.append(row.pk)
        OutboxTask.objects.filter(pk__in=done).delete()
        handed = len(done)
    if handed:
        logger.info("outbox relay handed %s task(s) to the queue", handed)
    return handed


def _note_failure(row: OutboxTask, error: str) -> None:
    OutboxTask.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, last_error=error[:2000])
    logger.warning("outbox row %s (%s) not relayed: %s", row.pk, row.task, error)


class OutboxRelay(threading.Thread):
    """Runs :func:`outbox_relay` every ``interval`` seconds in a worker process, until stopped.

    A failure (the database itself unreachable) is logged and the loop goes on with a fresh connection.
    """

    def __init__(self, *, interval: float = 5.0, relay: Callable[[], int] = outbox_relay) -> None:
        super().__init__(name="escalade-outbox-relay", daemon=True)
        self.interval = interval
        self.relay = relay
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                while self.relay() >= RELAY_BATCH:  # a backlog: keep going until it is gone
                    pass
            except Exception:
                logger.exception("outbox relay failed; next try in %ss", self.interval)
            finally:
                close_old_connections()

    def stop(self) -> None:
        self.stopped.set()
