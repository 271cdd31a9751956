"""Database helpers for background work that must survive a lost connection."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection

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
