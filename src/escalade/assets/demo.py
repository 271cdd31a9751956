"""Demo estate: each demo client's PCs, laptops, a server and its virtual machine (fed through the
inventory path, as the agents would), printers and monitors (entered by hand), licences, one of them
over-used and one expiring, an enrolment token per client, a ticket linked to the caller's PC, and an
e-mail per client quoting a machine's hostname or serial (French for Lemoine, English for Northwind),
whose ticket the mail channel linked to that machine."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from escalade.accounts.models import Role, User
from escalade.assets import services
from escalade.assets.inventory import inventory_apply
from escalade.assets.models import Asset, InventoryToken, LicenceKind, TicketAsset
from escalade.assets.parsers import Interface, InventoryReport, Software
from escalade.core.actors import Actor
from escalade.core.events import muted
from escalade.orgs.models import Organisation
from escalade.tickets.choices import Channel
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create

if TYPE_CHECKING:
    from escalade.demo import DemoContext

OFFICE = Software("Microsoft Corporation", "Microsoft 365 Apps for business", "16.0.17928.20156")
FIREFOX = Software("Mozilla", "Mozilla Firefox (x64 fr)", "128.3.1")
ACROBAT = Software("Adobe Inc.", "Adobe Acrobat Reader (64-bit)", "24.003.20112")
ESET = Software("ESET, spol. s r.o.", "ESET Endpoint Security", "11.0.2032.0")
SAGE = Software("Sage", "Sage 100cloud Comptabilité", "9.00")
TEAMS = Software("Microsoft Corporation", "Microsoft Teams (work or school)", "24215.1007.3082.1590")
SEVEN_ZIP = Software("Igor Pavlov", "7-Zip 23.01 (x64)", "23.01")
SQL = Software("Microsoft Corporation", "Microsoft SQL Server 2022 (64-bit)", "16.0.1000.6")
DESKTOP = (OFFICE, FIREFOX, ACROBAT, ESET, TEAMS, SEVEN_ZIP)

# name, kind, manufacturer, model, serial, OS, extra software
MACHINES = {
    "lemoine": (
        ("LEM-PC-CAISSE01", "computer", "Dell Inc.", "OptiPlex 7010", "7X2KQ33", "Microsoft Windows 11 Professionnel", (SAGE,)),
        ("LEM-PC-COMPTA01", "computer", "Dell Inc.", "OptiPlex 7010", "8F3LQ33", "Microsoft Windows 11 Professionnel", (SAGE,)),
        ("LEM-LT-DIRECTION", "laptop", "LENOVO", "ThinkPad T14 Gen 4", "PF4XK2QA", "Microsoft Windows 11 Professionnel", ()),
        ("LEM-LT-ATELIER", "laptop", "HP", "EliteBook 840 G10", "5CG3491JKL", "Microsoft Windows 11 Professionnel", ()),
        ("LEM-LT-QUALITE", "laptop", "HP", "EliteBook 840 G10", "5CG3491JKM", "Microsoft Windows 11 Professionnel", ()),
        ("LEM-SRV-01", "server", "Dell Inc.", "PowerEdge T350", "CZJ2441ABC", "Microsoft Windows Server 2022 Standard", (SQL,)),
    ),
    "northwind": (
        ("NW-MAN-PC-014", "computer", "HP", "ProDesk 400 G9", "CZC3357XYZ", "Microsoft Windows 11 Pro", ()),
        ("NW-MAN-LT-022", "laptop", "Dell Inc.", "Latitude 5440", "GH7T2Z3", "Microsoft Windows 11 Pro", ()),
        ("NW-CDG-LT-003", "laptop", "Dell Inc.", "Latitude 5440", "GH7T2Z4", "Microsoft Windows 11 Pro", ()),
    ),
}  # fmt: skip
# name, kind, manufacturer, model, serial, warranty end (days from today), notes
MANUAL = {
    "lemoine": (
        ("LEM-IMP-SIEGE", "printer", "Brother", "MFC-L8900CDW", "E78112K9N", 45, "Imprimante du siège, 1er étage."),
        ("LEM-ECRAN-CAISSE01", "monitor", "Iiyama", "ProLite XU2493HS", "1164513209", 400, ""),
    ),
    "northwind": (
        ("NW-MAN-PRN-01", "printer", "HP", "LaserJet Pro MFP 4102fdw", "PHBQL12345", -20, "Second floor, by the kitchen."),
    ),
}  # fmt: skip


def _people(organisation: Organisation) -> list[User]:
    return list(User.objects.filter(organisation=organisation, role=Role.REQUESTER).order_by("pk"))


def _report(
    index: int, spec: tuple[str, str, str, str, str, str, tuple[Software, ...]], login: str
) -> InventoryReport:
    name, kind, manufacturer, model, serial, system, extra = spec
    software = list(DESKTOP if kind != "server" else (FIREFOX, ESET, SEVEN_ZIP)) + list(extra)
    return InventoryReport(
        device_id=f"{name.lower()}-2025-09-01-08-00-00", name=name, serial=serial, manufacturer=manufacturer,
        model=model, kind=kind, operating_system=system, user_login=login,
        attributes={"cpu": "Intel(R) Core(TM) i5-1345U", "memory_mb": 16384 if kind != "server" else 65536},
        interfaces=[Interface(name="Ethernet", mac=f"8c:8c:aa:10:{index // 256:02x}:{index % 256:02x}",
                              ip=f"10.20.1.{10 + index}")],
        software=software,
    )  # fmt: skip


def _estate(context: DemoContext, key: str, organisation: Organisation) -> None:
    token = InventoryToken.objects.filter(organisation=organisation).first()
    if token is None:
        token, _secret = services.inventory_token_create(actor=context.actor, organisation=organisation,
                                                         label="Agents FusionInventory / GLPI")  # fmt: skip
    people = _people(organisation)
    sites = list(organisation.sites.order_by("name"))
    today = timezone.localdate()
    for index, spec in enumerate(MACHINES[key]):
        user = people[index % len(people)] if people and spec[1] != "server" else None
        report = _report(
            index + (100 if key == "northwind" else 0), spec, user.email.split("@")[0] if user else ""
        )
        outcome = inventory_apply(token=token, report=report, source="FusionInventory-Agent")
        values: dict[str, object] = {"user": user, "site": sites[index % len(sites)] if sites else None,
                                     "purchase_date": today - dt.timedelta(days=400 + 90 * index),
                                     "warranty_end": today + dt.timedelta(days=30 * (index + 1) - 40),
                                     "supplier": "Inmac Wstore" if key == "lemoine" else "Insight UK"}  # fmt: skip
        services.asset_update(actor=context.actor, asset=outcome.asset, values=values)
    for name, kind, manufacturer, model, serial, warranty, notes in MANUAL[key]:
        services.asset_create(
            actor=context.actor, organisation=organisation,
            values={"name": name, "kind": kind, "manufacturer": manufacturer, "model": model, "serial": serial,
                    "warranty_end": today + dt.timedelta(days=warranty), "notes": notes,
                    "site": sites[0] if sites else None},
        )  # fmt: skip


def _relations_and_licences(context: DemoContext, key: str, organisation: Organisation) -> None:
    assets = {asset.name: asset for asset in Asset.objects.filter(organisation=organisation)}
    office = services.software_get_or_create(publisher=OFFICE.publisher, name=OFFICE.name)
    eset = services.software_get_or_create(publisher=ESET.publisher, name=ESET.name)
    today = timezone.localdate()
    if key == "lemoine":
        services.asset_relate(actor=context.actor, source=assets["LEM-ECRAN-CAISSE01"],
                              target=assets["LEM-PC-CAISSE01"], kind="connected_to")  # fmt: skip
        services.asset_relate(actor=context.actor, source=assets["LEM-IMP-SIEGE"],
                              target=assets["LEM-SRV-01"], kind="depends_on")  # fmt: skip
        # Five PCs run Office, three seats were bought: the compliance page shows the over-use.
        services.licence_save(actor=context.actor, organisation=organisation, values={
            "software": office, "name": "Microsoft 365 Business Standard (3 postes)", "kind": LicenceKind.PER_SEAT,
            "quantity": 3, "expires_on": today + dt.timedelta(days=200), "reference": "CSP-LEM-2025-001"})  # fmt: skip
        services.licence_save(actor=context.actor, organisation=organisation, values={
            "software": eset, "name": "ESET Endpoint Security — abonnement annuel", "kind": LicenceKind.SUBSCRIPTION,
            "quantity": 10, "expires_on": today + dt.timedelta(days=21), "reference": "ESET-7731-LEM"})  # fmt: skip
    else:
        services.licence_save(actor=context.actor, organisation=organisation, values={
            "software": office, "name": "Microsoft 365 Business Premium (5 seats)", "kind": LicenceKind.PER_SEAT,
            "quantity": 5, "expires_on": today + dt.timedelta(days=300), "reference": "CSP-NW-2025-014"})  # fmt: skip
        services.licence_save(actor=context.actor, organisation=organisation, values={
            "software": eset, "name": "ESET Endpoint Security — yearly", "kind": LicenceKind.SUBSCRIPTION,
            "quantity": 5, "expires_on": today + dt.timedelta(days=150)})  # fmt: skip


def _ticket_link(context: DemoContext, organisation: Organisation) -> None:
    for asset in Asset.objects.filter(organisation=organisation, user__isnull=False).order_by("pk"):
        ticket = Ticket.objects.filter(requester_id=asset.user_id).order_by("pk").first()
        if ticket is not None:
            if not TicketAsset.objects.filter(ticket=ticket).exists():
                services.ticket_asset_link(actor=context.actor, ticket=ticket, asset=asset)
            return


# The asset whose user writes, the subject, the text (quoting the hostname or the serial).
EMAILS = {
    "lemoine": (
        "LEM-PC-COMPTA01",
        "Poste de compta bloqué au démarrage",
        (
            "Bonjour,\n\nmon poste LEM-PC-COMPTA01 reste bloqué sur l'écran Dell depuis ce matin, impossible "
            "d'ouvrir Sage pour la clôture.\n\nMerci de votre aide,\n"
        ),
    ),
    "northwind": (
        "NW-MAN-LT-022",
        "Laptop battery swelling",
        (
            "Hi,\n\nthe battery of my laptop (serial GH7T2Z3) is swelling and the touchpad no longer clicks. "
            "Can someone take a look?\n\nThanks,\n"
        ),
    ),
}


def _emailed_ticket(key: str, organisation: Organisation) -> None:
    """A request received by e-mail quoting a machine: the mail channel links the ticket to it."""
    name, title, text = EMAILS[key]
    asset = Asset.objects.filter(organisation=organisation, name=name).select_related("user").first()
    if (
        asset is None
        or asset.user is None
        or Ticket.objects.filter(requester=asset.user, title=title).exists()
    ):
        return
    with muted("webhooks.deliver"):  # loading the demo sends no demo webhook (tests/webhooks/test_demo.py)
        ticket_create(actor=Actor.channel("email", user=asset.user), requester=asset.user, title=title,
                      description=text, channel=Channel.EMAIL)  # fmt: skip


def load(context: DemoContext) -> None:
    for key in MACHINES:
        organisation: Organisation | None = context.objects.get(key)
        if organisation is None:
            continue
        if not Asset.objects.filter(organisation=organisation).exists():
            _estate(context, key, organisation)
            _relations_and_licences(context, key, organisation)
            _ticket_link(context, organisation)
        _emailed_ticket(key, organisation)
