"""Writes of the assets app: every change is one call that records an event (who changed what)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escalade import authz
from escalade.assets.intake import token_hash
from escalade.assets.models import (
    STATUS_TRANSITIONS,
    Asset,
    AssetRelation,
    Licence,
    LicenceAssignment,
    RelationKind,
    Software,
    TicketAsset,
)
from escalade.assets.normalise import name_key, publisher_key
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.events import publish
from escalade.core.models import Event
from escalade.core.services import (
    JSONValue,
    changes_between,
    event_record,
    fields_assign,
    snapshot,
    validate_instance,
)
from escalade.orgs.models import Organisation
from escalade.tickets.models import Ticket

from .models import InventoryToken

ASSET_FIELDS = (
    "kind", "name", "site", "user", "manufacturer", "model", "serial", "system_uuid", "inventory_tag",
    "operating_system", "purchase_date", "purchase_cost", "supplier", "warranty_end", "notes", "attributes",
)  # fmt: skip
LICENCE_FIELDS = (
    "software",
    "name",
    "kind",
    "quantity",
    "expires_on",
    "purchase_date",
    "cost",
    "reference",
    "notes",
)


def _ensure_admin(actor: Actor) -> None:
    if actor.user is not None and not authz.can_manage_assets(actor.user):
        raise PermissionDeniedError(_("Only administrators may change assets and licences."))


def _record(actor: Actor, obj: Asset | Licence, action: str, **kwargs: Any) -> Event:
    event = event_record(actor=actor, obj=obj, action=action, organisation_id=obj.organisation_id, **kwargs)
    publish([event], [obj])
    return event


def _check_links(asset: Asset) -> None:
    if asset.site is not None and asset.site.organisation_id != asset.organisation_id:
        raise ValidationFailed(_("The site belongs to another organisation."), field="site")
    if asset.user is not None and asset.user.organisation_id != asset.organisation_id:
        raise ValidationFailed(_("The user belongs to another organisation."), field="user")


@transaction.atomic
def asset_create(
    *, actor: Actor, organisation: Organisation, values: Mapping[str, Any], status: str = "in_use"
) -> Asset:
    """Add an asset to ``organisation``'s estate (administrators; the importer and demo as the system)."""
    _ensure_admin(actor)
    asset = Asset(organisation=organisation, status=status)
    fields_assign(asset, values=values, allowed=ASSET_FIELDS)
    validate_instance(asset)
    _check_links(asset)
    asset.save()
    _record(actor, asset, "asset.created", data={"source": "manual"})
    return asset


@transaction.atomic
def asset_update(*, actor: Actor, asset: Asset, values: Mapping[str, Any]) -> Asset:
    """Change an asset's attributes; records ``asset.updated`` with the fields that changed (if any)."""
    _ensure_admin(actor)
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    fields = [name for name in ASSET_FIELDS if name in values]
    before = snapshot(asset, fields)
    fields_assign(asset, values=values, allowed=ASSET_FIELDS)
    validate_instance(asset)
    _check_links(asset)
    changes = changes_between(before, snapshot(asset, fields))
    if changes:
        asset.save()
        _record(actor, asset, "asset.updated", changes=changes)
    return asset


@transaction.atomic
def asset_status_change(*, actor: Actor, asset: Asset, status: str) -> Asset:
    """Move an asset along its lifecycle (ordered → in stock → in use → in repair → retired → disposed)."""
    _ensure_admin(actor)
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if status == asset.status:
        return asset
    if status not in STATUS_TRANSITIONS.get(asset.status, frozenset()):
        raise ConflictError(
            _("An asset cannot go from %(from)s to %(to)s.") % {"from": asset.status, "to": status},
            field="status",
        )
    changes: dict[str, dict[str, JSONValue]] = {"status": {"from": asset.status, "to": status}}
    asset.status = status
    asset.save(update_fields=["status", "updated_at"])
    _record(actor, asset, "asset.status_changed", changes=changes)
    return asset


@transaction.atomic
def asset_relate(*, actor: Actor, source: Asset, target: Asset, kind: str) -> AssetRelation:
    """Say ``source`` is <kind> ``target`` (same organisation); relating twice changes nothing."""
    _ensure_admin(actor)
    if kind not in RelationKind.values:
        raise ValidationFailed(_("Unknown relation."), field="kind")
    if source.pk == target.pk:
        raise ValidationFailed(_("An asset cannot be related to itself."), field="target")
    if source.organisation_id != target.organisation_id:
        raise ValidationFailed(_("Both assets must belong to the same organisation."), field="target")
    relation, created = AssetRelation.objects.get_or_create(source=source, target=target, kind=kind)
    if created:
        _record(
            actor,
            source,
            "asset.related",
            data={"kind": kind, "target": target.pk, "target_name": target.name},
        )
    return relation


@transaction.atomic
def asset_unrelate(*, actor: Actor, relation: AssetRelation) -> None:
    _ensure_admin(actor)
    data: dict[str, JSONValue] = {"kind": relation.kind, "target": relation.target_id}
    source = relation.source
    relation.delete()
    _record(actor, source, "asset.unrelated", data=data)


