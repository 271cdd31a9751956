"""Keyset pagination: an opaque cursor holding the last row's sort key and id. No OFFSET, no COUNT."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from escalade.core.errors import ValidationFailed
from escalade.core.text import BIGINT_MAX
from escalade.tickets.models import Ticket


@dataclass(frozen=True)
class Position:
    """Where a page ended: the sort in use, the last row's sort value (if any) and its id."""

    sort: str
    pk: int
    due: datetime | None = None

    def encode(self) -> str:
        key = [self.sort, self.pk, self.due.isoformat() if self.due else None]
        return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, *, sort: str) -> Position:
        """The position a cursor holds; anything but a cursor this API wrote is a 422 on ``cursor``."""
        invalid = ValidationFailed(_("This cursor is not valid."), field="cursor")
        try:
            key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (ValueError, binascii.Error) as error:
            raise invalid from error
        if not (isinstance(key, list) and len(key) == 3):
            raise invalid
        cursor_sort, pk, due = key
        if not (isinstance(cursor_sort, str) and type(pk) is int and 0 < pk <= BIGINT_MAX):
            raise invalid
        if due is not None and not isinstance(due, str):
            raise invalid
        try:
            moment = datetime.fromisoformat(due) if due else None
        except ValueError as error:
            raise invalid from error
        if cursor_sort != sort or (moment is not None and moment.tzinfo is None):
            raise ValidationFailed(_("This cursor belongs to another sort order."), field="cursor")
        return cls(sort=cursor_sort, pk=pk, due=moment)


def _after(queryset: QuerySet[Ticket], position: Position) -> QuerySet[Ticket]:
    if position.sort == "-id":
        return queryset.filter(pk__lt=position.pk)
    # resolution_due ascending, nulls last, then id ascending.
    if position.due is None:
        return queryset.filter(resolution_due__isnull=True, pk__gt=position.pk)
    return queryset.filter(
        Q(resolution_due__gt=position.due)
        | Q(resolution_due=position.due, pk__gt=position.pk)
        | Q(resolution_due__isnull=True)
    )


def _ordered(queryset: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    if sort == "-id":
        return queryset.order_by("-pk")
    return queryset.order_by(F("resolution_due").asc(nulls_last=True), "pk")


def ticket_page(
    queryset: QuerySet[Ticket], *, sort: str, cursor: str | None, limit: int
) -> tuple[list[Ticket], str | None]:
    """One page of ``queryset`` after ``cursor``, and the cursor of the next page (None: last page)."""
    if cursor:
        queryset = _after(queryset, Position.decode(cursor, sort=sort))
    rows = list(_ordered(queryset, sort)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    due = last.resolution_due if sort == "resolution_due" else None
    return rows[:limit], Position(sort=sort, pk=last.pk, due=due).encode()
