"""The desk's asset pages, the call screen, the ticket's equipment panel and the portal picker:
role × organisation (client A never sees B's estate), pinned query counts, and the links they make."""

from __future__ import annotations

import pytest
from django.test import Client

from escalade.assets.models import Asset, TicketAsset
from escalade.core.actors import Actor
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create
from tests.assets.factories import AssetFactory, InstallationFactory, LicenceFactory
from tests.conftest import World

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "requester_a", "manager_a", "agent_a", "agent_b", "supervisor", "administrator"]


@pytest.fixture
def estate(world: World) -> dict[str, Asset]:
    return {
        "a": AssetFactory.create(organisation=world.client_a, name="PC-A-ACCUEIL", user=world.requester_a),
        "b": AssetFactory.create(organisation=world.client_b, name="PC-B-DIRECTION", user=world.requester_b),
    }


def sign_in(client: Client, world: World, role: str) -> None:
    if role != "anonymous":
        client.force_login(world.person(role))


@pytest.mark.parametrize("role", ROLES)
def test_asset_list_shows_only_the_served_clients(
    client: Client, world: World, estate: dict[str, Asset], role: str
) -> None:
    sign_in(client, world, role)

    response = client.get("/desk/assets/")

    expected_status = {"anonymous": 302, "requester_a": 403, "manager_a": 403}.get(role, 200)
    assert response.status_code == expected_status
    if expected_status == 200:
        body = response.content.decode()
        sees_a = role in {"agent_a", "supervisor", "administrator"}
        sees_b = role in {"agent_b", "supervisor", "administrator"}
        assert ("PC-A-ACCUEIL" in body, "PC-B-DIRECTION" in body) == (sees_a, sees_b)


@pytest.mark.parametrize("role", ROLES)
def test_asset_page_of_client_a(client: Client, world: World, estate: dict[str, Asset], role: str) -> None:
    sign_in(client, world, role)

    response = client.get(f"/desk/assets/{estate['a'].pk}/")

    expected = {"anonymous": 302, "requester_a": 403, "manager_a": 403, "agent_b": 404}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        assert "PC-A-ACCUEIL" in response.content.decode()


def test_asset_list_filters_and_pages_with_a_pinned_query_count(
    client: Client, world: World, django_assert_num_queries
) -> None:
    AssetFactory.create_batch(60, organisation=world.client_a, kind="laptop")
    AssetFactory.create(organisation=world.client_a, kind="printer", name="IMPRIMANTE-RDC")
    client.force_login(world.agent_a)
    client.get("/desk/assets/")  # warm the session

    with django_assert_num_queries(4):  # session, user, the client choices, the page (served clients kept)
        first = client.get("/desk/assets/", {"kind": "laptop"})
    assert first.status_code == 200
    page = first.context["page"]
    assert len(page.assets) == 50
    assert page.before is not None
    second = client.get("/desk/assets/", {"kind": "laptop", "before": page.before})
    assert len(second.context["page"].assets) == 10
    assert second.context["page"].before is None
    printers = client.get("/desk/assets/", {"q": "imprimante-rdc"})
    assert [a.name for a in printers.context["page"].assets] == ["IMPRIMANTE-RDC"]


def test_asset_page_query_count_does_not_grow_with_software(
    client: Client, world: World, django_assert_num_queries
) -> None:
    asset = AssetFactory.create(organisation=world.client_a)
    InstallationFactory.create_batch(30, asset=asset)
    client.force_login(world.supervisor)
    client.get(f"/desk/assets/{asset.pk}/")

    with django_assert_num_queries(10):
        response = client.get(f"/desk/assets/{asset.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["agent_a", "supervisor", "administrator"])
def test_licence_compliance_page_is_for_supervisors(client: Client, world: World, role: str) -> None:
    LicenceFactory.create(organisation=world.client_a, name="Suite bureautique", quantity=1)
    client.force_login(world.person(role))

    response = client.get("/desk/assets/licences/", {"organisation": world.client_a.pk})

    assert response.status_code == (403 if role == "agent_a" else 200)
    if role != "agent_a":
        assert "Suite bureautique" in response.content.decode()


def _ticket(world: World) -> Ticket:
    return ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="Mon PC rame")


