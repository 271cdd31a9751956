"""The endpoint the inventory agents post to: ``/inventory/<token>/``.

One address per organisation (its enrolment token), two dialects, told apart by the body:

* FusionInventory / OCS Inventory (XML, zlib or gzip as the agents send it): ``PROLOG`` is answered
  ``<REPLY><RESPONSE>SEND</RESPONSE><PROLOG_FREQ>…``, then ``INVENTORY`` is applied. The reply is
  compressed the way the request was (zlib at level 6, whose ``78 9c`` header is the only one the
  FusionInventory agent recognises), so both agents read it.
* GLPI Agent (JSON, plain or compressed): ``{"action": "contact"}`` is answered with the inventory
  task, ``{"action": "inventory", "content": …}`` is applied.

An unknown or disabled token is refused (403) and logged with the caller's address; a body that cannot
be read is refused (4xx) before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zlib

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from escalade.assets.inventory import inventory_apply, inventory_unchanged
from escalade.assets.models import InventoryToken
from escalade.assets.parsers import (
    InventoryRejectedError,
    inflate,
    json_body_fingerprint,
    json_request,
    report_from_content,
    xml_body_fingerprint,
    xml_request,
)
from escalade.orgs.models import Organisation

logger = logging.getLogger(__name__)

PROLOG_FREQ_HOURS = 24


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_find(token: str) -> InventoryToken | None:
    """The active enrolment token ``token`` names, of an active organisation, or None. A raw statement:
    every agent request starts here, and composing the ORM's join cost more than running it."""
    if not token or len(token) > 200:
        return None
    tokens = connection.ops.quote_name(InventoryToken._meta.db_table)
    organisations = connection.ops.quote_name(Organisation._meta.db_table)
    found = InventoryToken.objects.raw(
        f"SELECT t.* FROM {tokens} t JOIN {organisations} o ON o.id = t.organisation_id"  # noqa: S608 - names from _meta
        " WHERE t.token_hash = %s AND t.is_active AND o.is_active LIMIT 1",
        [token_hash(token)],
    )
    return next(iter(found), None)


def _xml_reply(body: str, *, compressed: bool) -> HttpResponse:
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n<REPLY>{body}</REPLY>'.encode()
    if compressed:
        return HttpResponse(zlib.compress(data, 6), content_type="application/x-compress-zlib")
    return HttpResponse(data, content_type="application/xml")


def _refusal(error: InventoryRejectedError, *, is_json: bool) -> HttpResponse:
    if is_json:
        return JsonResponse({"status": "error", "message": str(error)}, status=error.status)
    return HttpResponse(str(error), status=error.status, content_type="text/plain; charset=utf-8")


def _read_body(request: HttpRequest) -> bytes:
    limit = settings.CONFIG.inventory_max_mb * 1_048_576
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise InventoryRejectedError("inventory too large", status=413)
    body = request.read(limit + 1)
    if len(body) > limit:
        raise InventoryRejectedError("inventory too large", status=413)
    if not body:
        raise InventoryRejectedError("empty body")
    return inflate(body, max_bytes=limit)


@csrf_exempt
@require_POST
def agent_endpoint(request: HttpRequest, token: str) -> HttpResponse:
    """Receive a PROLOG, an INVENTORY (XML) or a contact / inventory message (JSON) from an agent."""
    content_type = (request.content_type or "").lower()
    compressed = "compress" in content_type or "gzip" in content_type
    is_json = "json" in content_type
    enrolment = token_find(token)
    if enrolment is None:
        logger.warning(
            "inventory refused: unknown or disabled enrolment token from %s (%s)",
            request.META.get("REMOTE_ADDR"), request.headers.get("User-Agent", "")[:100],
        )  # fmt: skip
        return _refusal(InventoryRejectedError("unknown enrolment token", status=403), is_json=is_json)
    try:
        data = _read_body(request)
        is_json = data.lstrip()[:1] == b"{"
        agent = request.headers.get("User-Agent", "")
        response = (
            _json_exchange(enrolment, data) if is_json else _xml_exchange(enrolment, data, compressed, agent)
        )
    except InventoryRejectedError as error:
        logger.info("inventory refused for organisation %s: %s", enrolment.organisation_id, error)
        return _refusal(error, is_json=is_json)
    _token_used(enrolment)
    return response


