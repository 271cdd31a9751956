"""The IT estate of every client: assets, their relations, the software catalogue, installations,
licences, and the enrolment tokens of the inventory agents (ADR 0016)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class AssetKind(models.TextChoices):
    COMPUTER = "computer", _("Computer")
    LAPTOP = "laptop", _("Laptop")
    SERVER = "server", _("Server")
    VIRTUAL_MACHINE = "virtual_machine", _("Virtual machine")
    PRINTER = "printer", _("Printer")
    PHONE = "phone", _("Phone")
    MOBILE = "mobile", _("Mobile device")
    NETWORK_DEVICE = "network_device", _("Network device")
    MONITOR = "monitor", _("Monitor")
    PERIPHERAL = "peripheral", _("Peripheral")
    OTHER = "other", _("Other")


class AssetStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    IN_STOCK = "in_stock", _("In stock")
    IN_USE = "in_use", _("In use")
    IN_REPAIR = "in_repair", _("In repair")
    RETIRED = "retired", _("Retired")
    DISPOSED = "disposed", _("Disposed")


# The lifecycle: which status may follow which (a disposed asset stays disposed).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    AssetStatus.ORDERED: frozenset({AssetStatus.IN_STOCK, AssetStatus.IN_USE, AssetStatus.DISPOSED}),
    AssetStatus.IN_STOCK: frozenset({AssetStatus.IN_USE, AssetStatus.IN_REPAIR, AssetStatus.RETIRED}),
    AssetStatus.IN_USE: frozenset({AssetStatus.IN_STOCK, AssetStatus.IN_REPAIR, AssetStatus.RETIRED}),
    AssetStatus.IN_REPAIR: frozenset({AssetStatus.IN_STOCK, AssetStatus.IN_USE, AssetStatus.RETIRED}),
    AssetStatus.RETIRED: frozenset({AssetStatus.IN_STOCK, AssetStatus.DISPOSED}),
    AssetStatus.DISPOSED: frozenset(),
}


class Asset(models.Model):
    """One piece of a client's estate: a PC, a printer, a server, a phone...

    Identified for the inventory agents by ``serial``, ``system_uuid``, the MAC addresses of its
    interfaces and ``name`` (the hostname), in that order (``assets.inventory.asset_match``).
    ``inventory_digest`` is the fingerprint of the last inventory applied: an identical one changes
    nothing; ``inventory_body_digest`` that of its XML body (``parsers.xml_body_fingerprint``), so the
    same body again is recognised before it is parsed. ``attributes`` holds what depends on the kind
    (CPU, memory, disks, toner...).
    """

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )  # fmt: skip
    kind = models.CharField(_("type"), max_length=20, choices=AssetKind.choices, default=AssetKind.COMPUTER)
    status = models.CharField(
        _("status"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.IN_USE
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("The hostname for a computer."))
    site = models.ForeignKey(
        "orgs.Site",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assets",
    )  # fmt: skip
    manufacturer = models.CharField(_("manufacturer"), max_length=120, blank=True)
    model = models.CharField(_("model"), max_length=200, blank=True)
    serial = models.CharField(_("serial number"), max_length=120, blank=True)
    system_uuid = models.CharField(_("system UUID"), max_length=64, blank=True)
    inventory_tag = models.CharField(_("inventory tag"), max_length=60, blank=True)
    operating_system = models.CharField(_("operating system"), max_length=200, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_cost = models.DecimalField(
        _("purchase cost"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    inventory_device_id = models.CharField(_("agent device id"), max_length=200, blank=True)
    inventory_digest = models.CharField(_("last inventory fingerprint"), max_length=64, blank=True)
    # The fingerprint of the last XML body applied, without what changes at every run (the log date):
    # the same body again is "unchanged" after one indexed read, without parsing it.
    inventory_body_digest = models.CharField(max_length=64, blank=True, editable=False)
    last_inventory_at = models.DateTimeField(_("last inventory"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ("-id",)
        indexes = (
            # The desk list: per client, newest first, narrowed by type or status (keyset on id).
            models.Index(fields=("organisation", "id"), name="asset_org_idx"),
            models.Index(fields=("organisation", "kind", "id"), name="asset_org_kind_idx"),
            models.Index(fields=("organisation", "status", "id"), name="asset_org_status_idx"),
            models.Index(fields=("warranty_end", "id"), name="asset_warranty_idx"),
            models.Index(fields=("last_inventory_at", "id"), name="asset_seen_idx"),
            # The inventory's matching rules, inside one organisation.
            models.Index(fields=("organisation", "serial"), name="asset_serial_idx"),
            models.Index(fields=("organisation", "system_uuid"), name="asset_uuid_idx"),
            models.Index(fields=("organisation", "name"), name="asset_name_idx"),
            models.Index(fields=("organisation", "inventory_device_id"), name="asset_device_idx"),
            models.Index(fields=("inventory_tag",), name="asset_tag_idx"),
            # Every client at once (supervisors): by type or status, newest first.
            models.Index(fields=("kind", "id"), name="asset_kind_idx"),
            models.Index(fields=("status", "id"), name="asset_status_idx"),
            # The text search (serial, hostname, tag typed in any case): ``upper(x) = upper(%s)``.
            models.Index(Upper("serial"), name="asset_serial_upper_idx"),
            models.Index(Upper("name"), name="asset_name_upper_idx"),
            models.Index(Upper("inventory_tag"), name="asset_tag_upper_idx"),
        )

    def __str__(self) -> str:
        return self.name


class NetworkInterface(models.Model):
    """A network interface of an asset (MAC and IP addresses): a matching rule and a search key."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="interfaces")
    organisation_id: int
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    mac = models.CharField(_("MAC address"), max_length=17, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)

    class Meta:
        verbose_name = _("network interface")
        verbose_name_plural = _("network interfaces")
        indexes = (
            models.Index(fields=("organisation", "mac"), name="interface_mac_idx"),
            models.Index(fields=("organisation", "ip"), name="interface_ip_idx"),
            models.Index(fields=("mac",), name="interface_mac_any_idx"),  # search across clients
            models.Index(fields=("ip",), name="interface_ip_any_idx"),
        )

    def __str__(self) -> str:
        return f"{self.name} {self.mac} {self.ip}".strip()


