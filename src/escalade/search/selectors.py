"""Reads of the search index: one entry point for every page and endpoint that searches."""

from __future__ import annotations

from collections.abc import Sequence

from escalade import authz
from escalade.accounts.models import User
from escalade.search.backends import Hit, SearchFilters, backend

MAX_LIMIT = 50


def search(
    *,
    query: str,
    user: authz.AnyUser,
    types: Sequence[str] = (),
    filters: SearchFilters | None = None,
    limit: int = 20,
    language: str = "",
) -> list[Hit]:
    """Tickets and articles matching ``query`` that ``user`` may see (permissions inside the query),
    best first, with highlighted snippets. ``language`` favours that version of translated articles."""
    if not language and isinstance(user, User):
        language = user.language
    return backend().search(
        query, user, types=types, filters=filters, limit=min(max(limit, 1), MAX_LIMIT), language=language
    )
