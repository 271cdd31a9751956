"""Reads of the portal: my tickets (a client manager's: the organisation's), one ticket for its page."""

from __future__ import annotations

from django.db.models import QuerySet

from escalade import authz
from escalade.accounts.models import User
from escalade.core.text import row_id
from escalade.tickets.models import Category, CategoryField, Ticket

PAGE_SIZE = 25


def portal_tickets(
    *, user: User, before: int | None = None, open_only: bool = False
) -> tuple[list[Ticket], int | None]:
    """A page of the tickets ``user`` may follow, newest first, and the id to continue before."""
    tickets = authz.tickets_visible_to(user).select_related("requester", "category")
    if before:
        tickets = tickets.filter(pk__lt=before)
    if open_only:
        tickets = tickets.filter(state__in=("new", "assigned", "in_progress", "pending_requester",
                                            "pending_third_party"))  # fmt: skip
    rows = list(tickets.order_by("-id")[: PAGE_SIZE + 1])
    next_before = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], next_before


def portal_ticket(*, user: User, reference: str) -> Ticket | None:
    return (
        authz.tickets_visible_to(user)
        .select_related("requester", "category", "organisation", "merged_into")
        .filter(reference=reference)
        .first()
    )


def category_fields(*, categories: QuerySet[Category], category_id: object) -> list[CategoryField]:
    """The typed fields of a category the person may use (none for an unknown one)."""
    pk = row_id(str(category_id or ""))
    if pk is None:
        return []
    return list(
        CategoryField.objects.filter(category__in=categories, category_id=pk).order_by("position", "key")
    )
