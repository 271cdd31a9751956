"""The streaming XML read gives the report a whole-tree read gave, and the fingerprint stays the one
stored on existing assets (so an upgrade does not make every machine look changed)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring

from escalade.assets.parsers import (
    InventoryRejectedError,
    json_body_fingerprint,
    report_from_content,
    xml_request,
)
from tests.assets.conftest import sample

EDGES = b"""<?xml version="1.0" encoding="UTF-8"?>
<REQUEST><QUERY> inventory </QUERY><DEVICEID>dev&amp;1</DEVICEID>
<CONTENT>
 <HARDWARE><NAME>A &amp; B</NAME><UUID>x<SUB>y</SUB></UUID><MEMORY> 512 </MEMORY>
  <CHASSIS_TYPE>Laptop</CHASSIS_TYPE></HARDWARE>
 <BIOS/><BIOS><SSN>S1</SSN></BIOS>
 <VERSIONCLIENT>FusionInventory-Agent_v2.6</VERSIONCLIENT>
 <SOFTWARES><NAME>a</NAME><VERSION>1</VERSION><PUBLISHER><X>1</X></PUBLISHER></SOFTWARES>
 <SOFTWARES><NAME>b<![CDATA[ c]]></NAME><VERSION>2</VERSION><INSTALLDATE>03/04/2020</INSTALLDATE></SOFTWARES>
 <SOFTWARES></SOFTWARES>
 <NETWORKS><MACADDR>02-FC-00-00-00-09</MACADDR><IPADDRESS>10.0.0.1</IPADDRESS></NETWORKS>
 <USERS><LOGIN>bob</LOGIN></USERS><USERS><LOGIN>alice</LOGIN></USERS>
 <CPUS><NAME>cpu</NAME></CPUS><CPUS><NAME>cpu2</NAME></CPUS>
 <OPERATINGSYSTEM><FULL_NAME>Debian</FULL_NAME><TIMEZONE><NAME>UTC</NAME></TIMEZONE></OPERATINGSYSTEM>
 <PROCESSES><CMD>x</CMD></PROCESSES>
</CONTENT>
<CONTENT><HARDWARE><NAME>a second CONTENT is not read</NAME></HARDWARE></CONTENT>
</REQUEST>"""


def _whole_tree(element: Element) -> dict[str, Any]:
    """The former reading: the whole tree as nested dicts, repeated elements as lists."""
    result: dict[str, Any] = {}
    for child in element:
        value: Any = _whole_tree(child) if len(child) else (child.text or "").strip()
        key = child.tag.lower()
        if key in result:
            if not isinstance(result[key], list):
                result[key] = [result[key]]
            result[key].append(value)
        else:
            result[key] = value
    return result


@pytest.mark.parametrize(
    "body",
    [
        sample("fusioninventory-agent-2.6-local-inventory.xml"),
        sample("ocsinventory-agent-2.10-inventory-nosoftware.xml"),
        EDGES,
    ],
    ids=["fusioninventory", "ocs", "edge-cases"],
)
def test_the_streaming_read_makes_the_report_the_whole_tree_made(body: bytes) -> None:
    root = fromstring(body, forbid_dtd=True)
    device_id = (root.findtext("DEVICEID") or "").strip()
    content = root.find("CONTENT")
    expected = report_from_content(device_id, _whole_tree(content) if content is not None else {})

    request = xml_request(body)

    assert (request.query, request.device_id) == ((root.findtext("QUERY") or "").strip().upper(), device_id)
    assert report_from_content(request.device_id, request.content) == expected
    assert request.content.get("versionclient") == (
        _whole_tree(content).get("versionclient") if content is not None else None
    )


def test_the_report_of_the_edge_cases() -> None:
    request = xml_request(EDGES)
    report = report_from_content(request.device_id, request.content)

    # Two BIOS sections make a list, which no report reads: no serial, as the whole-tree read gave.
    assert (report.name, report.serial, report.kind, report.user_login) == ("A & B", "", "laptop", "bob")
    assert [(s.name, s.version, s.installed_on) for s in report.software] == [
        ("a", "1", None), ("b c", "2", "2020-04-03"),
    ]  # fmt: skip
    assert report.attributes == {"cpu": "cpu", "cpu_count": 2, "memory_mb": 512}
    assert report.operating_system == "Debian"


def test_deep_nesting_is_read_without_recursion() -> None:
    deep = b"<REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>d</DEVICEID><CONTENT><HARDWARE>"
    deep += b"<A>" * 50_000 + b"</A>" * 50_000 + b"</HARDWARE></CONTENT></REQUEST>"

    request = xml_request(deep)

    assert request.content == {"hardware": {}}


def test_an_undeclared_entity_is_malformed() -> None:
    with pytest.raises(InventoryRejectedError, match="malformed XML"):
        xml_request(b"<REQUEST><QUERY>&x;</QUERY></REQUEST>")


@pytest.mark.parametrize(
    "name",
    ["fusioninventory-agent-2.6-local-inventory.xml", "ocsinventory-agent-2.10-inventory-nosoftware.xml"],
)
def test_the_fingerprint_is_the_one_stored_before(name: str) -> None:
    request = xml_request(sample(name))
    report = report_from_content(request.device_id, request.content)

    former = hashlib.sha256(json.dumps(asdict(report), sort_keys=True, default=str).encode()).hexdigest()

    assert report.digest() == former


def _digest(body: bytes) -> str:
    return (json_body_fingerprint(body) or ("", ""))[1]


def test_the_json_fingerprint_ignores_only_volatile_values() -> None:
    body = sample("glpi-agent-laptop.json")
    with_boot = body.replace(b'"arch": "64-bit",', b'"arch": "64-bit", "boot_time": "2026-11-22 08:00:00",')
    device_id, digest = json_body_fingerprint(with_boot) or ("", "")

    assert device_id == "pc-compta-03-2026-10-02-08-15-00"
    assert _digest(with_boot.replace(b"2026-11-22 08:00:00", b"2026-11-23 07:59:00")) == digest
    assert _digest(with_boot.replace(b'"memory": 16035', b'"memory": 32070')) != digest
    # A key hidden inside a string value is not a key: it stays in the fingerprint.
    hidden = with_boot.replace(b'"version": "23H2"', b'"version": "x \\"uptime\\": \\"1\\""')
    assert _digest(hidden) != _digest(hidden.replace(b'\\"1\\"', b'\\"2\\"'))
    assert json_body_fingerprint(b'{"action": "contact", "deviceid": "x"}') is None
