"""The administrators' edit pages: an asset created and changed (typed attributes, lifecycle, owner,
site, user, purchase, warranty, serial, tag, notes), related to another, a licence created, changed and
assigned; every change in the history; role × organisation (nobody else may write)."""

from __future__ import annotations

import pytest
from django.test import Client

from escalade.assets.models import Asset, AssetRelation, AssetStatus, Licence, LicenceAssignment
from escalade.core.models import Event
from tests.assets.factories import AssetFactory, LicenceFactory
from tests.conftest import World
from tests.orgs.factories import SiteFactory

pytestmark = pytest.mark.django_db

REFUSED = ["requester_a", "manager_a", "agent_a", "agent_b", "supervisor"]


def _actions(obj: Asset | Licence) -> list[str]:
    return list(
        Event.objects.filter(object_id=obj.pk, content_type__model=obj._meta.model_name)
        .order_by("id").values_list("action", flat=True)
    )  # fmt: skip


def _asset_form(world: World, **overrides: object) -> dict[str, object]:
    return {
        "organisation": world.client_a.pk, "status": "in_stock", "kind": "laptop", "name": "PC-NEUF-01",
        "manufacturer": "Lenovo", "model": "ThinkPad T14", "serial": "PF3ABCDE", "inventory_tag": "INV-0100",
        "operating_system": "Windows 11", "purchase_date": "2026-10-01", "purchase_cost": "1249.90",
        "supplier": "Inmac", "warranty_end": "2029-10-01", "notes": "Poste de la comptabilité",
        "attributes": '{"cpu": "Intel Core i5", "memory_mb": 16384}', "user_email": world.requester_a.email,
        **overrides,
    }  # fmt: skip


@pytest.fixture
def asset(world: World) -> Asset:
    return AssetFactory.create(organisation=world.client_a, name="PC-A-01", serial="SN-A-01", status="in_use")


@pytest.mark.parametrize("role", REFUSED)
def test_only_administrators_may_write(client: Client, world: World, asset: Asset, role: str) -> None:
    client.force_login(world.person(role))
    licence = LicenceFactory.create(organisation=world.client_a)
    before = Event.objects.count()

    answers = [
        client.get("/desk/assets/new/").status_code,
        client.post("/desk/assets/new/", _asset_form(world)).status_code,
        client.post(f"/desk/assets/{asset.pk}/edit/", {"name": "X", "kind": "laptop"}).status_code,
        client.post(f"/desk/assets/{asset.pk}/status/", {"status": "in_repair"}).status_code,
        client.post(f"/desk/assets/{asset.pk}/relate/", {"kind": "connected_to", "target": "x"}).status_code,
        client.post("/desk/assets/licences/new/", {"product": "Office"}).status_code,
        client.post(f"/desk/assets/licences/{licence.pk}/", {"product": "Office"}).status_code,
        client.post(f"/desk/assets/licences/{licence.pk}/assign/", {"asset": "PC-A-01"}).status_code,
    ]

    assert set(answers) == {403}
    assert Event.objects.count() == before


def test_anonymous_goes_to_the_login_page(client: Client, asset: Asset) -> None:
    assert client.get(f"/desk/assets/{asset.pk}/edit/").status_code == 302


def test_an_administrator_creates_an_asset_with_its_attributes(client: Client, world: World) -> None:
    site = SiteFactory.create(organisation=world.client_a, name="Siège")
    client.force_login(world.administrator)

    response = client.post("/desk/assets/new/", _asset_form(world, site=site.pk))

    created = Asset.objects.get(name="PC-NEUF-01")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/assets/{created.pk}/"
    assert (created.organisation, created.site, created.user, created.status) == (
        world.client_a, site, world.requester_a, AssetStatus.IN_STOCK,
    )  # fmt: skip
    assert (created.serial, created.inventory_tag, str(created.purchase_cost)) == (
        "PF3ABCDE",
        "INV-0100",
        "1249.90",
    )
    assert created.attributes == {"cpu": "Intel Core i5", "memory_mb": 16384}
    assert str(created.warranty_end) == "2029-10-01"
    assert _actions(created) == ["asset.created"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("user_email", "req.b@b.example"), ("site", "other-site"), ("attributes", "[1, 2]")],
    ids=["user-of-another-client", "site-of-another-client", "attributes-not-an-object"],
)
def test_another_clients_user_or_site_and_bad_attributes_are_refused(
    client: Client, world: World, field: str, value: str
) -> None:
    client.force_login(world.administrator)
    if value == "other-site":
        value = str(SiteFactory.create(organisation=world.client_b).pk)
    if field == "user_email":
        value = world.requester_b.email

    response = client.post("/desk/assets/new/", _asset_form(world, **{field: value}))

    assert response.status_code == 422
    assert not Asset.objects.filter(name="PC-NEUF-01").exists()


