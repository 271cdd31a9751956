"""Reading what the inventory agents send: bodies (zlib, gzip or plain), the FusionInventory / OCS XML
(``<REQUEST><QUERY>PROLOG|INVENTORY</QUERY>…``) and the GLPI Agent JSON inventory, into one
:class:`InventoryReport`.

Hostile input is refused, never half read: the body is inflated with a ceiling (a zip bomb stops at
``max_bytes``), the XML parser is defusedxml's with DTDs, entities and external references refused,
and every error is an :class:`InventoryRejectedError` carrying the message the agent gets back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from escalade.assets.models import AssetKind
from escalade.assets.normalise import mac_normalise, version_key


class InventoryRejectedError(Exception):
    """The body cannot be read as an inventory: answered 4xx with this message; nothing written."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def inflate(body: bytes, *, max_bytes: int) -> bytes:
    """The body as the agent meant it: zlib (``78 ..``), gzip (``1f 8b``) or plain, at most ``max_bytes``."""
    if body[:2] == b"\x1f\x8b":
        wbits = 16 + zlib.MAX_WBITS
    elif len(body) > 1 and body[0] == 0x78 and (body[0] * 256 + body[1]) % 31 == 0:
        wbits = zlib.MAX_WBITS
    else:
        if len(body) > max_bytes:
            raise InventoryRejectedError("inventory too large", status=413)
        return body
    inflater = zlib.decompressobj(wbits)
    try:
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error as error:
        raise InventoryRejectedError(f"corrupt compressed body: {error}") from error
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise InventoryRejectedError("inventory too large once uncompressed", status=413)
    if not inflater.eof:
        raise InventoryRejectedError("truncated compressed body")
    return data


@dataclass(frozen=True)
class Software:
    publisher: str
    name: str
    version: str
    installed_on: str | None = None


@dataclass(frozen=True)
class Interface:
    name: str
    mac: str
    ip: str


@dataclass
class InventoryReport:
    """What one inventory says about one machine, in Escalade's terms (both formats end here)."""

    device_id: str
    name: str
    serial: str = ""
    system_uuid: str = ""
    manufacturer: str = ""
    model: str = ""
    kind: str = AssetKind.COMPUTER
    operating_system: str = ""
    user_login: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    interfaces: list[Interface] = field(default_factory=list)
    software: list[Software] = field(default_factory=list)

    def digest(self) -> str:
        """A fingerprint of everything Escalade keeps: equal fingerprints, nothing to write."""
        payload = json.dumps(asdict(self), sort_keys=True, default=str).encode()
        return hashlib.sha256(payload).hexdigest()

    @property
    def macs(self) -> list[str]:
        return sorted({interface.mac for interface in self.interfaces if interface.mac})


# --- XML (FusionInventory, OCS) -------------------------------------------------------------------


def _element_dict(element: Element) -> dict[str, Any]:
    """``<HARDWARE><NAME>vm</NAME>…`` → ``{"name": "vm", …}``; repeated children become lists."""
    result: dict[str, Any] = {}
    for child in element:
        key = child.tag.lower()
        value: Any = _element_dict(child) if len(child) else (child.text or "").strip()
        if key in result:
            existing = result[key]
            if not isinstance(existing, list):
                result[key] = existing = [existing]
            existing.append(value)
        else:
            result[key] = value
    return result


@dataclass(frozen=True)
class XmlRequest:
    query: str
    device_id: str
    content: dict[str, Any]


def xml_request(data: bytes) -> XmlRequest:
    """Parse one ``<REQUEST>``: DTDs, entities and external references are refused."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise InventoryRejectedError(f"forbidden XML construct: {type(error).__name__}") from error
    except ParseError as error:
        raise InventoryRejectedError(f"malformed XML: {error}") from error
    if root.tag != "REQUEST":
        raise InventoryRejectedError("the XML root must be <REQUEST>")
    query = (root.findtext("QUERY") or "").strip().upper()
    device_id = (root.findtext("DEVICEID") or "").strip()
    if not query or not device_id:
        raise InventoryRejectedError("<QUERY> and <DEVICEID> are required")
    content_element = root.find("CONTENT")
    content = _element_dict(content_element) if content_element is not None else {}
    return XmlRequest(query=query, device_id=device_id[:200], content=content)


# Elements that change at every run of an agent and that no report reads: the log date, the boot time,
# the last login's date (FusionInventory), the last contact and the uptime (OCS).
_VOLATILE_XML = re.compile(rb"<(LOGDATE|BOOT_TIME|DATELASTLOGGEDUSER|LASTDATE|LASTCOME|UPTIME)>[^<]*</\1>")
_XML_DEVICE_ID = re.compile(rb"<DEVICEID>([^<]{1,200})</DEVICEID>")


def xml_body_fingerprint(data: bytes) -> tuple[str, str] | None:
    """``(device id, fingerprint)`` of an XML ``INVENTORY`` body without its volatile elements, read
    without parsing it; None where that shortcut does not apply (another query, no device id, CDATA
    sections, which could hide a volatile-looking element inside a value). Two bodies with one
    fingerprint make one report, so an asset whose last body had it is unchanged."""
    if b"<QUERY>INVENTORY</QUERY>" not in data or b"<![CDATA[" in data:
        return None
    found = _XML_DEVICE_ID.search(data)
    if found is None:
        return None
    device_id = found.group(1).decode("utf-8", "replace").strip()
    return device_id, hashlib.sha256(_VOLATILE_XML.sub(b"", data)).hexdigest()


# --- JSON (GLPI Agent) ----------------------------------------------------------------------------


def json_request(data: bytes) -> dict[str, Any]:
    """The GLPI Agent's JSON message (``action`` ``contact`` or ``inventory``)."""
    try:
        message = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise InventoryRejectedError(f"malformed JSON: {error}") from error
    if not isinstance(message, dict):
        raise InventoryRejectedError("the JSON message must be an object")
    return message


