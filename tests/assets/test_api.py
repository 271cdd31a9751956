"""The assets API: role × organisation for reads and writes (a denied call changes nothing), ticket
links, compliance, bad input answered 4xx."""

from __future__ import annotations

import pytest
from django.test import Client

from escalade.assets.models import Asset, Licence, TicketAsset
from escalade.core.actors import Actor
from escalade.tickets.services import ticket_create
from tests.api.conftest import Api
from tests.assets.factories import AssetFactory, InstallationFactory, LicenceFactory, SoftwareFactory
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client=client)


ROLES = ["requester_a", "manager_a", "agent_a", "agent_b", "supervisor", "administrator"]


@pytest.fixture
def estate(world: World) -> dict[str, Asset]:
    return {
        "a": AssetFactory.create(organisation=world.client_a, name="PC-A", user=world.requester_a),
        "a2": AssetFactory.create(organisation=world.client_a, name="PC-A2", user=world.requester_a2),
        "b": AssetFactory.create(organisation=world.client_b, name="PC-B", user=world.requester_b),
    }


@pytest.mark.parametrize("role", ROLES)
def test_list_is_scoped(api: Api, world: World, estate: dict[str, Asset], role: str) -> None:
    response = api.get("/api/assets", world.person(role))

    assert response.status_code == 200
    names = sorted(item["name"] for item in response.json()["items"])
    expected = {
        "requester_a": ["PC-A"],
        "manager_a": ["PC-A", "PC-A2"],
        "agent_a": ["PC-A", "PC-A2"],
        "agent_b": ["PC-B"],
        "supervisor": ["PC-A", "PC-A2", "PC-B"],
        "administrator": ["PC-A", "PC-A2", "PC-B"],
    }[role]
    assert names == expected


@pytest.mark.parametrize("role", ROLES)
def test_reading_client_as_asset_and_its_software(
    api: Api, world: World, estate: dict[str, Asset], role: str
) -> None:
    InstallationFactory.create(
        asset=estate["a2"], software=SoftwareFactory.create(name="LibreOffice"), version="24.2"
    )

    asset = api.get(f"/api/assets/{estate['a2'].pk}", world.person(role))
    software = api.get(f"/api/assets/{estate['a2'].pk}/software", world.person(role))

    visible = role in {"manager_a", "agent_a", "supervisor", "administrator"}
    assert (asset.status_code, software.status_code) == ((200, 200) if visible else (404, 404))
    if visible:
        assert [row["name"] for row in software.json()] == ["LibreOffice"]


@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_write(api: Api, world: World, estate: dict[str, Asset], role: str) -> None:
    user = world.person(role)
    created = api.post(
        "/api/assets", user, {"organisation_id": world.client_a.pk, "name": "NEW-PC", "kind": "laptop"}
    )
    changed = api.patch(f"/api/assets/{estate['a'].pk}", user, {"serial": "CHANGED"})

    if role == "administrator":
        assert (created.status_code, changed.status_code) == (201, 200)
        assert Asset.objects.get(name="NEW-PC").organisation == world.client_a
    else:
        assert created.status_code == 403
        assert changed.status_code in {403, 404}
        assert not Asset.objects.filter(name="NEW-PC").exists()
        estate["a"].refresh_from_db()
        assert estate["a"].serial != "CHANGED"


def test_bad_input_is_a_4xx(api: Api, world: World, estate: dict[str, Asset]) -> None:
    admin = world.administrator
    assert api.post("/api/assets", admin, {"organisation_id": 999999, "name": "X"}).status_code == 422
    assert (
        api.post(
            "/api/assets", admin, {"organisation_id": world.client_a.pk, "name": "X", "kind": "boat"}
        ).status_code
        == 422
    )
    wrong_site = api.patch(f"/api/assets/{estate['a'].pk}", admin, {"user_id": world.requester_b.pk})
    assert wrong_site.status_code == 422
    disposed = api.post(f"/api/assets/{estate['a'].pk}/status", admin, {"status": "disposed"})
    assert disposed.status_code == 409  # in use → disposed skips retirement
    assert api.get("/api/assets", admin, limit=0).status_code == 422


def test_status_change(api: Api, world: World, estate: dict[str, Asset]) -> None:
    response = api.post(f"/api/assets/{estate['a'].pk}/status", world.administrator, {"status": "in_repair"})
    assert response.status_code == 200
    assert response.json()["status"] == "in_repair"


