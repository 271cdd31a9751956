"""Writes of notifications. Called by other apps' services, inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from escalade.accounts.models import Role, User
from escalade.notifications.models import Notification, NotificationKind
from escalade.tickets.models import Ticket


@dataclass(frozen=True, kw_only=True)
class Notice:
    """One message for some people about a ticket (one notification per distinct active recipient)."""

    recipients: Iterable[User]
    kind: NotificationKind
    ticket: Ticket | None
    text: str


def notify_many(*, notices: Iterable[Notice]) -> int:
    """Create the notifications of several notices, in order, in one insert; returns how many."""
    rows: list[Notification] = []
    for notice in notices:
        people = {person.pk: person for person in notice.recipients if person.is_active}
        rows.extend(
            Notification(recipient=person, kind=notice.kind, ticket=notice.ticket, text=notice.text[:300])
            for person in people.values()
        )
    Notification.objects.bulk_create(rows)
    return len(rows)


def notify(*, recipients: Iterable[User], kind: NotificationKind, ticket: Ticket | None, text: str) -> int:
    """Create one notification per distinct active recipient; returns how many were created."""
    return notify_many(notices=[Notice(recipients=recipients, kind=kind, ticket=ticket, text=text)])


def supervisors() -> Iterable[User]:
    """The people who receive escalation and out-of-contract alerts."""
    return User.objects.filter(role=Role.SUPERVISOR, is_active=True)
