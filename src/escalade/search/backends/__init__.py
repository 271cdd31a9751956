"""The search backend for the database in use: PostgreSQL full text, or SQLite FTS5."""

from __future__ import annotations

from django.db import connection

from escalade.search.backends.base import Hit, SearchBackend, SearchFilters
from escalade.search.backends.postgres import PostgresBackend
from escalade.search.backends.sqlite import SqliteBackend

BACKENDS: dict[str, type[SearchBackend]] = {"postgresql": PostgresBackend, "sqlite": SqliteBackend}

__all__ = ["Hit", "SearchBackend", "SearchFilters", "backend"]


def backend() -> SearchBackend:
    """The implementation for ``connection.vendor``."""
    try:
        return BACKENDS[connection.vendor]()
    except KeyError as error:
        raise RuntimeError(f"no search backend for {connection.vendor}") from error
