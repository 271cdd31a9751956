"""Reference data that rarely changes, kept per process (issue 20).

Creating one ticket used to read, each time, the priority matrix, the teams serving the organisation,
its contracts with their calendars and covered categories, the default SLA policy, and the policy
with its targets: eight statements of the twenty-three of one creation, and most of its ORM work.
They change a few times a year, through the admin or the configuration services.

:func:`refdata` keeps what a loader returns in this process, under the current *version* of the
reference data. The version lives in Django's cache (local memory in embedded mode, Redis at scale,
so all processes share it) and is read at most once a second per process. Whoever changes reference
data calls :func:`refdata_changed` (the configuration services and the admin do): this process drops
its copies at once and, once the transaction commits, the version moves, so the other processes
reload within a second. Until then this process reads afresh instead of keeping what its own
uncommitted transaction sees (a rollback leaves nothing behind). An entry is reloaded after
:data:`MAX_AGE` seconds in any case (a change made by hand in the database, a lost bump).

Values are shared between the threads of a process: callers must treat them as read-only.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction

VERSION_KEY = "escalade:refdata:version"
MAX_AGE = 60.0  # seconds: the longest a process keeps an entry if a version bump was lost
VERSION_READ_SECONDS = 1.0
MAX_ENTRIES = 4096

_entries: dict[tuple[str, Hashable], tuple[str, float, Any]] = {}
_lock = threading.Lock()
_version_read: tuple[str, float] = ("", 0.0)


def _version() -> str:
    global _version_read  # noqa: PLW0603 - the per-process memo of the shared version
    version, read_at = _version_read
    now = time.monotonic()
    if version and now - read_at < VERSION_READ_SECONDS:
        return version
    found = cache.get(VERSION_KEY)
    if not found:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        found = cache.get(VERSION_KEY) or ""
    _version_read = (str(found), now)
    return str(found)


def _changing() -> bool:
    """Whether this connection's transaction changed reference data (its bump waits for the commit)."""
    return any(entry[1] is _bump for entry in connection.run_on_commit)


def _kept(name: str, key: Hashable, version: str, now: float) -> tuple[bool, Any]:
    entry = _entries.get((name, key))
    if entry is not None and entry[0] == version and now - entry[1] < MAX_AGE:
        return True, entry[2]
    return False, None


def _keep(name: str, key: Hashable, version: str, now: float, value: object) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.pop(next(iter(_entries)))
        _entries[(name, key)] = (version, now, value)


def refdata[T](name: str, key: Hashable, load: Callable[[], T]) -> T:
    """``load()``'s value for (``name``, ``key``), kept in this process while the reference data's
    version stays (see the module)."""
    if _changing():
        return load()
    version, now = _version(), time.monotonic()
    found, value = _kept(name, key, version, now)
    if found:
        return value  # type: ignore[no-any-return]
    loaded = load()
    _keep(name, key, version, now, loaded)
    return loaded


def refdata_many[K: Hashable, T](
    name: str, keys: Iterable[K], load: Callable[[set[K]], Mapping[K, T]], *, default: Callable[[], T]
) -> dict[K, T]:
    """:func:`refdata` for several keys at once: the kept values as they are, the others loaded by one
    call of ``load(missing keys)`` (a key it does not return gets ``default()``), then kept."""
    wanted = set(keys)
    if _changing():
        loaded = load(wanted)
        return {key: loaded[key] if key in loaded else default() for key in wanted}
    version, now = _version(), time.monotonic()
    values: dict[K, T] = {}
    for key in wanted:
        found, value = _kept(name, key, version, now)
        if found:
            values[key] = value
    missing = wanted - values.keys()
    if missing:
        loaded = load(missing)
        for key in missing:
            values[key] = loaded[key] if key in loaded else default()
            _keep(name, key, version, now, values[key])
    return values


def _bump() -> None:
    global _version_read  # noqa: PLW0603
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    _version_read = ("", 0.0)
    refdata_forget()


def refdata_changed() -> None:
    """Say that reference data changed in this transaction: this process forgets its copies now, the
    others when the transaction commits (at once if there is none)."""
    refdata_forget()
    transaction.on_commit(_bump)


def refdata_forget() -> None:
    """Drop this process's copies (tests: what a rolled-back test loaded)."""
    global _version_read  # noqa: PLW0603
    with _lock:
        _entries.clear()
    _version_read = ("", 0.0)
