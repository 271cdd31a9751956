"""What text and numbers the databases can store, checked once at the boundaries (ADR 0014).

PostgreSQL refuses NUL in text and JSON; neither database can encode a lone surrogate (which JSON's
``\\ud800`` escapes produce); SQLite refuses integers beyond 64 bits. Inputs carrying them are refused
with a 4xx where they enter (the API's boundary, the input guard of every page), never left to fail
as a 500 deep inside a query.
"""

from __future__ import annotations

import re

BIGINT_MAX = 2**63 - 1
BIGINT_MIN = -(2**63)

_UNREADABLE = re.compile("[\x00\ud800-\udfff]")
_ID = re.compile(r"[0-9]{1,19}")


def unreadable_text(value: str) -> bool:
    """True when ``value`` holds a character no database column of ours can store."""
    return _UNREADABLE.search(value) is not None


def row_id(text: str) -> int | None:
    """The row id written in ``text`` (a query parameter, a form value), or None when it cannot be one:
    not ASCII digits (``"²".isdigit()`` is true, yet ``int("²")`` fails), or beyond 64 bits."""
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= BIGINT_MAX else None
