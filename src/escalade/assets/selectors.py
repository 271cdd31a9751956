"""Reads of the assets app: lists and their filters, the asset page, licence compliance."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from escalade import authz
from escalade.accounts.models import User
from escalade.assets.models import (
    Asset,
    AssetRelation,
    Installation,
    Licence,
    LicenceKind,
    NetworkInterface,
    TicketAsset,
)
from escalade.assets.normalise import mac_normalise
from escalade.core.models import Event
from escalade.tickets.models import Ticket

PAGE_SIZE = 50


@dataclass(frozen=True)
class AssetFilter:
    """A group of assets, as data: the desk list's filters, the API's query, and any app that needs
    "these assets" (preventive maintenance plans keep one as JSON: :meth:`as_json` / :meth:`from_json`)."""

    organisation_ids: tuple[int, ...] = ()
    site_ids: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    warranty_ending_within_days: int | None = None
    not_seen_for_days: int | None = None
    text: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in self.__dict__.items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AssetFilter:
        tuples = {"organisation_ids", "site_ids", "kinds", "statuses"}
        known = {
            key: tuple(value) if key in tuples else value
            for key, value in data.items()
            if key in cls.__dataclass_fields__
        }
        return cls(**known)  # type: ignore[arg-type]

    def apply(self, assets: QuerySet[Asset]) -> QuerySet[Asset]:
        """``assets`` narrowed to this group (the caller scopes ``assets`` to what the user sees first)."""
        if self.organisation_ids:
            assets = assets.filter(organisation_id__in=self.organisation_ids)
        if self.site_ids:
            assets = assets.filter(site_id__in=self.site_ids)
        if self.kinds:
            assets = assets.filter(kind__in=self.kinds)
        if self.statuses:
            assets = assets.filter(status__in=self.statuses)
        today = timezone.localdate()
        if self.warranty_ending_within_days is not None:
            end = today + dt.timedelta(days=self.warranty_ending_within_days)
            assets = assets.filter(warranty_end__gte=today, warranty_end__lte=end)
        if self.not_seen_for_days is not None:
            since = timezone.now() - dt.timedelta(days=self.not_seen_for_days)
            assets = assets.filter(Q(last_inventory_at__lt=since) | Q(last_inventory_at__isnull=True))
        if self.text.strip():
            assets = assets.filter(asset_text_q(self.text))
        return assets


def asset_text_q(text: str) -> Q:
    """Serial, hostname, inventory tag (exact, case-insensitive), MAC or IP address of an interface."""
    text = text.strip()[:200]
    mac = mac_normalise(text)
    # The interfaces first (one indexed query), so the asset query is an OR of index lookups.
    interfaces = NetworkInterface.objects.filter(Q(mac=mac) if mac else Q(ip=text))
    asset_ids = list(interfaces.values_list("asset_id", flat=True)[:200])
    return Q(serial__iexact=text) | Q(name__iexact=text) | Q(inventory_tag__iexact=text) | Q(pk__in=asset_ids)


SEARCH_LIMIT = 10


def assets_search(*, user: authz.AnyUser, query: str, limit: int = SEARCH_LIMIT) -> list[Asset]:
    """The desk's global search: assets ``user`` sees (agents: their clients) whose hostname, serial,
    inventory tag, MAC or IP is ``query``, or whose user's name contains it. Provider staff only:
    requesters and client managers never find assets there. Three indexed queries at most."""
    query = query.strip()[:200]
    if not query or not authz.is_provider_staff(user):
        return []
    visible = authz.assets_visible_to(user)
    wanted = asset_text_q(query)
    if len(query) >= 3:
        people = User.objects.filter(full_name__icontains=query, assets__isnull=False)
        wanted |= Q(user_id__in=list(people.values_list("pk", flat=True).distinct()[:50]))
    rows = visible.filter(wanted).select_related("organisation", "user").order_by("-pk")[:limit]
    return list(rows)


@dataclass
class AssetListPage:
    assets: list[Asset]
    before: int | None  # pass as ?before= for the next (older) page; None at the end


def asset_list(
    *, user: User, group: AssetFilter, before: int | None = None, limit: int = PAGE_SIZE
) -> AssetListPage:
    """One page of the assets ``user`` sees in ``group``, newest first (keyset on id: constant cost)."""
    assets = group.apply(authz.assets_visible_to(user))
    if before is not None:
        assets = assets.filter(pk__lt=before)
    rows = list(assets.select_related("organisation", "site", "user").order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return AssetListPage(assets=rows, before=rows[-1].pk if more and rows else None)


@dataclass
class AssetPage:
    asset: Asset
    installations: list[Installation]
    licences: list[Licence]
    relations_out: list[AssetRelation]
    relations_in: list[AssetRelation]
    tickets: list[Ticket]
    history: list[Event]
    interfaces: list[NetworkInterface] = field(default_factory=list)


def asset_page(*, user: User, asset: Asset, history_limit: int = 50) -> AssetPage:
    """Everything the asset page shows, in a fixed number of queries."""
    installations = list(
        Installation.objects.filter(asset=asset)
        .select_related("software")
        .order_by("software__name_key", "version")
    )
    software_ids = {i.software_id for i in installations}
    licences = list(
        authz.licences_visible_to(user).filter(
            organisation_id=asset.organisation_id, software_id__in=software_ids
        )
    )
    history = list(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Asset), object_id=asset.pk
        ).order_by("-id")[:history_limit]
    )
    links = TicketAsset.objects.filter(asset=asset).values("ticket_id")
    tickets = list(authz.tickets_visible_to(user).filter(pk__in=links).order_by("-pk")[:50])
    return AssetPage(
        asset=asset,
        installations=installations,
        licences=licences,
        relations_out=list(asset.relations_out.select_related("target")),
        relations_in=list(asset.relations_in.select_related("source")),
        tickets=tickets,
        history=history,
        interfaces=list(asset.interfaces.all()),
    )


def assets_of_person(*, user: User, person: User, limit: int = 20) -> list[Asset]:
    """The assets ``person`` uses that ``user`` may see (the call screen, the portal picker)."""
    return list(
        authz.assets_visible_to(user).filter(user=person).exclude(status__in=("retired", "disposed"))
        .order_by("name", "pk")[:limit]
    )  # fmt: skip


def portal_assets(*, user: User) -> QuerySet[Asset]:
    """The portal's "which equipment?" choices: the assets the person uses, whatever their role."""
    return (
        authz.assets_visible_to(user).filter(user=user).exclude(status__in=("retired", "disposed"))
        .order_by("name", "pk")
    )  # fmt: skip


