"""The import's writer process: stores the batches it reads from its pipe (see ``importer.writers``).

Run as ``python -m escalade.importer.writer_process READ_FD WRITE_FD`` by the importer, never by hand.
The first message names the settings module and the database settings (the caller's, a test database
included); then each message is a pickled batch, stored in one transaction and answered with
``("stored", rows read, time.monotonic())``, until ``STOP`` or the end of the pipe. The first error
is answered with ``("error", error)``; the batches after it are read, not stored. Ctrl-C is left to the
caller, which ends this process when it stops.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from queue import Queue
from typing import Any

STOP = b""  # sent instead of a batch: no more batches


def serve(batches: Connection, results: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    settings_module, database = pickle.loads(batches.recv_bytes())  # noqa: S301 - the caller's own pipe
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django  # noqa: PLC0415 - set up here, in this new interpreter

    django.setup()
    from django.db import connections  # noqa: PLC0415 - after the setup

    from escalade.importer.batches import BatchStore  # noqa: PLC0415 - models: after the setup

    connections["default"].settings_dict.update(database)
    waiting: Queue[bytes] = Queue(maxsize=1)
    threading.Thread(target=_read, args=(batches, waiting), daemon=True).start()
    failed = False
    try:
        store = BatchStore()
        while (data := waiting.get()) != STOP:
            if failed:
                continue
            try:
                batch = pickle.loads(data)  # noqa: S301 - the caller's own pipe
                store.store(batch)
                results.send(("stored", batch.rows_read, time.monotonic()))
            except BrokenPipeError:
                raise
            except Exception as error:  # noqa: BLE001 - sent to the caller, which raises it
                failed = True
                results.send(("error", _sendable(error)))
        results.send(("finished",))
    except BrokenPipeError:  # the caller is gone
        pass
    finally:
        connections.close_all()


def _read(batches: Connection, waiting: Queue[bytes]) -> None:
    """Read batches ahead (one waits here while another is stored); the end of the pipe stops."""
    try:
        while (data := batches.recv_bytes()) != STOP:
            waiting.put(data)
    except (EOFError, OSError):
        pass
    waiting.put(STOP)


def _sendable(error: Exception) -> Any:
    """``error`` with this process's traceback as a note, or its text if it cannot be pickled."""
    error.add_note("In the import's writer process:\n" + "".join(traceback.format_exception(error)))
    try:
        pickle.dumps(error)
    except Exception:  # noqa: BLE001 - any error can be described
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
