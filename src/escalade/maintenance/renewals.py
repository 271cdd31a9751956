"""Renewals: the expiring items filled from assets (warranty ends), licences (expiry) and contracts (end
dates), plus those entered by hand (certificates, domains, subscriptions); the notice N days before
(once each, in each recipient's language, in the app and by mail); the renewal ticket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from escalade.accounts.models import Role, User
from escalade.assets.models import Asset, Licence
from escalade.contracts.models import Contract
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, ValidationFailed
from escalade.core.events import Published, publish
from escalade.core.services import configuration_save, event_record
from escalade.maintenance.models import ExpiringItem, ExpiringKind
from escalade.notifications.models import NotificationKind
from escalade.notifications.services import Notice, notify_many, supervisors
from escalade.tickets.choices import Channel, Kind
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create

FORECAST_DAYS = 366
# Items that expired this long ago are still synchronised (the forecast shows the recently lapsed).
LAPSED_DAYS = 31
ITEM_FIELDS = ("kind", "name", "expires_on", "organisation", "owner", "notes")


def _found(today: dt.date) -> Iterable[ExpiringItem]:
    low, high = today - dt.timedelta(days=LAPSED_DAYS), today + dt.timedelta(days=FORECAST_DAYS)
    assets = Asset.objects.filter(warranty_end__range=(low, high)).only(
        "pk", "name", "warranty_end", "organisation_id", "user_id"
    )
    for asset in assets.iterator(chunk_size=2000):
        yield ExpiringItem(
            kind=ExpiringKind.WARRANTY,
            name=asset.name[:200],
            expires_on=cast("dt.date", asset.warranty_end),
            organisation_id=asset.organisation_id,
            owner_id=asset.user_id,
            source=f"asset:{asset.pk}",
        )
    for licence in Licence.objects.filter(expires_on__range=(low, high)).only(
        "pk", "name", "expires_on", "organisation_id"
    ):
        yield ExpiringItem(
            kind=ExpiringKind.LICENCE,
            name=licence.name[:200],
            expires_on=cast("dt.date", licence.expires_on),
            organisation_id=licence.organisation_id,
            source=f"licence:{licence.pk}",
        )
    for contract in Contract.objects.filter(ends_on__range=(low, high), is_active=True).only(
        "pk", "name", "ends_on", "organisation_id"
    ):
        yield ExpiringItem(
            kind=ExpiringKind.CONTRACT,
            name=contract.name[:200],
            expires_on=cast("dt.date", contract.ends_on),
            organisation_id=contract.organisation_id,
            source=f"contract:{contract.pk}",
        )


def expiring_items_sync(*, today: dt.date | None = None) -> int:
    """Upsert the items found in assets, licences and contracts (one statement per 1,000): a changed
    date or name is updated, and a changed date is announced again. Returns how many were written."""
    today = today or timezone.localdate()
    batch: list[ExpiringItem] = []
    written = 0
    for item in _found(today):
        batch.append(item)
        if len(batch) >= 1000:
            written += _upsert(batch)
            batch = []
    return written + _upsert(batch)


def _upsert(items: list[ExpiringItem]) -> int:
    if not items:
        return 0
    ExpiringItem.objects.bulk_create(
        items,
        update_conflicts=True,
        unique_fields=["source"],
        update_fields=["kind", "name", "expires_on", "organisation", "owner"],
    )
    return len(items)


def expiring_item_save(
    *, actor: Actor, item: ExpiringItem | None = None, values: dict[str, Any]
) -> ExpiringItem:
    """Enter or change an item by hand (a certificate, a domain, a subscription)."""
    owner = values.get("owner")
    organisation = values.get("organisation")
    if owner is not None and organisation is not None and owner.organisation_id != organisation.pk:
        raise ValidationFailed(_("The owner must be a person of the client."), field="owner")
    return configuration_save(
        actor=actor, instance=item or ExpiringItem(), fields=ITEM_FIELDS, values=values, via="desk"
    )


def renewals_notify(*, today: dt.date | None = None) -> int:
    """Announce, once per expiry date, the items that expire within ESCALADE_RENEWAL_NOTICE_DAYS (a
    changed date is announced again). Returns how many were announced."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.ESCALADE_RENEWAL_NOTICE_DAYS)
    due = ExpiringItem.objects.filter(expires_on__range=(today, horizon)).exclude(
        notified_for=F("expires_on")
    )
    actor, sent = Actor.system("maintenance.renewals"), 0
    for item in due.select_related("organisation", "owner").order_by("expires_on", "id")[:1000]:
        with transaction.atomic():
            claimed = (
                ExpiringItem.objects.filter(pk=item.pk, expires_on=item.expires_on)
                .exclude(notified_for=item.expires_on)
                .update(notified_for=item.expires_on)
            )
            if not claimed:  # another worker announced it first
                continue
            event = event_record(
                actor=actor,
                obj=item,
                action="expiring_item.near",
                organisation_id=item.organisation_id,
                data={
                    "kind": item.kind,
                    "name": item.name,
                    "date": item.expires_on.isoformat(),
                    "days": (item.expires_on - today).days,
                    "organisation": str(item.organisation),
                },
            )
            publish([event], [item])
            sent += 1
    return sent