def software_get_or_create(*, publisher: str, name: str) -> Software:
    """The catalogue product for this spelling, created the first time."""
    product, _ = Software.objects.get_or_create(
        publisher_key=publisher_key(publisher), name_key=name_key(name, publisher),
        defaults={"publisher": publisher[:200], "name": name[:200]},
    )  # fmt: skip
    return product


@transaction.atomic
def licence_save(
    *, actor: Actor, organisation: Organisation, values: Mapping[str, Any], licence: Licence | None = None
) -> Licence:
    """Create or change a licence of ``organisation``; records ``licence.created`` / ``licence.updated``."""
    _ensure_admin(actor)
    creating = licence is None
    licence = licence or Licence(organisation=organisation)
    fields = [name for name in LICENCE_FIELDS if name in values]
    before = snapshot(licence, fields) if not creating else {}
    fields_assign(licence, values=values, allowed=LICENCE_FIELDS)
    validate_instance(licence)
    changes = changes_between(before, snapshot(licence, fields))
    if creating or changes:
        licence.save()
        _record(actor, licence, "licence.created" if creating else "licence.updated", changes=changes)
    return licence


@transaction.atomic
def licence_assign(
    *, actor: Actor, licence: Licence, asset: Asset | None = None, user: Any = None
) -> LicenceAssignment:
    """Give ``licence`` to one asset or one person of its organisation."""
    _ensure_admin(actor)
    if (asset is None) == (user is None):
        raise ValidationFailed(_("Assign the licence to an asset or to a person."), field="asset")
    target_org = asset.organisation_id if asset is not None else user.organisation_id
    if target_org != licence.organisation_id:
        raise ValidationFailed(_("The licence belongs to another organisation."), field="asset")
    assignment, created = LicenceAssignment.objects.get_or_create(licence=licence, asset=asset, user=user)
    if created:
        data: dict[str, JSONValue] = {"asset": asset.pk if asset else None, "user": user.pk if user else None}
        _record(actor, licence, "licence.assigned", data=data)
    return assignment


@transaction.atomic
def inventory_token_create(
    *, actor: Actor, organisation: Organisation, label: str = ""
) -> tuple[InventoryToken, str]:
    """A new enrolment token for ``organisation``'s agents; returns it and the secret (shown once)."""
    _ensure_admin(actor)
    secret = secrets.token_urlsafe(24)
    token = InventoryToken.objects.create(
        organisation=organisation, label=label[:120], token_hash=token_hash(secret), hint=secret[-4:]
    )
    event = event_record(
        actor=actor, obj=token, action="inventory_token.created", organisation_id=organisation.pk,
        data={"label": label[:120]},
    )  # fmt: skip
    publish([event], [token])
    return token, secret


@transaction.atomic
def ticket_asset_link(*, actor: Actor, ticket: Ticket, asset: Asset, quoted: str = "") -> TicketAsset:
    """Say ``ticket`` is about ``asset`` (both of one organisation). Staff who work on the ticket, or
    the requester choosing one of their own assets; recorded on the ticket and on the asset.
    ``quoted``: the serial or hostname the ticket's e-mail quoted (the mail channel links, no user)."""
    user = actor.user
    if user is not None:
        if authz.is_provider_staff(user):
            authz.ensure_ticket_action(user, "work", ticket)
        else:
            authz.ensure_ticket_action(user, "reply", ticket)
        if not authz.assets_visible_to(user).filter(pk=asset.pk).exists():
            raise PermissionDeniedError(_("You cannot link this asset."))
    if asset.organisation_id != ticket.organisation_id:
        raise ValidationFailed(_("The asset belongs to another organisation."), field="asset")
    link, created = TicketAsset.objects.get_or_create(ticket=ticket, asset=asset)
    if created:
        data: dict[str, JSONValue] = {"asset": asset.pk, "asset_name": asset.name, "ticket": ticket.reference}
        if quoted:
            data["quoted"] = quoted[:120]
        events = [
            event_record(actor=actor, obj=ticket, action="ticket.asset_linked", data=data,
                         organisation_id=ticket.organisation_id),
            event_record(actor=actor, obj=asset, action="asset.ticket_linked", data=data,
                         organisation_id=asset.organisation_id),
        ]  # fmt: skip
        publish(events, [ticket, asset])
    return link


@transaction.atomic
def ticket_asset_unlink(*, actor: Actor, link: TicketAsset) -> None:
    """Remove the link between a ticket and an asset (staff working on the ticket)."""
    if actor.user is not None:
        authz.ensure_ticket_action(actor.user, "work", link.ticket)
    data: dict[str, JSONValue] = {"asset": link.asset_id, "asset_name": link.asset.name}
    ticket = link.ticket
    link.delete()
    event = event_record(actor=actor, obj=ticket, action="ticket.asset_unlinked", data=data,
                         organisation_id=ticket.organisation_id)  # fmt: skip
    publish([event], [ticket])
