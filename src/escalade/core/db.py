"""Database helpers: background work that must survive a lost connection, memory for a large grouping."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import InterfaceError, OperationalError, connection, transaction

logger = logging.getLogger(__name__)


def on_fresh_connection[T](write: Callable[[], T], *, attempts: int = 3, pause: float = 0.5) -> T:
    """Run ``write`` (one autocommit statement or its own transaction); if the database connection was
    lost (a restart, a killed backend, a failover), open a new one and run it again.

    For the bookkeeping that follows an action outside the database, which must not be left unrecorded
    because of a connection lost in between: "this mail was handed to the mail server", "this
    delivery was answered 200". Inside a transaction nothing can be retried: the error propagates.
    """
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if attempt == attempts or connection.in_atomic_block:
                raise
            logger.warning("database connection lost; retrying on a new one (%s/%s)", attempt, attempts)
            connection.close()
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


@contextmanager
def aggregation_memory(megabytes: int = 32) -> Iterator[None]:
    """Let PostgreSQL group in memory for the statements run inside (a transaction of their own, or the
    caller's): with the default ``work_mem`` of 4 MB a grouped count over a large backlog, whose
    number of groups the planner overestimates, sorts on disk instead of hashing. Nothing on SQLite."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [f"{int(megabytes)}MB"])
        yield
