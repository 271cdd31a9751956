"""The transactional outbox: after-commit work that survives a queue outage (ADR 0011).

:func:`outbox_defer` records a task call in the caller's transaction (an ``OutboxTask`` row; inside
:func:`outbox_batch`, every row of the block in one insert). When the transaction commits, each row is
handed to the queue as ``core.outbox_run(row, task, args)``, which runs the task and then deletes the
row: a row disappears only once its work is done. Whatever the queue does, the caller never sees an
error (the change is committed, the request answers normally):

* the queue refuses the row (Redis down, the SQLite queue locked): the row is marked due at once, and
  :func:`outbox_relay`, run every few seconds by every worker process (:class:`OutboxRelay`), hands it
  over as soon as the queue takes it again;
* the queue takes the row but loses it (Redis restarted without persistence) or the task keeps
  failing: the row is still there at ``next_relay_at`` and the relay hands it over again, each time
  after a longer wait (:func:`relay_backoff`).

Every task is idempotent (a mail is claimed before it is sent, an index entry is an upsert, a
webhook delivery has its own state), so a row run twice changes nothing.

Tasks are registered with :func:`deferrable` (at import of their ``tasks.py``) so that a worker
finds them by name.
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

from escalade.core.db import on_fresh_connection
from escalade.core.models import OutboxTask

logger = logging.getLogger(__name__)

RELAY_BATCH = 500


class QueueTask(Protocol):
    """A Huey task (``@db_task(name=…)``): calling it enqueues it; ``call_local`` runs it here."""

    name: str

    def __call__(self, *args: Any) -> Any: ...

    def call_local(self, *args: Any) -> Any: ...


_tasks: dict[str, QueueTask] = {}
_batch: ContextVar[list[OutboxTask] | None] = ContextVar("escalade_outbox_batch", default=None)


def deferrable[T: QueueTask](task: T) -> T:
    """Register a queue task so outbox rows can name it (decorate it above ``@db_task``)."""
    _tasks[task.name] = task
    return task


def registered_task(name: str) -> QueueTask | None:
    """The task registered under ``name`` (importing every app's ``tasks`` module on first need)."""
    if name not in _tasks:
        autodiscover_modules("tasks")
    return _tasks.get(name)


def relay_backoff(attempts: int) -> dt.timedelta:
    """How long the relay waits before handing a row over again: 1, 2, 4… minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def outbox_defer(task: QueueTask, *args: Any) -> OutboxTask:
    """Run ``task(*args)`` on the queue once the current transaction commits, whatever the queue's
    state at that moment. ``args`` must be JSON values (ids, lists of ids)."""
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
    """Collect the rows deferred inside the block and write them in one insert when it ends (an inner
    block writes with the outermost). Nothing is written if the block raises."""
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


def _enqueue(row: OutboxTask) -> None:
    from escalade.core.tasks import outbox_run  # noqa: PLC0415 - the tasks module imports this one

    outbox_run(row.pk, row.task, row.args)


def _hand_over(rows: list[OutboxTask]) -> None:
    """The fast path, after the commit. Never raises: a committed change must not fail its request
    because the queue is down. What the queue refused is marked due for the relay."""
    for index, row in enumerate(rows):
        try:
            _enqueue(row)
        except Exception as error:  # noqa: BLE001 - any queue failure: the relay retries these rows
            logger.warning("queue refused %s (outbox row %s kept for the relay): %s", row.task, row.pk, error)
            refused = [other.pk for other in rows[index:]]
            try:
                OutboxTask.objects.filter(pk__in=refused).update(next_relay_at=timezone.now())
            except Exception:  # noqa: BLE001 - the database too: the rows fall due after their grace
                logger.warning("could not mark outbox rows %s due", refused)
            return


def outbox_execute(*, row_id: int, task: str, args: list[Any]) -> None:
    """Run one outbox row's task here and now, then forget the row (``core.outbox_run``'s work).

    The row is deleted only after the task returned: if it raises, the row stays and is handed over
    again later. A row already gone (another run finished it) is run anyway: tasks are idempotent, and
    a task enqueued directly (not through the outbox) has no row."""
    runner = registered_task(task)
    if runner is None:
        logger.error("outbox row %s names an unknown task %s; kept", row_id, task)
        OutboxTask.objects.filter(pk=row_id).update(last_error=f"unknown task {task}")
        return
    runner.call_local(*args)
    on_fresh_connection(lambda: OutboxTask.objects.filter(pk=row_id).delete())


def outbox_relay(*, limit: int = RELAY_BATCH) -> int:
    """Hand the due rows to the queue again, oldest first, and set when each is due next; stop at the
    first refusal (the queue is still down). Returns how many were handed over.

    Rows are locked (``SKIP LOCKED`` where the database has it), so the relays of several workers share
    the work instead of enqueueing the same rows.
    """
    now = timezone.now()
    with transaction.atomic():
        rows = OutboxTask.objects.filter(next_relay_at__lte=now).order_by("next_relay_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        handed = 0
        for row in rows[:limit]:
            attempts = row.attempts + 1
            try:
                _enqueue(row)
            except Exception as error:  # noqa: BLE001 - the queue is down: keep the rest for later
                logger.warning("outbox relay: queue refused %s: %s", row.task, error)
                OutboxTask.objects.filter(pk=row.pk).update(
                    last_error=f"{type(error).__name__}: {error}"[:2000]
                )
                break
            OutboxTask.objects.filter(pk=row.pk).update(
                attempts=attempts, next_relay_at=now + relay_backoff(attempts)
            )
            handed += 1
    if handed:
        logger.info("outbox relay handed %s task(s) to the queue", handed)
    return handed


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