def notice_recipients(item: ExpiringItem) -> list[User]:
    """The item's owner (else the client's managers) and the supervisors."""
    if item.owner is not None and item.owner.is_active:
        people = [item.owner]
    else:
        people = list(
            User.objects.filter(
                organisation_id=item.organisation_id, role=Role.CLIENT_MANAGER, is_active=True
            )
        )
    return [*people, *supervisors()]


def notice_text(data: dict[str, Any]) -> str:
    kind = dict(ExpiringKind.choices).get(str(data.get("kind")), data.get("kind"))
    return _("%(organisation)s: %(kind)s “%(name)s” expires on %(date)s (in %(days)s d)") % {
        "organisation": data.get("organisation"),
        "kind": kind,
        "name": data.get("name"),
        "date": data.get("date"),
        "days": data.get("days"),
    }


def renewal_notices_on_published(items: Sequence[Published]) -> None:
    """Notify (each in their language) and mail the people concerned by an item about to expire."""
    notices = []
    for published in items:
        item = published.subject
        if not isinstance(item, ExpiringItem):
            continue
        people = notice_recipients(item)
        for person in people:
            with translation.override(person.language or None):
                notices.append(
                    Notice(
                        recipients=[person],
                        kind=NotificationKind.CONTRACT,
                        ticket=None,
                        text=notice_text(published.event.data),
                        event=published.event,
                        mail_kind="renewal_near",
                    )
                )
    notify_many(notices=notices)


@transaction.atomic
def renewal_ticket_create(*, actor: Actor, item: ExpiringItem) -> Ticket:
    """A service request to renew the item, for its owner (else a client manager); once per item."""
    item = ExpiringItem.objects.select_for_update(of=("self",)).select_related("owner").get(pk=item.pk)
    if item.renewal_ticket_id is not None:
        raise ConflictError(_("A renewal ticket exists already."), field="renewal_ticket")
    requester = item.owner if item.owner is not None and item.owner.is_active else None
    if requester is None:
        requester = (
            User.objects.filter(
                organisation_id=item.organisation_id, role=Role.CLIENT_MANAGER, is_active=True
            )
            .order_by("pk")
            .first()
        )
    if requester is None:
        raise ValidationFailed(_("The client has no owner or manager to log the request for."), field="owner")
    with translation.override(requester.language or None):
        title = _("Renewal: %(kind)s “%(name)s” expires on %(date)s") % {
            "kind": item.get_kind_display(),
            "name": item.name,
            "date": item.expires_on.isoformat(),
        }
    ticket = ticket_create(
        actor=actor,
        requester=requester,
        title=title,
        kind=Kind.REQUEST,
        channel=Channel.API,
        description=item.notes,
    )
    item.renewal_ticket = ticket
    item.save(update_fields=["renewal_ticket", "updated_at"])
    event_record(
        actor=actor,
        obj=item,
        action="expiring_item.renewal_ticket",
        organisation_id=item.organisation_id,
        data={"ticket": ticket.pk, "reference": ticket.reference},
    )
    return ticket
