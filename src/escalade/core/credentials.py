"""The version of people's credentials: what a web process may keep of a token or a person (issue 20).

A process that keeps API tokens with their person for a few seconds (``api.tokens``) must still see at
once a revoked token, a deactivated person or a changed role. The services and the admin that make such
a change call :func:`credentials_changed`; when their transaction commits, the version held in Django's
cache (Redis at scale: shared by every process) moves, and every process compares it with the version it
loaded under on each request.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "escalade:credentials:version"


def credentials_version() -> str | None:
    """The current version (created if missing); None when the cache cannot answer."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return str(version) if version else None


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def credentials_changed() -> None:
    """Say that a token or a person changed in a way every request must see at once (revoked,
    deactivated, another role, organisation, language or time zone): the version moves when the
    transaction commits (at once if there is none), so that nothing is reloaded from a state that
    could still roll back."""
    transaction.on_commit(_bump)