def ticket_assets(*, user: User, ticket: Ticket) -> list[Asset]:
    """The assets linked to ``ticket`` that ``user`` sees."""
    linked = TicketAsset.objects.filter(ticket=ticket).values("asset_id")
    return list(authz.assets_visible_to(user).filter(pk__in=linked).order_by("name"))


@dataclass(frozen=True)
class ComplianceRow:
    """One licence of one client: how many it owns, how many are used, and what is wrong."""

    licence: Licence
    owned: int
    used: int
    expiring: bool
    expired: bool

    @property
    def over_use(self) -> int:
        return max(self.used - self.owned, 0)

    @property
    def compliant(self) -> bool:
        return self.over_use == 0 and not self.expired


def licence_compliance(
    *, user: User, organisation_id: int, expiring_within_days: int = 30
) -> list[ComplianceRow]:
    """Installed versus owned for each licence of one client: per device and subscription count the
    client's assets with the product installed; per seat count distinct people using them (an asset
    with no user counts as one seat). Two queries whatever the number of licences."""
    licences = list(
        authz.licences_visible_to(user).filter(organisation_id=organisation_id).select_related("software")
        .order_by("software__name_key", "name")
    )  # fmt: skip
    if not licences:
        return []
    software_ids = {licence.software_id for licence in licences}
    rows = (
        Installation.objects.filter(asset__organisation_id=organisation_id, software_id__in=software_ids)
        .exclude(asset__status__in=("retired", "disposed"))
        .values("software_id", "asset_id", "asset__user_id")
        .distinct()
    )
    devices: dict[int, set[int]] = defaultdict(set)
    seats: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for row in rows:
        devices[row["software_id"]].add(row["asset_id"])
        user_id = row["asset__user_id"]
        seats[row["software_id"]].add(("user", user_id) if user_id else ("asset", row["asset_id"]))
    owned: dict[int, int] = defaultdict(int)
    today = timezone.localdate()
    for licence in licences:
        if licence.expires_on is None or licence.expires_on >= today:
            owned[licence.software_id] += licence.quantity
    result = []
    for licence in licences:
        usage = seats if licence.kind == LicenceKind.PER_SEAT else devices
        expired = licence.expires_on is not None and licence.expires_on < today
        expiring = (
            not expired
            and licence.expires_on is not None
            and (licence.expires_on <= today + dt.timedelta(days=expiring_within_days))
        )
        result.append(ComplianceRow(
            licence=licence, owned=owned[licence.software_id], used=len(usage[licence.software_id]),
            expiring=expiring, expired=expired,
        ))  # fmt: skip
    return result


def asset_counts_by_kind(*, user: User, organisation_id: int) -> dict[str, int]:
    rows = (
        authz.assets_visible_to(user)
        .filter(organisation_id=organisation_id)
        .values("kind")
        .annotate(n=Count("pk"))
    )
    return {row["kind"]: row["n"] for row in rows}
