"""Where an import's batches are written: by a second thread on PostgreSQL, inline otherwise.

The thread stores each batch on its own connection while the caller checks and prepares the next one
(one batch waits at most): the caller's Python and the database's work (indexes, full-text vectors)
then run side by side. The first error stops the writing and is raised to the caller, at its next
batch or at the end; the batches stored before it stay (the import resumes by external id), the ones
after it are not written.

A process of its own was measured too (the writer's Python would no longer share the interpreter lock):
on two cores, pickling each batch to it cost the caller what the lock had cost (see docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from queue import Queue

from django.db import connection

from escalade.importer.batches import Batch, BatchStore

Stored = Callable[[int, float], None]  # rows read, when the batch was stored (``time.monotonic``)


class WriterThread:
    """Stores batches in a second thread, on its own database connection; ``stored`` is called in
    that thread after each batch, in order."""

    def __init__(self, *, stored: Stored) -> None:
        self.stored = stored
        self.queue: Queue[Batch | None] = Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="escalade-import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            store = BatchStore()
            while (batch := self.queue.get()) is not None:
                if self.error is None:  # after an error, batches are only taken off the queue
                    try:
                        store.store(batch)
                        self.stored(batch.rows_read, time.monotonic())
                    except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
                        self.error = error
        except BaseException as error:  # noqa: BLE001 - (setting up) raised in the caller's thread
            self.error = error
            while self.queue.get() is not None:  # the caller never waits on a full queue
                pass
        finally:
            connection.close()  # this thread's own connection

    def put(self, batch: Batch) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self) -> None:
        """Wait until every batch handed over is stored (or the first error), the thread ended."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def batch_writer(stored: Stored) -> Iterator[Callable[[Batch], None]]:
    """Where batches go: the writer thread on PostgreSQL; inline on SQLite (one writer at a time) and
    inside a caller's transaction (another connection would not see its uncommitted rows)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        store = BatchStore()

        def write(batch: Batch) -> None:
            store.store(batch)
            stored(batch.rows_read, time.monotonic())

        yield write
        return
    writer = WriterThread(stored=stored)
    try:
        yield writer.put
    except BaseException:
        with contextlib.suppress(BaseException):  # the caller's error is the one raised
            writer.close()
        raise
    writer.close()
