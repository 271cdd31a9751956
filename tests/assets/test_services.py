"""Asset services and selectors: history events, lifecycle, relations, the catalogue's normalisation,
licence compliance, ticket links, and the reusable asset group."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from escalade.assets import selectors, services
from escalade.assets.models import Asset, AssetStatus, LicenceKind, TicketAsset
from escalade.assets.normalise import mac_normalise, name_key, publisher_key
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.models import Event
from escalade.tickets.services import ticket_create
from tests.assets.factories import AssetFactory, InstallationFactory, LicenceFactory, SoftwareFactory
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("publisher", "name", "expected"),
    [
        ("Mozilla", "Mozilla Firefox (x64 fr)", ("mozilla", "firefox")),
        ("Mozilla Foundation", "Firefox", ("mozilla", "firefox")),
        ("Mozilla Corporation", "Mozilla Firefox 128.0.3 (x64 en-US)", ("mozilla", "firefox")),
        ("Microsoft Corporation", "Microsoft Edge", ("microsoft", "edge")),
        ("microsoft corp.", "Microsoft Edge", ("microsoft", "edge")),
        ("Adobe Inc.", "Adobe Acrobat Reader (64-bit)", ("adobe", "acrobat reader")),
        ("", "7-Zip 23.01 (x64)", ("", "7-zip")),
        ("Debian", "adduser", ("debian", "adduser")),
    ],
)
def test_one_product_whatever_the_spelling(publisher: str, name: str, expected: tuple[str, str]) -> None:
    assert (publisher_key(publisher), name_key(name, publisher)) == expected


def test_mac_addresses_are_normalised() -> None:
    assert mac_normalise("02-FC-00-00-00-0A") == "02:fc:00:00:00:0a"
    assert mac_normalise("00:00:00:00:00:00") == ""
    assert mac_normalise("not a mac") == ""


def test_an_administrator_creates_and_changes_an_asset_with_history(world: World) -> None:
    actor = Actor.of(world.administrator)
    asset = services.asset_create(
        actor=actor, organisation=world.client_a, values={"name": "PC-ACCUEIL", "kind": "computer"}
    )

    services.asset_update(actor=actor, asset=asset, values={"serial": "ABC123", "user": world.requester_a})
    services.asset_update(actor=actor, asset=asset, values={"serial": "ABC123"})  # no change, no event

    events = list(Event.objects.filter(object_id=asset.pk, content_type__model="asset").order_by("id"))
    assert [e.action for e in events] == ["asset.created", "asset.updated"]
    assert events[1].changes == {
        "serial": {"from": "", "to": "ABC123"},
        "user": {"from": None, "to": world.requester_a.pk},
    }
    assert events[1].actor == world.administrator


@pytest.mark.parametrize("role", ["agent_a", "supervisor", "requester_a"])
def test_only_administrators_change_assets(world: World, role: str) -> None:
    asset = AssetFactory.create(organisation=world.client_a, name="PC-1")
    with pytest.raises(PermissionDeniedError):
        services.asset_update(actor=Actor.of(world.person(role)), asset=asset, values={"name": "PC-2"})
    asset.refresh_from_db()
    assert asset.name == "PC-1"


def test_a_user_of_another_organisation_is_refused(world: World) -> None:
    asset = AssetFactory.create(organisation=world.client_a)
    with pytest.raises(ValidationFailed):
        services.asset_update(
            actor=Actor.of(world.administrator), asset=asset, values={"user": world.requester_b}
        )


def test_the_status_lifecycle(world: World) -> None:
    actor = Actor.of(world.administrator)
    asset = AssetFactory.create(organisation=world.client_a, status=AssetStatus.IN_USE)

    services.asset_status_change(actor=actor, asset=asset, status=AssetStatus.IN_REPAIR)
    services.asset_status_change(actor=actor, asset=asset, status=AssetStatus.RETIRED)
    services.asset_status_change(actor=actor, asset=asset, status=AssetStatus.DISPOSED)
    with pytest.raises(ConflictError):
        services.asset_status_change(actor=actor, asset=asset, status=AssetStatus.IN_USE)

    changes = list(
        Event.objects.filter(action="asset.status_changed").order_by("id").values_list("changes", flat=True)
    )
    assert [c["status"]["to"] for c in changes] == ["in_repair", "retired", "disposed"]


def test_relations_stay_inside_one_organisation(world: World) -> None:
    actor = Actor.of(world.administrator)
    pc, monitor = AssetFactory.create_batch(2, organisation=world.client_a)
    other = AssetFactory.create(organisation=world.client_b)

    services.asset_relate(actor=actor, source=monitor, target=pc, kind="connected_to")
    services.asset_relate(actor=actor, source=monitor, target=pc, kind="connected_to")  # twice: once
    with pytest.raises(ValidationFailed):
        services.asset_relate(actor=actor, source=other, target=pc, kind="connected_to")

    page = selectors.asset_page(user=world.administrator, asset=pc)
    assert [r.source for r in page.relations_in] == [monitor]
    assert Event.objects.filter(action="asset.related").count() == 1


def test_licence_compliance_counts_installed_against_owned(world: World) -> None:
    office = SoftwareFactory.create(publisher="Microsoft Corporation", name="Microsoft 365 Apps")
    acrobat = SoftwareFactory.create(publisher="Adobe", name="Acrobat Pro")
    user_a, user_a2 = world.requester_a, world.requester_a2
    machines = [
        AssetFactory.create(organisation=world.client_a, user=user_a),
        AssetFactory.create(organisation=world.client_a, user=user_a),  # same person, second PC
        AssetFactory.create(organisation=world.client_a, user=user_a2),
        AssetFactory.create(organisation=world.client_a, status=AssetStatus.RETIRED),  # not counted
    ]
    for machine in machines:
        InstallationFactory.create(asset=machine, software=office, version="16.0")
        InstallationFactory.create(asset=machine, software=acrobat, version="24")
    InstallationFactory.create(asset=AssetFactory.create(organisation=world.client_b), software=office)
    today = timezone.localdate()
    LicenceFactory.create(organisation=world.client_a, software=office, kind=LicenceKind.PER_SEAT, quantity=2,
                          expires_on=today + dt.timedelta(days=10))  # fmt: skip
    LicenceFactory.create(
        organisation=world.client_a, software=acrobat, kind=LicenceKind.PER_DEVICE, quantity=2
    )

    found = selectors.licence_compliance(user=world.supervisor, organisation_id=world.client_a.pk)
    rows = {row.licence.software.name: row for row in found}

    assert (rows["Microsoft 365 Apps"].used, rows["Microsoft 365 Apps"].owned) == (2, 2)  # two people
    assert rows["Microsoft 365 Apps"].expiring
    assert rows["Microsoft 365 Apps"].compliant
    assert (rows["Acrobat Pro"].used, rows["Acrobat Pro"].owned, rows["Acrobat Pro"].over_use) == (3, 2, 1)
    assert not rows["Acrobat Pro"].compliant


def test_compliance_is_two_queries_whatever_the_licences(world: World, django_assert_num_queries) -> None:
    for _ in range(5):
        licence = LicenceFactory.create(organisation=world.client_a)
        InstallationFactory.create(
            asset=AssetFactory.create(organisation=world.client_a), software=licence.software
        )
    with django_assert_num_queries(2):
        rows = selectors.licence_compliance(user=world.supervisor, organisation_id=world.client_a.pk)
    assert len(rows) == 5


def test_an_agent_links_a_ticket_to_the_callers_asset(world: World) -> None:
    ticket = ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="Écran noir")
    asset = AssetFactory.create(organisation=world.client_a, user=world.requester_a)

    services.ticket_asset_link(actor=Actor.of(world.agent_a), ticket=ticket, asset=asset)
    services.ticket_asset_link(actor=Actor.of(world.agent_a), ticket=ticket, asset=asset)

    assert TicketAsset.objects.filter(ticket=ticket, asset=asset).count() == 1
    assert Event.objects.filter(action="ticket.asset_linked", object_id=ticket.pk).count() == 1
    assert Event.objects.filter(action="asset.ticket_linked", object_id=asset.pk).count() == 1


@pytest.mark.parametrize(
    ("actor_name", "asset_org", "asset_user"),
    [
        pytest.param("agent_b", "client_a", None, id="agent-not-serving-the-client"),
        pytest.param("requester_a", "client_a", "requester_a2", id="requester-someone-elses-asset"),
        pytest.param("administrator", "client_b", None, id="asset-of-another-client"),
    ],
)
def test_links_refused(world: World, actor_name: str, asset_org: str, asset_user: str | None) -> None:
    ticket = ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="Souris")
    asset = AssetFactory.create(
        organisation=getattr(world, asset_org), user=world.person(asset_user) if asset_user else None
    )
    with pytest.raises((PermissionDeniedError, ValidationFailed)):
        services.ticket_asset_link(actor=Actor.of(world.person(actor_name)), ticket=ticket, asset=asset)
    assert not TicketAsset.objects.exists()


def test_the_asset_group_filters_and_round_trips_as_json(world: World) -> None:
    today = timezone.localdate()
    soon = AssetFactory.create(organisation=world.client_a, warranty_end=today + dt.timedelta(days=20))
    AssetFactory.create(organisation=world.client_a, warranty_end=today + dt.timedelta(days=200))
    stale = AssetFactory.create(organisation=world.client_a, kind="printer",
                                last_inventory_at=timezone.now() - dt.timedelta(days=40))  # fmt: skip
    AssetFactory.create(organisation=world.client_b, warranty_end=today + dt.timedelta(days=5))
    visible = Asset.objects.filter(organisation=world.client_a)

    warranty = selectors.AssetFilter(warranty_ending_within_days=30)
    unseen = selectors.AssetFilter.from_json(
        selectors.AssetFilter(kinds=("printer",), not_seen_for_days=30).as_json()
    )

    assert list(warranty.apply(visible)) == [soon]
    assert list(unseen.apply(visible)) == [stale]
    assert unseen.kinds == ("printer",)


def test_search_by_serial_hostname_mac_and_ip(world: World) -> None:
    asset = AssetFactory.create(organisation=world.client_a, name="SRV-FICHIERS", serial="CZJ1234567")
    asset.interfaces.create(organisation=world.client_a, name="eth0", mac="3c:52:82:aa:bb:cc", ip="10.0.0.5")
    assets = Asset.objects.all()
    for text in ("CZJ1234567", "srv-fichiers", "3C-52-82-AA-BB-CC", "10.0.0.5"):
        assert list(assets.filter(selectors.asset_text_q(text))) == [asset], text
