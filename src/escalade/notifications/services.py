"""Writes of notifications: the one place news reaches people (ADR 0024).

Every piece of news, from the mail subscriber (ticket events) or another app's service (contract
alerts, automation, webhooks, surveys), goes through :func:`notify_many`: each recipient's channel
for the kind decides whether it is recorded under the bell, mailed at once, kept for the daily digest,
or dropped. Called inside the caller's transaction; mails leave through the outbox after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from escalade.accounts.models import Role, User
from escalade.core.models import Event
from escalade.notifications.models import Channel, Notification, NotificationKind, NotificationPreference
from escalade.notifications.preferences import channels_for, default_channel, kinds_for
from escalade.notifications.selectors import notification_mail
from escalade.tickets.models import Ticket

if TYPE_CHECKING:
    from escalade.mail.models import OutboundMail

# News about these events is for the provider's staff only, whoever a caller names.
INTERNAL_ACTIONS = frozenset({"ticket.note_added"})


@dataclass(frozen=True, kw_only=True)
class Notice:
    """One piece of news for some people (one notification per distinct active recipient).

    ``mail_kind`` names the mail template (``mail/<language>/<mail_kind>.txt``) for those whose
    channel is e-mail; without it they get a short mail with the notification's words. ``text``
    only for words that are not Escalade's (an automation rule's message); else leave it empty and
    the words are chosen at display from ``kind``, the ticket and ``data``.
    """

    recipients: Iterable[User]
    kind: NotificationKind | str
    ticket: Ticket | None
    text: str = ""
    event: Event | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    mail_kind: str = ""


_history: ContextVar[bool] = ContextVar("escalade_notifications_history", default=False)


@contextmanager
def history() -> Iterator[None]:
    """Inside the block, news is past activity (the demo, an import): it is recorded under the bell,
    but nothing is mailed, now or in a digest."""
    token = _history.set(True)
    try:
        yield
    finally:
        _history.reset(token)


@dataclass(frozen=True)
class Delivery:
    """What :func:`deliver` wrote: the notifications (under the bell) and the mails queued."""

    notifications: list[Notification]
    mails: list[OutboundMail]


def notify_many(*, notices: Iterable[Notice]) -> int:
    """:func:`deliver` the notices; returns how many notifications were recorded."""
    return len(deliver(notices=notices).notifications)


def deliver(*, notices: Iterable[Notice]) -> Delivery:
    """Deliver several notices, each recipient through their channel for its kind: one insert of
    notifications, one of mails.

    Never twice for one event and recipient: a second notice of the same event to the same person is
    dropped (and a unique key on (event, recipient) guards notifications and mails alike).
    """
    wanted: list[tuple[Notice, User]] = []
    seen: set[tuple[int, int]] = set()
    for index, notice in enumerate(notices):
        internal = notice.event is not None and notice.event.action in INTERNAL_ACTIONS
        for person in notice.recipients:
            if not person.is_active or (internal and not person.is_provider_staff):
                continue
            key = (notice.event.pk if notice.event is not None else -1 - index, person.pk)
            if key not in seen:
                seen.add(key)
                wanted.append((notice, person))
    if not wanted:
        return Delivery([], [])
    channels = channels_for(
        {person.pk: person for _n, person in wanted}.values(), {n.kind for n, _p in wanted}
    )
    quiet = _history.get()
    rows: list[Notification] = []
    mails: list[tuple[Notice, User, Notification]] = []
    for notice, person in wanted:
        channel = channels[person.pk, notice.kind]
        if channel == Channel.OFF:
            continue
        row = Notification(
            recipient=person, kind=notice.kind, ticket=notice.ticket, event=notice.event,
            text=notice.text[:300], data=dict(notice.data),
            digest_due=channel == Channel.DIGEST and not quiet,
        )  # fmt: skip
        rows.append(row)
        if channel == Channel.EMAIL and not quiet and person.email:
            mails.append((notice, person, row))
    Notification.objects.bulk_create(rows)
    return Delivery(rows, _mail(mails) if mails else [])


def _mail(mails: list[tuple[Notice, User, Notification]]) -> list[OutboundMail]:
    from escalade.mail.outbound import outbound_queue_many, outbound_queue_texts  # noqa: PLC0415 - mail uses us

    templated = [(n.mail_kind, person, n.ticket, n.event) for n, person, _row in mails if n.mail_kind]
    texts = [
        (person, row.ticket, row.event, *notification_mail(row))
        for n, person, row in mails
        if not n.mail_kind
    ]
    return [*outbound_queue_many(templated), *outbound_queue_texts(kind="notice", items=texts)]


def notify(
    *, recipients: Iterable[User], kind: NotificationKind, ticket: Ticket | None, text: str = "",
    event: Event | None = None, data: Mapping[str, Any] | None = None,
) -> int:  # fmt: skip
    """Deliver one notice (see :func:`notify_many`); returns how many notifications were recorded."""
    notice = Notice(recipients=recipients, kind=kind, ticket=ticket, text=text, event=event, data=data or {})
    return notify_many(notices=[notice])


def supervisors() -> Iterable[User]:
    """The people who receive escalation and out-of-contract alerts."""
    return User.objects.filter(role=Role.SUPERVISOR, is_active=True)


def notification_read(*, user: User, notification_id: int) -> Notification | None:
    """Mark one of ``user``'s notifications read (someone else's is not found); returns it."""
    notification = (
        Notification.objects.select_related("ticket").filter(pk=notification_id, recipient=user).first()
    )
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_read_all(*, user: User) -> int:
    """Mark all of ``user``'s unread notifications read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preferences_save(*, user: User, channels: Mapping[str, str]) -> None:
    """Record ``user``'s channel per kind (only the kinds their role receives; a choice equal to the
    role's default is stored as no row, so a later change of default reaches them)."""
    allowed = set(kinds_for(user))
    NotificationPreference.objects.filter(user=user).delete()
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=user, kind=kind, channel=channel)
        for kind, channel in channels.items()
        if kind in allowed and channel in Channel.values and channel != default_channel(user.role, kind)
    )
