"""API tokens kept per process for a few seconds, revocations seen at once (issue 20).

Every API request used to read its token with its person (one statement, two model instances to build),
and a client sends the same token many times a second. :func:`token_for_key` keeps what
:func:`~escalade.api.selectors.api_token_for_key` found for ``ESCALADE_API_TOKEN_CACHE_SECONDS``, under
the version of people's credentials (:mod:`escalade.core.credentials`), which lives in the shared cache
(Redis) and is read on every request: one round trip to Redis instead of SQL. Revoking a token,
deactivating a person or changing their role, organisation, language or time zone moves the version
when it commits (the services and the admin say so), and the next request of every process reads afresh.

Without a shared cache (the embedded local-memory cache is per process, the setting is then 0), or with
Redis unreachable, every request reads its token from the database as before. Each request gets its own
copies of the token and the person, so what a request notes on them (``authz``'s per-request memo) never
reaches another one.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from escalade.api.models import ApiToken
from escalade.api.selectors import api_token_for_key
from escalade.api.services import api_key_hash, api_token_touch
from escalade.core.credentials import credentials_version

MAX_ENTRIES = 1024


@dataclass(frozen=True)
class _Kept:
    version: str
    loaded_at: float
    token: ApiToken


_kept: dict[str, _Kept] = {}
_lock = threading.Lock()


def token_for_key(*, key: str) -> ApiToken | None:
    """The non-revoked token of an active person for ``key``, with its person, as this request's own
    copy; its last use is noted (at most once a minute)."""
    seconds = settings.ESCALADE_API_TOKEN_CACHE_SECONDS
    version = credentials_version() if seconds > 0 and key and len(key) <= 200 else None
    if version is None:
        return _touched(api_token_for_key(key=key))
    key_hash = api_key_hash(key)
    kept = _kept.get(key_hash)
    now = time.monotonic()
    if kept is None or kept.version != version or now - kept.loaded_at >= seconds:
        token = api_token_for_key(key=key)  # after reading the version: a change committed since moved it
        if token is None:
            return None
        kept = _Kept(version=version, loaded_at=now, token=token)
        with _lock:
            if len(_kept) >= MAX_ENTRIES:
                _kept.pop(next(iter(_kept)), None)
            _kept[key_hash] = kept
    _touched(kept.token)  # on the kept token: the other requests of the minute write nothing
    mine = copy.copy(kept.token)
    mine.user = copy.copy(kept.token.user)
    return mine


def _touched(token: ApiToken | None) -> ApiToken | None:
    if token is not None:
        api_token_touch(token=token)
    return token


def api_tokens_forget() -> None:
    """Drop this process's tokens (tests: what a rolled-back test kept)."""
    with _lock:
        _kept.clear()
