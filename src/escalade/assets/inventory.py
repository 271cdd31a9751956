"""Applying an inventory to the estate: find the asset, write only what differs, record it.

Matching (inside the token's organisation, first rule that finds one asset wins): serial number,
system UUID, the agent's device id, a MAC address, the hostname. A re-inventory therefore updates the
asset it came from, even when the agent was reinstalled (new device id) or the machine renamed.

An inventory whose fingerprint (:meth:`InventoryReport.digest`) equals the asset's last one writes
nothing, except the "last seen" time once per ``ESCALADE_ASSETS_SEEN_RESOLUTION_MINUTES``. Before
that, :func:`inventory_unchanged` recognises the same XML body as the asset's last one (its volatile
elements aside) with one indexed read and without parsing it: most re-inventories end there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from escalade.assets.models import (
    Asset,
    AssetStatus,
    Installation,
    InventoryToken,
    NetworkInterface,
    Software,
)
from escalade.assets.normalise import name_key, publisher_key
from escalade.assets.parsers import Interface, InventoryReport
from escalade.assets.parsers import Software as ReportedSoftware
from escalade.core.actors import Actor
from escalade.core.events import publish
from escalade.core.models import Event
from escalade.core.services import event_build
from escalade.orgs.models import Organisation

INVENTORY_FIELDS = (
    "name",
    "serial",
    "system_uuid",
    "manufacturer",
    "model",
    "operating_system",
    "attributes",
)


@dataclass
class InventoryOutcome:
    """What one inventory did: ``created``, ``updated`` or ``unchanged``, and the history it wrote."""

    asset: Asset
    result: str
    changes: dict[str, dict[str, object]] = field(default_factory=dict)
    installed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def asset_match(*, organisation: Organisation, report: InventoryReport) -> Asset | None:
    """The asset this report is about, by serial, UUID, device id, MAC address, hostname: the first
    rule that finds exactly one asset wins. Two queries: the MAC addresses' assets, then every
    candidate at once (each rule is an indexed lookup), ranked here."""
    mac_assets: set[int] = set()
    if report.macs:
        interfaces = NetworkInterface.objects.filter(organisation=organisation, mac__in=report.macs)
        mac_assets = set(interfaces.values_list("asset_id", flat=True)[:50])
    wanted = Q(inventory_device_id=report.device_id) | Q(name=report.name) | Q(pk__in=mac_assets)
    if report.serial:
        wanted |= Q(serial=report.serial)
    if report.system_uuid:
        wanted |= Q(system_uuid=report.system_uuid)
    candidates = list(
        Asset.objects.filter(wanted, organisation=organisation).exclude(status=AssetStatus.DISPOSED)
        .order_by("pk")[:50]
    )  # fmt: skip
    rules: list[Callable[[Asset], bool]] = []
    if report.serial:
        rules.append(lambda a: a.serial == report.serial)
    if report.system_uuid:
        rules.append(lambda a: a.system_uuid == report.system_uuid)
    rules.append(lambda a: a.inventory_device_id == report.device_id)
    rules.append(lambda a: a.pk in mac_assets)
    rules.append(lambda a: a.name == report.name and not (report.serial and a.serial))
    for rule in rules:
        found = [asset for asset in candidates if rule(asset)]
        if len(found) == 1:
            return found[0]
    return None


def software_resolve(items: Iterable[ReportedSoftware]) -> dict[tuple[str, str], Software]:
    """The catalogue products for reported software, created where new, by
    ``(publisher_key, name_key)``."""
    wanted: dict[tuple[str, str], ReportedSoftware] = {}
    for item in items:
        wanted.setdefault((publisher_key(item.publisher), name_key(item.name, item.publisher)), item)
    if not wanted:
        return {}
    existing = _software_by_key(wanted)
    missing = [
        Software(publisher=item.publisher[:200], name=item.name[:200], publisher_key=key[0], name_key=key[1])
        for key, item in wanted.items()
        if key not in existing
    ]
    if missing:
        Software.objects.bulk_create(missing, ignore_conflicts=True)  # another agent may create it too
        existing.update(_software_by_key({(s.publisher_key, s.name_key): None for s in missing}))
    return existing


def _software_by_key(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Software]:
    keys = list(keys)
    by_name = Software.objects.filter(name_key__in={name for _, name in keys})
    wanted = set(keys)
    return {(s.publisher_key, s.name_key): s for s in by_name if (s.publisher_key, s.name_key) in wanted}


def _sync_interfaces(asset: Asset, interfaces: list[Interface], *, creating: bool) -> bool:
    current = {} if creating else {(i.name, i.mac, i.ip): i.pk for i in asset.interfaces.all()}
    wanted = {(i.name, i.mac, i.ip) for i in interfaces}
    stale = [pk for key, pk in current.items() if key not in wanted]
    if stale:
        NetworkInterface.objects.filter(pk__in=stale).delete()
    added = [
        NetworkInterface(asset=asset, organisation_id=asset.organisation_id, name=n, mac=m, ip=ip)
        for n, m, ip in wanted - set(current)
    ]
    NetworkInterface.objects.bulk_create(added)
    return bool(stale or added)


def _sync_software(asset: Asset, report: InventoryReport, *, creating: bool) -> tuple[list[str], list[str]]:
    products = software_resolve(report.software)
    wanted: dict[tuple[int, str], ReportedSoftware] = {}
    for item in report.software:
        product = products[(publisher_key(item.publisher), name_key(item.name, item.publisher))]
        wanted.setdefault((product.pk, item.version), item)
    current: dict[tuple[int, str], tuple[int, str]] = {}
    if not creating:
        rows = Installation.objects.filter(asset=asset).values_list(
            "pk", "software_id", "version", "software__name"
        )
        current = {(software_id, version): (pk, name) for pk, software_id, version, name in rows}
    stale = {key: row for key, row in current.items() if key not in wanted}
    if stale:
        Installation.objects.filter(pk__in=[pk for pk, _ in stale.values()]).delete()
    added = [key for key in wanted if key not in current]
    Installation.objects.bulk_create(
        Installation(
            asset=asset, software_id=software_id, version=version,
            installed_on=dt.date.fromisoformat(wanted[software_id, version].installed_on or "")
            if wanted[software_id, version].installed_on else None,
        )
        for software_id, version in added
    )  # fmt: skip
    installed = sorted(f"{wanted[key].name} {key[1]}".strip() for key in added)
    removed = sorted(f"{name} {key[1]}".strip() for key, (_, name) in stale.items())
    return installed, removed


def _touch_seen(asset: Asset, now: dt.datetime, body_digest: str = "") -> None:
    """ "Last seen" is written at most once per resolution, not per inventory; the body's fingerprint
    rides along (a body that differs only in what no report reads is recognised next time)."""
    resolution = dt.timedelta(minutes=settings.CONFIG.assets_seen_resolution_minutes)
    if asset.last_inventory_at is None or now - asset.last_inventory_at >= resolution:
        fields: dict[str, object] = {"last_inventory_at": now}
        if body_digest:
            fields["inventory_body_digest"] = body_digest
        Asset.objects.filter(pk=asset.pk).update(**fields)
        asset.last_inventory_at = now


def inventory_unchanged(*, token: InventoryToken, device_id: str, body_digest: str) -> Asset | None:
    """The asset whose last inventory from agent ``device_id`` had the body fingerprint
    ``body_digest`` (``parsers.xml_body_fingerprint``): nothing to apply, only "last seen" to note (at
    most once per resolution). One indexed read (organisation, device id); None: parse and apply."""
    asset = (
        Asset.objects.filter(organisation_id=token.organisation_id, inventory_device_id=device_id)
        .exclude(status=AssetStatus.DISPOSED)
        .only("pk", "last_inventory_at", "inventory_body_digest")
        .order_by("pk")
        .first()
    )
    if asset is None or asset.inventory_body_digest != body_digest:
        return None
    _touch_seen(asset, timezone.now())
    return asset


@transaction.atomic
def inventory_apply(
    *, token: InventoryToken, report: InventoryReport, source: str, body_digest: str = ""
) -> InventoryOutcome:
    """Create or update the asset ``report`` describes, in ``token``'s organisation; record what changed
    (``asset.created``/``asset.updated`` with the fields, ``asset.software_changed`` with the lists).
    ``body_digest``: the XML body's fingerprint, kept for :func:`inventory_unchanged`."""
    organisation = token.organisation
    now = timezone.now()
    digest = report.digest()
    asset = asset_match(organisation=organisation, report=report)
    if asset is not None and asset.inventory_digest == digest:
        _touch_seen(asset, now, body_digest)
        return InventoryOutcome(asset=asset, result="unchanged")
    if asset is None:
        # Two agents of one new machine at once (FusionInventory and OCS) must not make two assets: new
        # machines of one organisation are created one at a time, and the match is tried again.
        InventoryToken.objects.select_for_update().filter(organisation=organisation).order_by("pk").first()
        asset = asset_match(organisation=organisation, report=report)
        if asset is not None and asset.inventory_digest == digest:
            _touch_seen(asset, now, body_digest)
            return InventoryOutcome(asset=asset, result="unchanged")
    creating = asset is None
    if asset is None:
        asset = Asset(organisation=organisation, kind=report.kind, status=AssetStatus.IN_USE)
    before = {name: getattr(asset, name) for name in INVENTORY_FIELDS}
    for name in INVENTORY_FIELDS:
        setattr(asset, name, getattr(report, name))
    asset.name = asset.name[:200] or report.device_id
    asset.inventory_device_id = report.device_id
    asset.inventory_digest = digest
    asset.inventory_body_digest = body_digest
    asset.last_inventory_at = now
    asset.save()
    changes = {
        name: {"from": before[name], "to": getattr(asset, name)}
        for name in INVENTORY_FIELDS
        if before[name] != getattr(asset, name) and not creating
    }
    interfaces_changed = _sync_interfaces(asset, report.interfaces, creating=creating)
    installed, removed = _sync_software(asset, report, creating=creating)
    actor = Actor.channel(f"inventory:{source}")
    events: list[Event] = []
    if creating:
        events.append(
            _event(actor, asset, "asset.created", data={"source": source, "device_id": report.device_id})
        )
    elif changes or interfaces_changed:
        data = {"source": source, "interfaces_changed": interfaces_changed}
        events.append(_event(actor, asset, "asset.updated", changes=changes, data=data))
    if installed or removed:
        data = {"installed": installed[:500], "removed": removed[:500], "installed_count": len(installed),
                "removed_count": len(removed), "source": source}  # fmt: skip
        events.append(_event(actor, asset, "asset.software_changed", data=data))
    Event.objects.bulk_create(events)
    publish(events, [asset] * len(events))
    result = "created" if creating else "updated"
    return InventoryOutcome(asset=asset, result=result, changes=changes, installed=installed, removed=removed)


def _event(
    actor: Actor, asset: Asset, action: str, *, changes: dict[str, dict[str, object]] | None = None,
    data: dict[str, object] | None = None,
) -> Event:  # fmt: skip
    return event_build(
        actor=actor, obj=asset, action=action, changes=changes or {},  # type: ignore[arg-type]
        data=data or {}, organisation_id=asset.organisation_id,  # type: ignore[arg-type]
    )  # fmt: skip