def _token_used(enrolment: InventoryToken) -> None:
    """Note when the token was last used, at most once per resolution (an unchanged re-inventory
    writes nothing)."""
    now = timezone.now()
    resolution = dt.timedelta(minutes=settings.CONFIG.assets_seen_resolution_minutes)
    if enrolment.last_used_at is None or now - enrolment.last_used_at >= resolution:
        InventoryToken.objects.filter(pk=enrolment.pk).update(last_used_at=now)


def _xml_exchange(enrolment: InventoryToken, data: bytes, compressed: bool, agent: str) -> HttpResponse:
    fingerprint = xml_body_fingerprint(data)
    if fingerprint is not None and inventory_unchanged(
        token=enrolment, device_id=fingerprint[0], body_digest=fingerprint[1]
    ):
        return _xml_reply("<RESPONSE>no_account_update</RESPONSE>", compressed=compressed)
    request = xml_request(data)
    if request.query == "PROLOG":
        reply = f"<RESPONSE>SEND</RESPONSE><PROLOG_FREQ>{PROLOG_FREQ_HOURS}</PROLOG_FREQ>"
        return _xml_reply(reply, compressed=compressed)
    if request.query != "INVENTORY":
        raise InventoryRejectedError(f"unsupported query {request.query[:40]}")
    if not request.content:
        raise InventoryRejectedError("an INVENTORY needs its <CONTENT>")
    report = report_from_content(request.device_id, request.content)
    body_digest = fingerprint[1] if fingerprint and fingerprint[0] == request.device_id else ""
    inventory_apply(
        token=enrolment, report=report, source=_agent_name(request.content, agent), body_digest=body_digest
    )
    return _xml_reply("<RESPONSE>no_account_update</RESPONSE>", compressed=compressed)


def _agent_name(content: dict[str, object], user_agent: str) -> str:
    """The agent's name for the history ("FusionInventory-Agent", "OCS-NG_unified_unix_agent")."""
    version = str(content.get("versionclient") or user_agent or "agent")
    return version.split("_v", 1)[0][:40] or "agent"


def _json_exchange(enrolment: InventoryToken, data: bytes) -> HttpResponse:
    fingerprint = json_body_fingerprint(data)
    if fingerprint is not None and inventory_unchanged(
        token=enrolment, device_id=fingerprint[0], body_digest=fingerprint[1]
    ):
        return JsonResponse({"status": "ok", "expiration": PROLOG_FREQ_HOURS})
    message = json_request(data)
    action = str(message.get("action") or message.get("query") or "").lower()
    device_id = str(message.get("deviceid") or "").strip()
    if not device_id:
        raise InventoryRejectedError("deviceid is required")
    if action == "contact":
        tasks = {"inventory": {"server": "glpi", "version": "1.0"}}
        return JsonResponse({"status": "ok", "expiration": PROLOG_FREQ_HOURS, "tasks": tasks})
    if action != "inventory":
        raise InventoryRejectedError(f"unsupported action {action[:40]}")
    content = message.get("content")
    if not isinstance(content, dict) or not isinstance(content.get("hardware"), dict):
        raise InventoryRejectedError("an inventory needs content.hardware")
    report = report_from_content(device_id, content)
    body_digest = fingerprint[1] if fingerprint and fingerprint[0] == device_id else ""
    inventory_apply(token=enrolment, report=report, source="glpi-agent", body_digest=body_digest)
    return JsonResponse({"status": "ok", "expiration": PROLOG_FREQ_HOURS})
