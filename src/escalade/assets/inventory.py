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
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from escalade.assets.catalogue import (
    catalogue_forget,
    installations_insert,
    products_missing,
    software_ids,
    software_key,
)
from escalade.assets.models import Asset, AssetStatus, Installation, InventoryToken, NetworkInterface
from escalade.assets.parsers import Interface, InventoryReport
from escalade.assets.parsers import Software as ReportedSoftware
from escalade.core.actors import Actor
from escalade.core.events import publish
from escalade.core.models import Event
from escalade.core.services import event_build

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


def asset_match(*, organisation_id: int, report: InventoryReport) -> Asset | None:
    """The asset this report is about, by serial, UUID, device id, MAC address, hostname: the first
    rule that finds exactly one asset wins. One statement: every candidate at once (each rule an
    indexed lookup, the MAC addresses a semi-join on the interfaces), ranked here."""
    candidates = list(Asset.objects.raw(*_candidates_sql(organisation_id, report)))
    rules: list[Callable[[Asset], bool]] = []
    if report.serial:
        rules.append(lambda a: a.serial == report.serial)
    if report.system_uuid:
        rules.append(lambda a: a.system_uuid == report.system_uuid)
    rules.append(lambda a: a.inventory_device_id == report.device_id)
    rules.append(lambda a: bool(a.mac_matched))  # type: ignore[attr-defined]  # a column of the query
    rules.append(lambda a: a.name == report.name and not (report.serial and a.serial))
    for rule in rules:
        found = [asset for asset in candidates if rule(asset)]
        if len(found) == 1:
            return found[0]
    return None


def _candidates_sql(organisation_id: int, report: InventoryReport) -> tuple[str, list[object]]:
    """The candidates' statement: the union of one indexed lookup per rule (an OR of them, with the
    MAC addresses' subquery, made PostgreSQL walk the whole primary key), the MAC match as a column.
    Raw SQL: the ORM spent more time composing this than PostgreSQL spends running it."""
    assets = connection.ops.quote_name(Asset._meta.db_table)
    interfaces = connection.ops.quote_name(NetworkInterface._meta.db_table)
    macs = report.macs
    in_macs = f"IN ({', '.join(['%s'] * len(macs))})"
    lookups = [("inventory_device_id", report.device_id), ("name", report.name)]
    if report.serial:
        lookups.append(("serial", report.serial))
    if report.system_uuid:
        lookups.append(("system_uuid", report.system_uuid))
    branches = [
        f"SELECT id FROM {assets} WHERE organisation_id = %s AND {column} = %s"  # noqa: S608 - names from _meta
        for column, _ in lookups
    ]
    params: list[object] = []
    for _, value in lookups:
        params += [organisation_id, value]
    if macs:
        branches.append(f"SELECT asset_id FROM {interfaces} WHERE organisation_id = %s AND mac {in_macs}")  # noqa: S608
        params += [organisation_id, *macs]
        mac_matched = f"EXISTS (SELECT 1 FROM {interfaces} i WHERE i.asset_id = a.id AND i.mac {in_macs})"  # noqa: S608
    else:
        mac_matched = "1 = 0"
    sql = (
        f"SELECT a.*, {mac_matched} AS mac_matched FROM {assets} a"  # noqa: S608 - names from _meta, values bound
        f" WHERE a.id IN ({' UNION '.join(branches)}) AND NOT (a.status = %s) ORDER BY a.id LIMIT 50"
    )
    return sql, [*macs, *params, AssetStatus.DISPOSED.value]


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
    products = software_ids(report.software)
    wanted: dict[tuple[int, str], ReportedSoftware] = {}
    for item in report.software:
        wanted.setdefault((products[software_key(item)], item.version), item)
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
    rows_added = [(pk, version, wanted[pk, version].installed_on) for pk, version in added]
    if installations_insert(asset.pk, rows_added) < len(added):
        _insert_again(asset, added, wanted)
    installed = sorted(f"{wanted[key].name} {key[1]}".strip() for key in added)
    removed = sorted(f"{name} {key[1]}".strip() for key, (_, name) in stale.items())
    return installed, removed


def _insert_again(
    asset: Asset, added: list[tuple[int, str]], wanted: dict[tuple[int, str], ReportedSoftware]
) -> None:
    """Some installations were not written: already there (another agent of this machine at the same
    moment), or their product id came from a cache that outlived the product. The latter are resolved
    again from the catalogue, the cache forgotten."""
    gone = products_missing(pk for pk, _ in added)
    if not gone:
        return
    catalogue_forget()
    items = [wanted[key] for key in added if key[0] in gone]
    products = software_ids(items, cached=False)
    installations_insert(
        asset.pk, [(products[software_key(item)], item.version, item.installed_on) for item in items]
    )


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
    table = connection.ops.quote_name(Asset._meta.db_table)
    found = Asset.objects.raw(
        f"SELECT id, last_inventory_at, inventory_body_digest FROM {table}"  # noqa: S608 - name from _meta
        " WHERE organisation_id = %s AND inventory_device_id = %s AND NOT (status = %s) ORDER BY id LIMIT 1",
        [token.organisation_id, device_id, AssetStatus.DISPOSED.value],
    )  # raw: the ORM's composition cost more than this indexed read, on every re-inventory
    asset = next(iter(found), None)
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
    organisation_id = token.organisation_id
    now = timezone.now()
    digest = report.digest()
    asset = asset_match(organisation_id=organisation_id, report=report)
    if asset is not None and asset.inventory_digest == digest:
        _touch_seen(asset, now, body_digest)
        return InventoryOutcome(asset=asset, result="unchanged")
    if asset is None:
        # Two agents of one new machine at once (FusionInventory and OCS) must not make two assets: new
        # machines of one organisation are created one at a time, and the match is tried again.
        _lock_new_machines(organisation_id)
        asset = asset_match(organisation_id=organisation_id, report=report)
        if asset is not None and asset.inventory_digest == digest:
            _touch_seen(asset, now, body_digest)
            return InventoryOutcome(asset=asset, result="unchanged")
    creating = asset is None
    if asset is None:
        asset = Asset(organisation_id=organisation_id, kind=report.kind, status=AssetStatus.IN_USE)
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


def _lock_new_machines(organisation_id: int) -> None:
    """Lock the organisation's first enrolment token until commit. PostgreSQL only: on SQLite every
    transaction begins IMMEDIATE (settings), holding the database's write lock from its first statement."""
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(InventoryToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE organisation_id = %s ORDER BY id LIMIT 1 FOR UPDATE",  # noqa: S608
            [organisation_id],
        )


def _event(
    actor: Actor, asset: Asset, action: str, *, changes: dict[str, dict[str, object]] | None = None,
    data: dict[str, object] | None = None,
) -> Event:  # fmt: skip
    return event_build(
        actor=actor, obj=asset, action=action, changes=changes or {},  # type: ignore[arg-type]
        data=data or {}, organisation_id=asset.organisation_id,  # type: ignore[arg-type]
    )  # fmt: skip
