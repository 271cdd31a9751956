"""Reading what the inventory agents send: bodies (zlib, gzip or plain), the FusionInventory / OCS XML
(``<REQUEST><QUERY>PROLOG|INVENTORY</QUERY>…``) and the GLPI Agent JSON inventory, into one
:class:`InventoryReport`.

Hostile input is refused, never half read: the body is inflated with a ceiling (a zip bomb stops at
``max_bytes``), the XML is read by expat in one streaming pass that refuses DTDs, entity declarations
and external references as defusedxml does (its exceptions, its messages), and every error is an
:class:`InventoryRejectedError` carrying the message the agent gets back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

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
        """A fingerprint of everything Escalade keeps: equal fingerprints, nothing to write. The JSON of
        the report's fields, built part by part (the same text ``dataclasses.asdict`` gave, without its
        deep copies, so the fingerprints stored before still compare equal)."""
        payload = {
            "attributes": self.attributes, "device_id": self.device_id, "kind": self.kind,
            "interfaces": [{"name": i.name, "mac": i.mac, "ip": i.ip} for i in self.interfaces],
            "manufacturer": self.manufacturer, "model": self.model, "name": self.name,
            "operating_system": self.operating_system, "serial": self.serial,
            "software": [
                {"publisher": item.publisher, "name": item.name, "version": item.version,
                 "installed_on": item.installed_on}
                for item in self.software
            ],
            "system_uuid": self.system_uuid, "user_login": self.user_login,
        }  # fmt: skip
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def macs(self) -> list[str]:
        return sorted({interface.mac for interface in self.interfaces if interface.mac})


# --- XML (FusionInventory, OCS) -------------------------------------------------------------------

# What a report reads of ``<CONTENT>`` (lowercased): its sections and, in each, the fields
# :func:`report_from_content` looks at; the rest (processes, local users, controllers, file sizes…) is
# skipped while parsing. ``versionclient`` (a leaf) names the agent.
REPORT_FIELDS: dict[str, frozenset[str]] = {
    "hardware": frozenset(
        {"name", "uuid", "chassis_type", "vmsystem", "osname", "lastloggeduser", "memory", "processort"}
    ),
    "bios": frozenset({"ssn", "smanufacturer", "mmanufacturer", "smodel", "mmodel"}),
    "operatingsystem": frozenset({"fqdn", "full_name"}),
    "users": frozenset({"login"}),
    "cpus": frozenset({"name"}),
    "storages": frozenset({"name", "disksize"}),
    "networks": frozenset({"virtualdev", "mac", "macaddr", "ipaddress", "description"}),
    "softwares": frozenset({"name", "publisher", "version", "install_date", "installdate"}),
    "versionclient": frozenset(),
}


@dataclass(frozen=True)
class XmlRequest:
    query: str
    device_id: str
    content: dict[str, Any]


class _RequestReader:
    """Streaming handlers of one ``<REQUEST>`` (expat): ``QUERY``, ``DEVICEID`` and the fields of
    :data:`REPORT_FIELDS` in the first ``CONTENT``, shaped as a whole-tree read gives them
    (``<HARDWARE><NAME>vm`` → ``{"hardware": {"name": "vm"}}``, repeated elements as lists, a field
    with children as a dict, which no report reads), without building the tree. Text is collected
    only for those elements: the character handler is set while one is open."""

    __slots__ = ("content", "depth", "device_id", "field", "fields", "in_content", "parser", "query", "root",
                 "section", "text", "top", "wanted")  # fmt: skip

    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.root = ""
        self.query: str | None = None
        self.device_id: str | None = None
        self.content: dict[str, Any] = {}
        self.depth = 0
        self.top = ""  # QUERY or DEVICEID while its text is read
        self.in_content = 0  # 1 inside the first CONTENT, 2 once it is closed
        self.section = ""  # the report's section being read ("" elsewhere)
        self.wanted: frozenset[str] = frozenset()  # its fields a report reads
        self.fields: dict[str, Any] | None = None  # its fields, None while it has no child element
        self.field = ""  # the field being read ("" for one no report reads)
        self.text: list[str] = []

    def _collect(self) -> None:
        self.text = []
        self.parser.CharacterDataHandler = self.text.append

    def _stop(self) -> str:
        self.parser.CharacterDataHandler = None
        return "".join(self.text).strip()

    def start(self, tag: str, _attributes: object) -> None:
        self.depth = depth = self.depth + 1
        if depth == 1:
            self.root = tag
        elif depth == 2:
            if tag == "CONTENT" and not self.in_content:
                self.in_content = 1
            elif (tag == "QUERY" and self.query is None) or (tag == "DEVICEID" and self.device_id is None):
                self.top = tag
                self._collect()
        elif depth == 3:
            if self.top:  # only the text before a child counts (a whole-tree read's ``findtext``)
                self._keep_top()
            if self.in_content == 1:
                key = tag.lower()
                wanted = REPORT_FIELDS.get(key)
                self.section, self.fields = (key, None) if wanted is not None else ("", None)
                if wanted is not None:
                    self.wanted = wanted
                    self._collect()  # a leaf section's text (VERSIONCLIENT)
        elif self.section:
            self._start_in_section(tag, depth)

    def _start_in_section(self, tag: str, depth: int) -> None:
        if depth == 4:
            if self.fields is None:
                self._stop()
                self.fields = {}
            key = tag.lower()
            self.field = key if key in self.wanted else ""
            if self.field:
                self._collect()
        elif depth == 5 and self.field:  # a field with children: a dict, not text
            self._stop()
            _add(self.fields, self.field, {})  # type: ignore[arg-type]  # a field means fields
            self.field = ""

    def end(self, tag: str) -> None:
        depth = self.depth
        self.depth = depth - 1
        if depth == 2:
            if tag == "CONTENT" and self.in_content == 1:
                self.in_content = 2
            elif self.top == tag:
                self._keep_top()
        elif not self.section:
            return
        elif depth == 4:
            if self.field:
                _add(self.fields, self.field, self._stop())  # type: ignore[arg-type]  # a field means fields
                self.field = ""
        elif depth == 3:
            _add(self.content, self.section, self._stop() if self.fields is None else self.fields)
            self.section, self.fields = "", None

    def _keep_top(self) -> None:
        if self.top == "QUERY":
            self.query = self._stop()
        else:
            self.device_id = self._stop()
        self.top = ""


def _add(target: dict[str, Any], key: str, value: Any) -> None:
    """``target[key] = value``, or a list of values for a repeated key (as ``_element_dict`` did)."""
    if key in target:
        existing = target[key]
        if not isinstance(existing, list):
            target[key] = existing = [existing]
        existing.append(value)
    else:
        target[key] = value


def _refuse_dtd(name: str, sysid: str | None, pubid: str | None, _internal: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _refuse_entity(name: str, *details: str | bool | None) -> None:
    """expat's ``EntityDeclHandler(name, is_parameter, value, base, sysid, pubid, notation)``."""
    value, base, sysid, pubid, notation = (str(d) if d is not None else None for d in details[1:6])
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _refuse_unparsed_entity(name: str, base: str | None, sysid: str | None, pubid: str | None,
                            notation: str | None) -> None:  # fmt: skip
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _refuse_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def xml_request(data: bytes) -> XmlRequest:
    """Parse one ``<REQUEST>`` in one streaming pass (expat, no tree): DTDs, entity declarations and
    external references are refused as defusedxml refuses them, whatever the document's size (the
    body is already capped by :func:`inflate`)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    reader = _RequestReader(parser)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_unparsed_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    try:
        parser.Parse(data, True)  # noqa: FBT003 - pyexpat takes no keyword
    except DefusedXmlException as error:
        raise InventoryRejectedError(f"forbidden XML construct: {type(error).__name__}") from error
    except expat.ExpatError as error:
        raise InventoryRejectedError(f"malformed XML: {error}") from error
    if reader.root != "REQUEST":
        raise InventoryRejectedError("the XML root must be <REQUEST>")
    query = (reader.query or "").upper()
    device_id = reader.device_id or ""
    if not query or not device_id:
        raise InventoryRejectedError("<QUERY> and <DEVICEID> are required")
    return XmlRequest(query=query, device_id=device_id[:200], content=reader.content)


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

# The same volatile values in a GLPI Agent message (``"boot_time": "…"``): a key is matched only where a
# key can start (after ``{``, ``,`` or a space; inside a string a quote is always escaped), its value
# a plain string or number.
_VOLATILE_JSON = re.compile(
    rb'(?<=[{,\s])"(?:logdate|boot_time|datelastloggeduser|lastdate|lastcome|uptime)"\s*:\s*'
    rb'(?:"[^"\\]*"|-?[0-9][0-9.eE+-]*)'
)
_JSON_DEVICE_ID = re.compile(rb'(?<=[{,\s])"deviceid"\s*:\s*"([^"\\]{1,200})"')
_JSON_INVENTORY = re.compile(rb'(?<=[{,\s])"action"\s*:\s*"inventory"')


def json_body_fingerprint(data: bytes) -> tuple[str, str] | None:
    """``(device id, fingerprint)`` of a GLPI Agent ``inventory`` message without its volatile
    values, read without parsing it (as :func:`xml_body_fingerprint`); None where the shortcut does not
    apply (another action, no plain device id)."""
    if _JSON_INVENTORY.search(data) is None:
        return None
    found = _JSON_DEVICE_ID.search(data)
    if found is None:
        return None
    device_id = found.group(1).decode("utf-8", "replace").strip()
    return device_id, hashlib.sha256(b"json:" + _VOLATILE_JSON.sub(b"", data)).hexdigest()


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
