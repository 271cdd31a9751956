"""Matching an inventory to an asset (one statement): the rules' order, the MAC address's semi-join,
disposed assets left alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from escalade.assets.inventory import inventory_apply
from escalade.assets.models import Asset, AssetStatus, InventoryToken
from escalade.assets.parsers import Interface, InventoryReport
from tests.assets.conftest import Tokens
from tests.conftest import World

pytestmark = pytest.mark.django_db

REPORT = InventoryReport(
    device_id="agent-1",
    name="PC-1",
    interfaces=[Interface(name="eth0", mac="02:00:00:00:00:01", ip="10.0.0.1")],
)


def test_a_reinstalled_agent_is_matched_by_its_mac_address_before_an_ambiguous_hostname(
    world: World, tokens: Tokens
) -> None:
    token = InventoryToken.objects.get(organisation=world.client_a)
    first = inventory_apply(token=token, report=REPORT, source="test").asset
    Asset.objects.create(organisation=world.client_a, name="PC-1")  # a second asset of that name

    again = inventory_apply(token=token, report=replace(REPORT, device_id="agent-2"), source="test")

    assert again.asset.pk == first.pk
    assert Asset.objects.get(pk=first.pk).inventory_device_id == "agent-2"


def test_a_disposed_asset_and_another_client_s_asset_are_not_matched(world: World, tokens: Tokens) -> None:
    token = InventoryToken.objects.get(organisation=world.client_a)
    disposed = inventory_apply(token=token, report=replace(REPORT, serial="SN-1"), source="test").asset
    Asset.objects.filter(pk=disposed.pk).update(status=AssetStatus.DISPOSED)
    other = InventoryToken.objects.get(organisation=world.client_b)
    theirs = inventory_apply(token=other, report=replace(REPORT, serial="SN-1"), source="test").asset

    outcome = inventory_apply(token=token, report=replace(REPORT, serial="SN-1"), source="test")

    assert outcome.result == "created"
    assert outcome.asset.pk not in {disposed.pk, theirs.pk}