def test_an_administrator_edits_an_asset_and_the_history_says_what_changed(
    client: Client, world: World, asset: Asset
) -> None:
    client.force_login(world.administrator)
    form = _asset_form(world, name="PC-A-01", serial="SN-A-01-NEW", user_email="")
    form.pop("organisation")
    form.pop("status")

    response = client.post(f"/desk/assets/{asset.pk}/edit/", form)

    assert response.status_code == 302
    asset.refresh_from_db()
    assert (asset.serial, asset.user) == ("SN-A-01-NEW", None)
    event = Event.objects.get(action="asset.updated", object_id=asset.pk)
    assert event.changes["serial"] == {"from": "SN-A-01", "to": "SN-A-01-NEW"}
    assert event.actor == world.administrator
    page = client.get(f"/desk/assets/{asset.pk}/").content.decode()
    assert "SN-A-01-NEW" in page


def test_the_status_follows_the_lifecycle(client: Client, world: World, asset: Asset) -> None:
    client.force_login(world.administrator)

    client.post(f"/desk/assets/{asset.pk}/status/", {"status": "disposed"})  # in use → disposed: refused
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_USE

    client.post(f"/desk/assets/{asset.pk}/status/", {"status": "in_repair"})
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_REPAIR
    assert _actions(asset)[-1] == "asset.status_changed"


def test_relations_stay_inside_the_client(client: Client, world: World, asset: Asset) -> None:
    screen = AssetFactory.create(organisation=world.client_a, name="ECRAN-A-01", kind="monitor")
    AssetFactory.create(organisation=world.client_b, name="ECRAN-B-01", kind="monitor")
    client.force_login(world.administrator)

    client.post(f"/desk/assets/{screen.pk}/relate/", {"kind": "connected_to", "target": "pc-a-01"})
    client.post(f"/desk/assets/{asset.pk}/relate/", {"kind": "connected_to", "target": "ECRAN-B-01"})

    assert list(AssetRelation.objects.values_list("source__name", "target__name")) == [
        ("ECRAN-A-01", "PC-A-01")
    ]
    relation = AssetRelation.objects.get()
    client.post(f"/desk/assets/{screen.pk}/unrelate/{relation.pk}/")
    assert not AssetRelation.objects.exists()
    assert _actions(screen)[-2:] == ["asset.related", "asset.unrelated"]


def test_an_administrator_creates_edits_and_assigns_a_licence(
    client: Client, world: World, asset: Asset
) -> None:
    client.force_login(world.administrator)
    form = {
        "organisation": world.client_a.pk, "publisher": "Microsoft Corporation", "product": "Microsoft 365",
        "name": "M365 Business", "kind": "subscription", "quantity": 10, "expires_on": "2027-06-30",
    }  # fmt: skip

    response = client.post("/desk/assets/licences/new/", form)

    licence = Licence.objects.get()
    assert response["Location"] == f"/desk/assets/licences/{licence.pk}/"
    assert (licence.organisation, licence.software.publisher_key, licence.quantity) == (
        world.client_a, "microsoft", 10,
    )  # fmt: skip
    form.pop("organisation")
    client.post(f"/desk/assets/licences/{licence.pk}/", {**form, "quantity": 12})
    client.post(f"/desk/assets/licences/{licence.pk}/assign/", {"asset": "PC-A-01"})
    client.post(f"/desk/assets/licences/{licence.pk}/assign/", {"email": world.requester_a.email})
    client.post(f"/desk/assets/licences/{licence.pk}/assign/", {"email": world.requester_b.email})  # client B

    licence.refresh_from_db()
    assert licence.quantity == 12
    assigned = {(a.asset_id, a.user_id) for a in LicenceAssignment.objects.filter(licence=licence)}
    assert assigned == {(asset.pk, None), (None, world.requester_a.pk)}
    assert _actions(licence) == ["licence.created", "licence.updated", "licence.assigned", "licence.assigned"]
    assert "PC-A-01" in client.get(f"/desk/assets/licences/{licence.pk}/").content.decode()


def test_an_agent_sees_the_asset_page_without_the_edit_forms(
    client: Client, world: World, asset: Asset
) -> None:
    client.force_login(world.agent_a)
    page = client.get(f"/desk/assets/{asset.pk}/").content.decode()
    assert f"/desk/assets/{asset.pk}/edit/" not in page
    client.force_login(world.administrator)
    assert f"/desk/assets/{asset.pk}/edit/" in client.get(f"/desk/assets/{asset.pk}/").content.decode()