class RelationKind(models.TextChoices):
    INSTALLED_ON = "installed_on", _("installed on")
    CONNECTED_TO = "connected_to", _("connected to")
    DEPENDS_ON = "depends_on", _("depends on")
    PART_OF = "part_of", _("part of")


class AssetRelation(models.Model):
    """``source`` is <kind> ``target`` (a monitor connected to a PC, a VM installed on a server)."""

    source = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)

    class Meta:
        verbose_name = _("asset relation")
        verbose_name_plural = _("asset relations")
        constraints = (
            models.UniqueConstraint(fields=("source", "target", "kind"), name="assetrelation_once"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="assetrelation_not_self"
            ),
        )

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Software(models.Model):
    """A product of the catalogue. ``publisher_key``/``name_key`` are the normalised spellings
    (``assets.normalise``): "Mozilla Firefox (x64 en-US)" by "Mozilla Corporation" and "firefox" by
    "Mozilla" are one product."""

    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=200)
    publisher_key = models.CharField(max_length=200, blank=True)
    name_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("software")
        verbose_name_plural = _("software")
        ordering = ("name_key", "id")
        constraints = (models.UniqueConstraint(fields=("publisher_key", "name_key"), name="software_once"),)
        indexes = (models.Index(fields=("name_key", "id"), name="software_name_idx"),)

    def __str__(self) -> str:
        return f"{self.name} ({self.publisher})" if self.publisher else self.name


class Installation(models.Model):
    """A version of a product installed on an asset (5 million rows for 100,000 assets: kept narrow)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="installations", db_index=False)
    software = models.ForeignKey(
        Software, on_delete=models.PROTECT, related_name="installations", db_index=False
    )
    version = models.CharField(_("version"), max_length=100, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("installation")
        verbose_name_plural = _("installations")
        constraints = (
            # Leads with asset: serves the asset page and the inventory's diff.
            models.UniqueConstraint(fields=("asset", "software", "version"), name="installation_once"),
        )
        indexes = (models.Index(fields=("software", "asset"), name="installation_software_idx"),)

    def __str__(self) -> str:
        return f"{self.software_id} {self.version} on {self.asset_id}"


class LicenceKind(models.TextChoices):
    PER_SEAT = "per_seat", _("Per seat (person)")
    PER_DEVICE = "per_device", _("Per device")
    SUBSCRIPTION = "subscription", _("Subscription")


class Licence(models.Model):
    """Rights a client owns to use a product: ``quantity`` seats or devices, until ``expires_on``."""

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )  # fmt: skip
    software = models.ForeignKey(
        Software, verbose_name=_("software"), on_delete=models.PROTECT, related_name="licences"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("type"), max_length=20, choices=LicenceKind.choices, default=LicenceKind.PER_DEVICE
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    reference = models.CharField(_("contract or key reference"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ("name", "id")
        indexes = (models.Index(fields=("organisation", "software"), name="licence_org_software_idx"),)

    def __str__(self) -> str:
        return self.name


class LicenceAssignment(models.Model):
    """A licence given to one asset (per device) or one person (per seat)."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="assignments")
    asset = models.ForeignKey(
        Asset, on_delete=models.CASCADE, null=True, blank=True, related_name="licence_assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("licence assignment")
        verbose_name_plural = _("licence assignments")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(asset__isnull=False, user__isnull=True)
                | models.Q(asset__isnull=True, user__isnull=False),
                name="licenceassignment_one_target",
            ),
            models.UniqueConstraint(fields=("licence", "asset"), name="licenceassignment_asset_once"),
            models.UniqueConstraint(fields=("licence", "user"), name="licenceassignment_user_once"),
        )

    def __str__(self) -> str:
        return f"{self.licence_id} → {self.asset_id or self.user_id}"


class InventoryToken(models.Model):
    """The enrolment secret of one organisation's agents: they post to ``/inventory/<token>/``.

    Only the SHA-256 of the token is kept (``token_hash``); the token is shown once when created.
    """

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("ends with"), max_length=8)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("inventory enrolment token")
        verbose_name_plural = _("inventory enrolment tokens")

    def __str__(self) -> str:
        return f"{self.label or self.organisation_id} (…{self.hint})"


class TicketAsset(models.Model):
    """A ticket is about this asset (linked from the desk, the portal picker, the API or a mail)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="ticket_links", db_index=False)
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket asset")
        verbose_name_plural = _("ticket assets")
        constraints = (models.UniqueConstraint(fields=("ticket", "asset"), name="ticketasset_once"),)
        indexes = (models.Index(fields=("asset", "ticket"), name="ticketasset_asset_idx"),)

    def __str__(self) -> str:
        return f"{self.ticket_id} ↔ {self.asset_id}"
