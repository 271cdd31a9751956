"""Where an import's batches are written: in a process of its own on PostgreSQL, inline otherwise.

The process (``importer.writer_process``) is a new interpreter started with ``sys.executable``: no copy
of the caller's threads, locks or database connection, and no import of the caller's main module (a
script calling the importer needs no ``if __name__ == "__main__"``). It sets Django up with the caller's
settings module and database settings (a test database included) and stores each batch it receives
with :class:`~escalade.importer.batches.BatchStore`. Its Python (writing ``COPY`` rows, the documents'
statements) then no longer takes turns with the caller's for one interpreter lock.

A batch travels pickled through a pipe; at most two wait while one is stored. The first error is sent
back and raised to the caller at its next batch or at the end; the batches stored before it stay, the
ones after it are not written. The process ignores Ctrl-C: the caller, when stopped, lets it store the
batches already sent and waits for it (stopped again, it ends it at once, the batch being stored rolled
back). If the caller dies, the process reads the end of its pipe and stops.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

from django.conf import settings
from django.db import connection

from escalade.importer.batches import Batch, BatchStore
from escalade.importer.writer_process import STOP

Stored = Callable[[int, float], None]  # rows read, when the batch was stored (``time.monotonic``)
STOP_TIMEOUT = 30.0  # seconds the process is given to end after the last batch was stored


class WriterProcess:
    """Stores batches in a process of its own; ``stored`` is called in the caller's thread for each
    batch stored, in order."""

    def __init__(self, *, stored: Stored) -> None:
        self.stored = stored
        self.error: BaseException | None = None
        self.finished = False
        batches_in, batches_out = os.pipe()
        results_in, results_out = os.pipe()
        paths = os.pathsep.join(path for path in sys.path if path)  # the caller's (a test settings module)
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, this package's module
            [sys.executable, "-m", "escalade.importer.writer_process", str(batches_in), str(results_out)],
            pass_fds=(batches_in, results_out),
            env={**os.environ, "PYTHONPATH": paths},
        )
        os.close(batches_in)  # the process's ends: the caller keeps only its own
        os.close(results_out)
        self.batches = Connection(batches_out, readable=False)
        self.results = Connection(results_in, writable=False)
        self.batches.send_bytes(pickle.dumps((settings.SETTINGS_MODULE, dict(connection.settings_dict))))

    def put(self, batch: Batch) -> None:
        self._receive(wait=False)
        if self.error is not None:
            raise self.error
        # Tickets' documents need only their rows and vocabulary (no audience): half the pickling.
        documents = dataclasses.replace(batch.documents, documents=())
        data = pickle.dumps(dataclasses.replace(batch, documents=documents), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.batches.send_bytes(data)
        except OSError:  # the process is gone: its error, if it sent one, says why
            self._receive(wait=True)
            raise self.error or RuntimeError(self._gone()) from None

    def close(self) -> None:
        """Wait until every batch sent is stored (or the first error) and the process has ended."""
        try:
            with contextlib.suppress(OSError):
                self.batches.send_bytes(STOP)
            self._receive(wait=True)
            self.process.wait(STOP_TIMEOUT)
        finally:
            self.stop()
        if self.error is not None:
            raise self.error
        if not self.finished:
            raise RuntimeError(self._gone())

    def stop(self) -> None:
        """End the process now (a batch being stored is rolled back) if it is still running."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        self.batches.close()
        self.results.close()

    def _receive(self, *, wait: bool) -> None:
        """Take the process's messages: all that arrived, or (``wait``) until it has finished."""
        while not self.finished and (wait or self.results.poll()):
            try:
                message = self.results.recv()
            except EOFError:  # ended without saying it had finished
                return
            if message[0] == "stored":
                self.stored(message[1], message[2])
            elif message[0] == "error":
                self.error = self.error or message[1]
            else:
                self.finished = True

    def _gone(self) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_TIMEOUT)
        return f"the import's writer process stopped (exit code {self.process.returncode})"


@contextlib.contextmanager
def batch_writer(stored: Stored) -> Iterator[Callable[[Batch], None]]:
    """Where batches go: the writer process on PostgreSQL; inline on SQLite (one writer at a time) and
    inside a caller's transaction (another connection would not see its uncommitted rows)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        store = BatchStore()

        def write(batch: Batch) -> None:
            store.store(batch)
            stored(batch.rows_read, time.monotonic())

        yield write
        return
    process = WriterProcess(stored=stored)
    try:
        yield process.put
    except BaseException:
        with contextlib.suppress(BaseException):  # the caller's error is the one raised
            process.close()
        process.stop()
        raise
    process.close()
