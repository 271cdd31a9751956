"""Assets, software and licences in the REST API: read for the staff serving the client (requesters
see their own assets), write for administrators; tickets link to assets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from escalade import authz
from escalade.accounts.models import User
from escalade.api.auth import actor_of, caller
from escalade.api.queries import found, found_or_invalid, visible_ticket
from escalade.assets import selectors, services
from escalade.assets.models import (
    Asset,
    AssetKind,
    AssetStatus,
    Installation,
    InventoryToken,
    Licence,
    LicenceKind,
    Software,
)
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.text import BIGINT_MAX
from escalade.orgs.models import Organisation, Site

router = Router(tags=["assets"])


class AssetOut(Schema):
    id: int
    organisation_id: int
    name: str
    kind: str
    status: str
    site_id: int | None
    user_id: int | None
    manufacturer: str
    model: str
    serial: str
    system_uuid: str
    inventory_tag: str
    operating_system: str
    purchase_date: dt.date | None
    purchase_cost: Decimal | None
    supplier: str
    warranty_end: dt.date | None
    notes: str
    attributes: dict[str, Any]
    last_inventory_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class AssetPageOut(Schema):
    items: list[AssetOut]
    before: int | None = Field(description="Pass as ?before= for the next (older) page; null at the end")


class AssetListIn(Schema):
    organisation_id: int | None = None
    site_id: int | None = None
    kind: AssetKind | None = None
    status: AssetStatus | None = None
    warranty_ending_within_days: int | None = Field(None, ge=0, le=3650)
    not_seen_for_days: int | None = Field(None, ge=0, le=3650)
    q: str = Field("", max_length=200, description="Serial, hostname, inventory tag, MAC or IP address")
    before: int | None = Field(None, ge=1)
    limit: int = Field(50, ge=1, le=200)


class AssetWriteIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: AssetKind | None = None
    site_id: int | None = None
    user_id: int | None = None
    manufacturer: str | None = Field(None, max_length=120)
    model: str | None = Field(None, max_length=200)
    serial: str | None = Field(None, max_length=120)
    inventory_tag: str | None = Field(None, max_length=60)
    operating_system: str | None = Field(None, max_length=200)
    purchase_date: dt.date | None = None
    purchase_cost: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    supplier: str | None = Field(None, max_length=200)
    warranty_end: dt.date | None = None
    notes: str | None = Field(None, max_length=10_000)


class AssetCreateIn(AssetWriteIn):
    organisation_id: int
    name: str = Field(..., min_length=1, max_length=200)
    status: AssetStatus = AssetStatus.IN_USE


class StatusIn(Schema):
    status: AssetStatus


class InstallationOut(Schema):
    software_id: int
    name: str
    publisher: str
    version: str
    installed_on: dt.date | None


class SoftwareOut(Schema):
    id: int
    name: str
    publisher: str


class LicenceOut(Schema):
    id: int
    organisation_id: int
    software_id: int
    name: str
    kind: str
    quantity: int
    expires_on: dt.date | None
    reference: str


class LicenceCreateIn(Schema):
    organisation_id: int
    software_id: int
    name: str = Field(..., min_length=1, max_length=200)
    kind: LicenceKind = LicenceKind.PER_DEVICE
    quantity: int = Field(1, ge=0, le=10_000_000)
    expires_on: dt.date | None = None
    reference: str = Field("", max_length=200)


class ComplianceOut(Schema):
    licence_id: int
    licence: str
    software: str
    kind: str
    owned: int
    used: int
    over_use: int
    expiring: bool
    expired: bool


class TicketAssetIn(Schema):
    asset_id: int


def _administrator(request: HttpRequest) -> None:
    if not authz.can_manage_assets(caller(request)):
        raise PermissionDeniedError(_("Only administrators may change assets and licences."))


def _in_range(value: int | None, *, field: str, least: int = 1) -> None:
    """A query number the databases can compare with (SQLite cannot even compare with 2**64)."""
    if value is not None and not least <= value <= BIGINT_MAX:
        raise ValidationFailed(_("This number is out of range."), field=field)


def _staff(request: HttpRequest) -> None:
    if not authz.is_provider_staff(caller(request)):
        raise PermissionDeniedError(_("Only the provider's staff may read this."))


def _write_values(payload: AssetWriteIn, organisation_id: int) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True, exclude={"organisation_id", "status"})
    if "site_id" in values:
        site_id = values.pop("site_id")
        values["site"] = (
            found_or_invalid(Site.objects.filter(organisation_id=organisation_id), site_id, field="site_id")
            if site_id else None
        )  # fmt: skip
    if "user_id" in values:
        user_id = values.pop("user_id")
        values["user"] = (
            found_or_invalid(User.objects.filter(organisation_id=organisation_id), user_id, field="user_id")
            if user_id else None
        )  # fmt: skip
    return values


@router.get("/assets", response=AssetPageOut, summary="Assets (filtered, newest first)")
def asset_list(request: HttpRequest, filters: Query[AssetListIn]) -> dict[str, Any]:
    group = selectors.AssetFilter(
        organisation_ids=(filters.organisation_id,) if filters.organisation_id else (),
        site_ids=(filters.site_id,) if filters.site_id else (),
        kinds=(filters.kind,) if filters.kind else (),
        statuses=(filters.status,) if filters.status else (),
        warranty_ending_within_days=filters.warranty_ending_within_days,
        not_seen_for_days=filters.not_seen_for_days,
        text=filters.q,
    )
    page = selectors.asset_list(user=caller(request), group=group, before=filters.before, limit=filters.limit)
    return {"items": page.assets, "before": page.before}


@router.get("/assets/{asset_id}", response=AssetOut, summary="An asset")
def asset_read(request: HttpRequest, asset_id: int) -> Asset:
    return found(authz.assets_visible_to(caller(request)), asset_id)


@router.get(
    "/assets/{asset_id}/software", response=list[InstallationOut], summary="An asset's installed software"
)
def asset_software(request: HttpRequest, asset_id: int) -> list[dict[str, Any]]:
    asset = found(authz.assets_visible_to(caller(request)), asset_id)
    rows = Installation.objects.filter(asset=asset).select_related("software").order_by("software__name_key")
    return [
        {"software_id": row.software_id, "name": row.software.name, "publisher": row.software.publisher,
         "version": row.version, "installed_on": row.installed_on}
        for row in rows
    ]  # fmt: skip


@router.post("/assets", response={201: AssetOut}, summary="Add an asset (administrators)")
def asset_add(request: HttpRequest, payload: AssetCreateIn) -> Asset:
    _administrator(request)
    organisation = found_or_invalid(
        Organisation.objects.filter(kind=Organisation.Kind.CLIENT),
        payload.organisation_id,
        field="organisation_id",
    )
    values = _write_values(payload, organisation.pk)
    return services.asset_create(
        actor=actor_of(request), organisation=organisation, values=values, status=payload.status
    )


@router.patch("/assets/{asset_id}", response=AssetOut, summary="Change an asset (administrators)")
def asset_change(request: HttpRequest, asset_id: int, payload: AssetWriteIn) -> Asset:
    _administrator(request)
    asset = found(authz.assets_visible_to(caller(request)), asset_id)
    return services.asset_update(
        actor=actor_of(request), asset=asset, values=_write_values(payload, asset.organisation_id)
    )


@router.post("/assets/{asset_id}/status", response=AssetOut, summary="Move an asset along its lifecycle")
def asset_status(request: HttpRequest, asset_id: int, payload: StatusIn) -> Asset:
    _administrator(request)
    asset = found(authz.assets_visible_to(caller(request)), asset_id)
    return services.asset_status_change(actor=actor_of(request), asset=asset, status=payload.status)


@router.get("/software", response=list[SoftwareOut], summary="The software catalogue (staff)")
def software_list(
    request: HttpRequest, q: Query[str] = "", after: Query[int] = 0
) -> list[Software]:  # fmt: skip
    _staff(request)
    _in_range(after, field="after", least=0)
    products = Software.objects.filter(pk__gt=after).order_by("pk")
    if q:
        products = products.filter(name_key__icontains=q[:100].lower())
    return list(products[:200])


@router.get("/licences", response=list[LicenceOut], summary="Licences of the clients you serve (staff)")
def licence_list(request: HttpRequest, organisation_id: Query[int | None] = None) -> list[Licence]:
    _in_range(organisation_id, field="organisation_id")
    licences = authz.licences_visible_to(caller(request)).order_by("name", "pk")
    if organisation_id is not None:
        licences = licences.filter(organisation_id=organisation_id)
    return list(licences[:500])


@router.post("/licences", response={201: LicenceOut}, summary="Add a licence (administrators)")
def licence_add(request: HttpRequest, payload: LicenceCreateIn) -> Licence:
    _administrator(request)
    organisation = found_or_invalid(
        Organisation.objects.filter(kind=Organisation.Kind.CLIENT),
        payload.organisation_id,
        field="organisation_id",
    )
    software = found_or_invalid(Software.objects.all(), payload.software_id, field="software_id")
    values = payload.model_dump(exclude={"organisation_id", "software_id"}) | {"software": software}
    return services.licence_save(actor=actor_of(request), organisation=organisation, values=values)


@router.get("/licences/compliance", response=list[ComplianceOut], summary="Licence compliance of a client")
def licence_compliance(request: HttpRequest, organisation_id: int) -> list[dict[str, Any]]:
    user = caller(request)
    _in_range(organisation_id, field="organisation_id")
    if not authz.can_view_licence_compliance(user):
        raise PermissionDeniedError(_("Only supervisors and administrators see licence compliance."))
    rows = selectors.licence_compliance(user=user, organisation_id=organisation_id)
    return [
        {"licence_id": r.licence.pk, "licence": r.licence.name, "software": r.licence.software.name,
         "kind": r.licence.kind, "owned": r.owned, "used": r.used, "over_use": r.over_use,
         "expiring": r.expiring, "expired": r.expired}
        for r in rows
    ]  # fmt: skip


@router.get("/tickets/{reference}/assets", response=list[AssetOut], summary="The assets a ticket is about")
def ticket_assets(request: HttpRequest, reference: str) -> list[Asset]:
    user = caller(request)
    return selectors.ticket_assets(user=user, ticket=visible_ticket(user, reference))


@router.post("/tickets/{reference}/assets", response={201: AssetOut}, summary="Link an asset to a ticket")
def ticket_asset_add(request: HttpRequest, reference: str, payload: TicketAssetIn) -> Asset:
    user = caller(request)
    ticket = visible_ticket(user, reference)
    asset = found_or_invalid(authz.assets_visible_to(user), payload.asset_id, field="asset_id")
    services.ticket_asset_link(actor=actor_of(request), ticket=ticket, asset=asset)
    return asset


class InventoryTokenIn(Schema):
    organisation_id: int
    label: str = Field("", max_length=120)


class InventoryTokenOut(Schema):
    id: int
    organisation_id: int
    label: str
    hint: str = Field(description="The token's last characters")
    is_active: bool
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class InventoryTokenCreatedOut(InventoryTokenOut):
    token: str = Field(description="The secret: returned this once; agents post to /inventory/<token>/")


@router.get(
    "/inventory-tokens", response=list[InventoryTokenOut], summary="Enrolment tokens (administrators)"
)
def inventory_token_list(request: HttpRequest) -> list[InventoryToken]:
    _administrator(request)
    return list(InventoryToken.objects.order_by("organisation_id", "pk"))


@router.post(
    "/inventory-tokens", response={201: InventoryTokenCreatedOut},
    summary="Create an enrolment token for a client's inventory agents (its secret is returned once)",
)  # fmt: skip
def inventory_token_add(request: HttpRequest, payload: InventoryTokenIn) -> dict[str, Any]:
    _administrator(request)
    organisation = found_or_invalid(
        Organisation.objects.filter(kind=Organisation.Kind.CLIENT),
        payload.organisation_id,
        field="organisation_id",
    )
    token, secret = services.inventory_token_create(
        actor=actor_of(request), organisation=organisation, label=payload.label
    )
    return {
        "id": token.pk, "organisation_id": organisation.pk, "label": token.label, "hint": token.hint,
        "is_active": token.is_active, "created_at": token.created_at, "last_used_at": None, "token": secret,
    }  # fmt: skip