# --- One report from either ---------------------------------------------------------------------


def _listed(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _text(section: Any, *keys: str, limit: int = 200) -> str:
    if not isinstance(section, dict):
        return ""
    for key in keys:
        value = section.get(key)
        if value not in (None, "") and not isinstance(value, dict | list):
            return str(value).strip()[:limit]
    return ""


_PLACEHOLDER_SERIALS = {"to be filled by o.e.m.", "default string", "system serial number", "none", "0"}


def _identifier(value: str) -> str:
    return "" if value.lower() in _PLACEHOLDER_SERIALS else value


def _kind(hardware: dict[str, Any]) -> str:
    chassis = _text(hardware, "chassis_type").lower()
    vmsystem = _text(hardware, "vmsystem").lower()
    if vmsystem and vmsystem != "physical":
        return AssetKind.VIRTUAL_MACHINE
    if chassis in {"laptop", "notebook", "portable", "sub notebook", "convertible", "detachable"}:
        return AssetKind.LAPTOP
    if chassis in {"rack mount chassis", "blade", "server", "multi-system chassis"}:
        return AssetKind.SERVER
    return AssetKind.COMPUTER


def _interfaces(content: dict[str, Any]) -> list[Interface]:
    found: set[Interface] = set()
    for network in _listed(content.get("networks")):
        if str(network.get("virtualdev", "")).lower() in {"1", "true"}:
            continue
        mac = mac_normalise(_text(network, "mac", "macaddr"))
        ip = _text(network, "ipaddress", limit=45)
        if ip.startswith("127.") or not (mac or ip):
            continue
        found.add(Interface(name=_text(network, "description", limit=100), mac=mac, ip=ip))
    return sorted(found, key=lambda item: (item.name, item.mac, item.ip))


def _date(value: str) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        pass
    for form in ("%d/%m/%Y",):
        try:
            return dt.datetime.strptime(value[:10], form).date().isoformat()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    return None


def _software(content: dict[str, Any]) -> list[Software]:
    seen: dict[tuple[str, str, str], Software] = {}
    for item in _listed(content.get("softwares")):
        name = _text(item, "name")
        if not name:
            continue
        entry = Software(
            publisher=_text(item, "publisher"), name=name, version=version_key(_text(item, "version")),
            installed_on=_date(_text(item, "install_date", "installdate")),
        )  # fmt: skip
        seen.setdefault((entry.publisher.lower(), entry.name.lower(), entry.version), entry)
    return sorted(seen.values(), key=lambda s: (s.name.lower(), s.publisher.lower(), s.version))


def _attributes(content: dict[str, Any]) -> dict[str, Any]:
    hardware = content.get("hardware") or {}
    cpus = _listed(content.get("cpus"))
    storages = _listed(content.get("storages"))
    memory = _text(hardware, "memory")
    attributes: dict[str, Any] = {
        "cpu": _text(cpus[0], "name") if cpus else _text(hardware, "processort"),
        "cpu_count": len(cpus) or None,
        "memory_mb": int(memory) if memory.isdigit() else None,
        "disks": sorted(
            f"{_text(s, 'name', limit=60)} {_text(s, 'disksize', limit=20)}".strip() for s in storages
        ),
    }
    return {key: value for key, value in attributes.items() if value not in (None, "", [])}


def _section(content: dict[str, Any], name: str) -> dict[str, Any]:
    value = content.get(name)
    return value if isinstance(value, dict) else {}


def report_from_content(device_id: str, content: dict[str, Any]) -> InventoryReport:
    """The report of one inventory's ``CONTENT`` (XML, lowercased) or ``content`` (JSON)."""
    hardware = _section(content, "hardware")
    bios = _section(content, "bios")
    system = _section(content, "operatingsystem")
    users = _listed(content.get("users"))
    name = _text(hardware, "name") or _text(system, "fqdn") or device_id
    operating_system = _text(system, "full_name") or _text(hardware, "osname")
    return InventoryReport(
        device_id=device_id[:200],
        name=name,
        serial=_identifier(_text(bios, "ssn", limit=120)),
        system_uuid=_identifier(_text(hardware, "uuid", limit=64).lower()),
        manufacturer=_text(bios, "smanufacturer", "mmanufacturer", limit=120),
        model=_text(bios, "smodel", "mmodel"),
        kind=_kind(hardware),
        operating_system=operating_system,
        user_login=_text(users[0], "login", limit=150)
        if users
        else _text(hardware, "lastloggeduser", limit=150),
        attributes=_attributes(content),
        interfaces=_interfaces(content),
        software=_software(content),
    )
