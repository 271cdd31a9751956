"""Writes of notifications. Called by other apps' services, inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable

from escalade.accounts.models import Role, User
from escalade.notifications.models import Notification, NotificationKind
from escalade.tickets.models import Ticket


def notify(*, recipients: Iterable[User], kind: NotificationKind, ticket: Ticket | None, text: str) -> int:
    """Create one notification per distinct active recipient; returns how many were created."""
    people = {person.pk: person for person in recipients if person.is_active}
    Notification.objects.bulk_create(
        Notification(recipient=person, kind=kind, ticket=ticket, text=text[:300])
        for person in people.values()
    )
    return len(people)


def supervisors() -> Iterable[User]:
    """The people who receive escalation and out-of-contract alerts."""
    return User.objects.filter(role=Role.SUPERVISOR, is_active=True)
