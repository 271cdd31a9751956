"""Assets in the desk's global search: staff find a machine by hostname, serial, inventory tag, MAC or
its user's name, and the hit leads to the asset page; agents only within their clients; requesters
and client managers never see assets there."""

from __future__ import annotations

import pytest
from django.test import Client

from escalade.assets.models import Asset, NetworkInterface
from escalade.assets.selectors import assets_search
from tests.assets.factories import AssetFactory
from tests.conftest import World

pytestmark = pytest.mark.django_db

ROLES = ["requester_a", "manager_a", "agent_a", "agent_b", "supervisor", "administrator"]


@pytest.fixture
def estate(world: World) -> dict[str, Asset]:
    world.requester_a.full_name = "Amélie Poulain"
    world.requester_a.save()
    a = AssetFactory.create(
        organisation=world.client_a, name="PC-ACCUEIL-03", serial="CZC7777777", inventory_tag="INV-A-0042",
        user=world.requester_a,
    )  # fmt: skip
    NetworkInterface.objects.create(
        asset=a, organisation=world.client_a, name="eth0", mac="02:aa:bb:cc:dd:ee"
    )
    b = AssetFactory.create(organisation=world.client_b, name="PC-ACCUEIL-03-B", serial="CZC7777777")
    return {"a": a, "b": b}


@pytest.mark.parametrize("role", ROLES)
def test_the_search_page_finds_assets_for_the_staff_of_their_clients(
    client: Client, world: World, estate: dict[str, Asset], role: str
) -> None:
    client.force_login(world.person(role))

    response = client.get("/help/search", {"q": "czc7777777"})

    assert response.status_code == 200
    body = response.content.decode()
    sees_a = role in {"agent_a", "supervisor", "administrator"}
    sees_b = role in {"agent_b", "supervisor", "administrator"}
    assert (f"/desk/assets/{estate['a'].pk}/" in body, f"/desk/assets/{estate['b'].pk}/" in body) == (
        sees_a,
        sees_b,
    )


@pytest.mark.parametrize(
    "query", ["pc-accueil-03", "CZC7777777", "inv-a-0042", "02-AA-BB-CC-DD-EE", "Poulain", "amélie"]
)
def test_an_agent_finds_the_asset_by_each_identifier(
    world: World, estate: dict[str, Asset], query: str
) -> None:
    assert [asset.pk for asset in assets_search(user=world.agent_a, query=query)] == [estate["a"].pk]


def test_the_hit_leads_to_the_asset_page(client: Client, world: World, estate: dict[str, Asset]) -> None:
    client.force_login(world.agent_a)
    body = client.get("/help/search", {"q": "INV-A-0042"}).content.decode()
    assert f'href="/desk/assets/{estate["a"].pk}/"' in body
    assert client.get(f"/desk/assets/{estate['a'].pk}/").status_code == 200


def test_the_search_costs_a_fixed_number_of_queries(
    world: World, estate: dict[str, Asset], django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(4):  # served clients, interfaces, people, assets
        assert len(assets_search(user=world.agent_a, query="Poulain")) == 1