@pytest.mark.parametrize("role", ["agent_a", "agent_b", "requester_a"])
def test_ticket_equipment_panel_and_link(
    client: Client, world: World, estate: dict[str, Asset], role: str
) -> None:
    ticket = _ticket(world)
    client.force_login(world.person(role))

    panel = client.get(f"/desk/assets/ticket/{ticket.reference}/")
    link = client.post(f"/desk/assets/ticket/{ticket.reference}/link/", {"asset": estate["a"].pk})

    if role == "agent_a":
        assert panel.status_code == 200
        assert "PC-A-ACCUEIL" in panel.content.decode()  # the requester's equipment, to link
        assert link.status_code == 302
        assert TicketAsset.objects.filter(ticket=ticket, asset=estate["a"]).exists()
    else:
        assert (panel.status_code, link.status_code) == ((404, 404) if role == "agent_b" else (403, 403))
        assert not TicketAsset.objects.exists()


def test_linking_by_serial_typed_on_the_ticket_page(
    client: Client, world: World, estate: dict[str, Asset]
) -> None:
    ticket = _ticket(world)
    client.force_login(world.agent_a)

    client.post(
        f"/desk/assets/ticket/{ticket.reference}/link/", {"text": estate["b"].serial}
    )  # B's: not found
    client.post(f"/desk/assets/ticket/{ticket.reference}/link/", {"text": estate["a"].serial})

    assert list(TicketAsset.objects.values_list("asset__name", flat=True)) == ["PC-A-ACCUEIL"]


def test_the_call_screen_shows_the_callers_equipment_and_links_it(
    client: Client, world: World, estate: dict[str, Asset]
) -> None:
    client.force_login(world.agent_a)

    screen = client.get("/desk/call/", {"caller": world.requester_a.pk})
    assert "PC-A-ACCUEIL" in screen.content.decode()

    call = {"caller": world.requester_a.pk, "title": "PC bloqué", "duration": "2:00",
            "started_at": "2026-01-06 10:00", "impact": 1, "urgency": 2, "asset": estate["a"].pk}  # fmt: skip
    response = client.post("/desk/call/", call)

    assert response.status_code == 302, response.content.decode()[:2000]
    link = TicketAsset.objects.get()
    assert (link.asset, link.ticket.requester) == (estate["a"], world.requester_a)


def test_the_call_screen_ignores_an_asset_that_is_not_the_callers(
    client: Client, world: World, estate: dict[str, Asset]
) -> None:
    client.force_login(world.agent_a)
    call = {"caller": world.requester_a.pk, "title": "PC bloqué", "duration": "2:00",
            "started_at": "2026-01-06 10:00", "impact": 1, "urgency": 2, "asset": estate["b"].pk}  # fmt: skip

    assert client.post("/desk/call/", call).status_code == 302
    assert not TicketAsset.objects.exists()


def test_the_portal_picker_offers_only_the_requesters_own_equipment(
    client: Client, world: World, estate: dict[str, Asset]
) -> None:
    colleague = AssetFactory.create(organisation=world.client_a, name="PC-COLLEGUE", user=world.requester_a2)
    client.force_login(world.requester_a)

    form = client.get("/portal/new/").content.decode()
    assert "PC-A-ACCUEIL" in form
    assert "PC-COLLEGUE" not in form
    assert "PC-B-DIRECTION" not in form

    refused = client.post("/portal/new/", {"title": "Écran", "description": "Écran noir", "urgency": 2,
                                           "asset": colleague.pk})  # fmt: skip
    assert refused.status_code == 422
    created = client.post("/portal/new/", {"title": "Écran", "description": "Écran noir", "urgency": 2,
                                           "asset": estate["a"].pk})  # fmt: skip
    assert created.status_code == 302
    assert list(TicketAsset.objects.values_list("asset__name", flat=True)) == ["PC-A-ACCUEIL"]