@pytest.mark.parametrize("role", ROLES)
def test_licences_and_compliance(api: Api, world: World, role: str) -> None:
    LicenceFactory.create(organisation=world.client_a, name="Licence A")
    LicenceFactory.create(organisation=world.client_b, name="Licence B")
    user = world.person(role)

    listed = api.get("/api/licences", user)
    compliance = api.get("/api/licences/compliance", user, organisation_id=world.client_a.pk)

    names = sorted(item["name"] for item in listed.json())
    assert names == {
        "requester_a": [], "manager_a": [], "agent_a": ["Licence A"], "agent_b": ["Licence B"],
        "supervisor": ["Licence A", "Licence B"], "administrator": ["Licence A", "Licence B"],
    }[role]  # fmt: skip
    assert compliance.status_code == (200 if role in {"supervisor", "administrator"} else 403)


def test_an_administrator_adds_a_licence(api: Api, world: World) -> None:
    software = SoftwareFactory.create(name="AutoCAD")
    body = {
        "organisation_id": world.client_a.pk,
        "software_id": software.pk,
        "name": "AutoCAD 2026",
        "quantity": 3,
    }

    assert api.post("/api/licences", world.agent_a, body).status_code == 403
    response = api.post("/api/licences", world.administrator, body)

    assert response.status_code == 201
    assert Licence.objects.get().quantity == 3


@pytest.mark.parametrize("role", ["requester_a", "requester_a2", "agent_a", "agent_b"])
def test_ticket_asset_links_through_the_api(
    api: Api, world: World, estate: dict[str, Asset], role: str
) -> None:
    ticket = ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="Clavier")
    user = world.person(role)

    response = api.post(f"/api/tickets/{ticket.reference}/assets", user, {"asset_id": estate["a"].pk})
    listed = api.get(f"/api/tickets/{ticket.reference}/assets", user)

    if role in {"requester_a", "agent_a"}:
        assert response.status_code == 201
        assert [item["name"] for item in listed.json()] == ["PC-A"]
    else:
        assert response.status_code == 404  # the ticket is not theirs to see
        assert not TicketAsset.objects.exists()


def test_a_requester_cannot_link_a_colleagues_asset(api: Api, world: World, estate: dict[str, Asset]) -> None:
    ticket = ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="Clavier")
    response = api.post(
        f"/api/tickets/{ticket.reference}/assets", world.requester_a, {"asset_id": estate["a2"].pk}
    )
    assert response.status_code == 422
    assert not TicketAsset.objects.exists()


@pytest.mark.parametrize("role", ["agent_a", "supervisor", "administrator"])
def test_enrolment_tokens_are_created_by_administrators_and_work(
    api: Api, client: Client, world: World, role: str
) -> None:
    response = api.post("/api/inventory-tokens", world.person(role), {"organisation_id": world.client_a.pk})

    if role != "administrator":
        assert response.status_code == 403
        return
    assert response.status_code == 201
    token = response.json()["token"]
    assert response.json()["hint"] == token[-4:]
    assert "token" not in api.get("/api/inventory-tokens", world.administrator).json()[0]
    prolog = b"<REQUEST><DEVICEID>x-1</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>"
    assert client.post(f"/inventory/{token}/", data=prolog, content_type="application/xml").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_the_software_catalogue_is_for_the_provider_staff(api: Api, world: World, role: str) -> None:
    SoftwareFactory.create(name="LibreOffice")

    response = api.get("/api/software", world.person(role), q="libre")

    staff = role in {"agent_a", "agent_b", "supervisor", "administrator"}
    assert response.status_code == (200 if staff else 403)
    if staff:
        assert [row["name"] for row in response.json()] == ["LibreOffice"]


def test_an_organisation_id_out_of_range_is_a_4xx(api: Api, world: World) -> None:
    huge = 2**70  # SQLite cannot even compare with it: refused before any query
    response = api.get("/api/licences/compliance", world.administrator, organisation_id=huge)
    assert response.status_code == 422
    assert api.get("/api/licences", world.administrator, organisation_id=huge).status_code == 422
    assert api.get("/api/software", world.administrator, after=huge).status_code == 422
