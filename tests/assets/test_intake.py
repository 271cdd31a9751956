"""The inventory endpoint with the agents' recorded payloads: PROLOG/INVENTORY (XML, zlib), GLPI Agent
JSON, matching on re-inventory, history, and hostile or broken bodies refused with nothing written."""

from __future__ import annotations

import gzip
import json
import logging
import zlib

import pytest
from django.test import Client

from escalade.assets.models import Asset, Installation, NetworkInterface, Software
from escalade.core.models import Event
from tests.assets.conftest import Tokens, post_agent, sample
from tests.conftest import World

FUSION = "fusioninventory-agent-2.6-local-inventory.xml"
OCS = "ocsinventory-agent-2.10-inventory-nosoftware.xml"
GLPI = "glpi-agent-laptop.json"

pytestmark = pytest.mark.django_db


def asset_events(asset: Asset) -> list[str]:
    return list(
        Event.objects.filter(object_id=asset.pk, content_type__model="asset")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_prolog_is_answered_send_compressed_as_the_agent_reads_it(client: Client, tokens: Tokens) -> None:
    response = post_agent(client, tokens.a, sample("fusioninventory-prolog-request.xml"))

    assert response.status_code == 200
    assert response.content[:2] == b"\x78\x9c"  # the only zlib header FusionInventory recognises
    reply = zlib.decompress(response.content).decode()
    assert "<RESPONSE>SEND</RESPONSE>" in reply
    assert "<PROLOG_FREQ>24</PROLOG_FREQ>" in reply
    assert Asset.objects.count() == 0


def test_fusioninventory_inventory_creates_the_asset_with_its_software(
    client: Client, tokens: Tokens, world: World
) -> None:
    response = post_agent(client, tokens.a, sample(FUSION))

    assert response.status_code == 200
    assert b"no_account_update" in zlib.decompress(response.content)
    asset = Asset.objects.get()
    assert (asset.organisation, asset.name, asset.kind) == (world.client_a, "vm", "virtual_machine")
    assert asset.operating_system == "Debian GNU/Linux 12 (bookworm)"
    assert asset.inventory_device_id == "vm-2026-11-22-15-49-17"
    assert Installation.objects.filter(asset=asset).count() == 120
    assert Installation.objects.filter(asset=asset, software__name="adduser", version="3.134").exists()
    macs = set(NetworkInterface.objects.filter(asset=asset).values_list("mac", flat=True))
    assert "02:fc:00:00:00:01" in macs
    assert "00:00:00:00:00:00" not in macs
    assert asset_events(asset) == ["asset.created", "asset.software_changed"]
    event = Event.objects.get(action="asset.created")
    assert event.actor_label == "inventory:FusionInventory-Agent"


def test_an_unchanged_reinventory_writes_no_row(
    client: Client, tokens: Tokens, django_assert_max_num_queries
) -> None:
    post_agent(client, tokens.a, sample(FUSION))
    asset = Asset.objects.get()
    events = Event.objects.count()

    with django_assert_max_num_queries(8) as captured:
        response = post_agent(client, tokens.a, sample(FUSION))

    assert response.status_code == 200
    writes = [
        q["sql"] for q in captured.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert Event.objects.count() == events
    asset.refresh_from_db()
    assert Asset.objects.get().updated_at == asset.updated_at


def test_a_changed_reinventory_updates_the_same_asset_and_records_the_software_difference(
    client: Client, tokens: Tokens
) -> None:
    post_agent(client, tokens.a, sample(FUSION))
    changed = sample(FUSION).replace(b"<NAME>adduser</NAME>", b"<NAME>escalade-test-tool</NAME>", 1)
    changed = changed.replace(b"<MEMORY>24105</MEMORY>", b"<MEMORY>32768</MEMORY>", 1)

    post_agent(client, tokens.a, changed)

    asset = Asset.objects.get()
    assert asset.attributes["memory_mb"] == 32768
    assert asset_events(asset)[-2:] == ["asset.updated", "asset.software_changed"]
    updated = Event.objects.get(action="asset.updated")
    assert updated.changes["attributes"]["from"]["memory_mb"] == 24105
    software = Event.objects.filter(action="asset.software_changed").latest("id")
    assert software.data["installed"] == ["escalade-test-tool 3.134"]
    assert software.data["removed"] == ["adduser 3.134"]
    assert Installation.objects.filter(asset=asset).count() == 120


def test_the_ocs_agent_on_the_same_machine_updates_the_same_asset(client: Client, tokens: Tokens) -> None:
    post_agent(client, tokens.a, sample(FUSION))

    response = post_agent(client, tokens.a, sample(OCS), content_type="application/x-compress")

    assert response.status_code == 200
    asset = Asset.objects.get()  # matched on the MAC address, not duplicated
    assert asset.inventory_device_id.startswith("vm-")
    assert asset.operating_system == "Debian GNU/Linux 12"


def test_the_same_machine_in_another_client_is_another_asset(
    client: Client, tokens: Tokens, world: World
) -> None:
    post_agent(client, tokens.a, sample(FUSION))
    post_agent(client, tokens.b, sample(FUSION))

    assert sorted(Asset.objects.values_list("organisation__slug", flat=True)) == ["client-a", "client-b"]


def test_glpi_agent_contact_then_json_inventory(client: Client, tokens: Tokens) -> None:
    contact = {
        "action": "contact",
        "deviceid": "pc-compta-03-2026-10-02-08-15-00",
        "name": "GLPI-Agent_v1.11",
    }
    answer = client.post(f"/inventory/{tokens.a}/", data=json.dumps(contact), content_type="application/json")
    assert answer.status_code == 200
    assert "inventory" in answer.json()["tasks"]

    body = zlib.compress(sample(GLPI))
    response = client.post(f"/inventory/{tokens.a}/", data=body, content_type="application/x-compress-zlib")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ok"
    asset = Asset.objects.get()
    assert (asset.name, asset.kind, asset.serial) == ("PC-COMPTA-03", "laptop", "PF4XK2QA")
    assert (asset.manufacturer, asset.model) == ("LENOVO", "ThinkPad T14 Gen 4")
    assert asset.system_uuid == "7a1c2e44-51b0-11ee-9f13-8c8caa010203"
    assert set(asset.interfaces.values_list("mac", flat=True)) == {"8c:8c:aa:01:02:03", "8c:8c:aa:01:02:04"}
    firefox = Software.objects.get(name_key="firefox")
    assert firefox.publisher_key == "mozilla"


def test_a_renamed_machine_is_found_by_its_serial(client: Client, tokens: Tokens) -> None:
    client.post(f"/inventory/{tokens.a}/", data=sample(GLPI), content_type="application/json")
    renamed = json.loads(sample(GLPI))
    renamed["deviceid"] = "new-agent-install"
    renamed["content"]["hardware"]["name"] = "PC-COMPTA-07"

    client.post(f"/inventory/{tokens.a}/", data=json.dumps(renamed), content_type="application/json")

    asset = Asset.objects.get()
    assert asset.name == "PC-COMPTA-07"
    assert Event.objects.get(action="asset.updated").changes["name"] == {
        "from": "PC-COMPTA-03",
        "to": "PC-COMPTA-07",
    }


def test_gzip_bodies_are_read(client: Client, tokens: Tokens) -> None:
    response = client.post(
        f"/inventory/{tokens.a}/",
        data=gzip.compress(sample(FUSION)),
        content_type="application/x-compress-gzip",
    )
    assert response.status_code == 200
    assert Asset.objects.count() == 1


def test_an_unknown_token_is_refused_and_logged(client: Client, tokens: Tokens, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="escalade.assets.intake"):
        response = post_agent(client, "not-a-token", sample(FUSION))

    assert response.status_code == 403
    assert "unknown or disabled enrolment token" in caplog.text
    assert Asset.objects.count() == 0


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<REQUEST><CONTENT><HARDWARE><NAME>&lol3;</NAME></HARDWARE></CONTENT><DEVICEID>x</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<REQUEST><CONTENT><HARDWARE><NAME>&x;</NAME></HARDWARE></CONTENT><DEVICEID>x</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>"""


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        pytest.param(BILLION_LAUGHS, 400, b"forbidden XML construct", id="entity-expansion"),
        pytest.param(EXTERNAL, 400, b"forbidden XML construct", id="external-entity"),
        pytest.param(b"<REQUEST><CONTENT><HARDWARE>", 400, b"malformed XML", id="truncated-xml"),
        pytest.param(b"<OTHER/>", 400, b"<REQUEST>", id="wrong-root"),
        pytest.param(b"<REQUEST><QUERY>INVENTORY</QUERY></REQUEST>", 400, b"DEVICEID", id="no-device-id"),
        pytest.param(
            b'{"action": "inventory", "deviceid": "x", "content": [1]}',
            400,
            b"content.hardware",
            id="json-shape",
        ),
        pytest.param(b"{" * 100_000, 400, b"malformed JSON", id="json-too-deep"),
        pytest.param(
            b'{"action": "inventory", "deviceid": "x", "content": {"hardware": {',
            400,
            b"malformed JSON",
            id="json-truncated",
        ),
    ],
)
def test_hostile_or_broken_bodies_are_refused_with_nothing_written(
    client: Client, tokens: Tokens, body: bytes, status: int, message: bytes
) -> None:
    events = Event.objects.count()

    response = post_agent(client, tokens.a, body)

    assert response.status_code == status
    assert message in (
        response.content if not response.content.startswith(b"{") else response.json()["message"].encode()
    )
    assert Asset.objects.count() == 0
    assert Event.objects.count() == events


def test_a_truncated_compressed_body_is_refused(client: Client, tokens: Tokens) -> None:
    body = zlib.compress(sample(FUSION))[:5000]
    response = client.post(f"/inventory/{tokens.a}/", data=body, content_type="application/x-compress-zlib")
    assert response.status_code == 400
    assert b"truncated" in response.content
    assert Asset.objects.count() == 0


def test_a_compression_bomb_stops_at_the_ceiling(client: Client, tokens: Tokens, settings) -> None:
    bomb = zlib.compress(b"<REQUEST>" + b" " * (25 * 1_048_576))  # 25 MB of spaces in ~25 KB
    response = client.post(f"/inventory/{tokens.a}/", data=bomb, content_type="application/x-compress-zlib")
    assert response.status_code == 413
    assert Asset.objects.count() == 0


def test_a_disabled_token_is_refused(client: Client, tokens: Tokens) -> None:
    from escalade.assets.models import InventoryToken

    InventoryToken.objects.update(is_active=False)
    assert post_agent(client, tokens.a, sample(FUSION)).status_code == 403


def test_get_is_not_allowed(client: Client, tokens: Tokens) -> None:
    assert client.get(f"/inventory/{tokens.a}/").status_code == 405
