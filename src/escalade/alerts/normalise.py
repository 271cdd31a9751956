"""Reading intake bodies into :class:`Incoming` alerts: Alertmanager's webhook (version 4) and a generic
JSON body read through a source's ``mapping``.

A generic mapping names dotted paths into the body (``heartbeat.status``, ``alerts``)::

    {"items": "alerts",                    # a list of alerts; absent: the body is one alert
     "fingerprint": ["labels.alertname", "labels.instance"],   # one path, or several joined
     "status": "status", "resolved_values": ["resolved", "OK", "1"],
     "title": "labels.alertname", "description": "annotations.summary",
     "labels": "labels"}                   # a path to an object, or {"name": "path", ...}

A body that cannot be read raises :class:`MalformedPayload` with the reason (the caller answers 4xx).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MAX_ALERTS = 1000  # per body; Alertmanager truncates at max_alerts (0: unlimited) too


class MalformedPayload(ValueError):  # noqa: N818 - reads as what it is at the raise sites
    """The body is not what the source's format expects; ``str()`` is the reason, for the caller."""


@dataclass(frozen=True)
class Incoming:
    """One alert notification, whatever its source: firing or resolved, its identity and its labels."""

    fingerprint: str
    is_resolved: bool
    title: str
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedPayload(_("The body is not JSON: %(error)s") % {"error": error}) from error


def _text(value: object, limit: int = 200) -> str:
    if isinstance(value, str):
        return value[:limit]
    if value is None:
        return ""
    return json.dumps(value)[:limit] if isinstance(value, dict | list) else str(value)[:limit]


def _labels(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key)[:100]: _text(item, 500) for key, item in value.items()}


def fingerprint_of(labels: Mapping[str, str]) -> str:
    """A stable fingerprint from labels, when the source gives none."""
    canonical = json.dumps(dict(sorted(labels.items())), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def alertmanager_alerts(body: object) -> list[Incoming]:
    """The alerts of an Alertmanager webhook body (``version`` "4")."""
    if not isinstance(body, Mapping):
        raise MalformedPayload(_("Expected a JSON object."))
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise MalformedPayload(_("No “alerts” list in the body."))
    incoming = []
    for position, alert in enumerate(alerts[:MAX_ALERTS]):
        if not isinstance(alert, Mapping) or not isinstance(alert.get("labels"), Mapping):
            raise MalformedPayload(_("Alert %(n)s has no labels.") % {"n": position + 1})
        status = alert.get("status", body.get("status"))
        if status not in {"firing", "resolved"}:
            raise MalformedPayload(_("Alert %(n)s has no firing/resolved status.") % {"n": position + 1})
        labels = _labels(alert["labels"])
        annotations = _labels(alert.get("annotations"))
        incoming.append(
            Incoming(
                fingerprint=_text(alert.get("fingerprint")) or fingerprint_of(labels),
                is_resolved=status == "resolved",
                title=annotations.get("summary") or labels.get("alertname") or _("Alert"),
                description=annotations.get("description", ""),
                labels=labels,
            )
        )
    return incoming


def value_at(body: object, path: str) -> object:
    """The value at a dotted path (``heartbeat.status``; list items by number: ``alerts.0``), or None."""
    current = body
    for part in path.split(".") if path else []:
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def _generic_one(item: object, mapping: Mapping[str, Any], position: int) -> Incoming:
    labels_spec = mapping.get("labels", "labels")
    if isinstance(labels_spec, Mapping):
        labels = {str(name): _text(value_at(item, str(path)), 500) for name, path in labels_spec.items()}
        labels = {name: value for name, value in labels.items() if value}
    else:
        labels = _labels(value_at(item, str(labels_spec)))
    paths = mapping.get("fingerprint") or []
    parts = [_text(value_at(item, str(path))) for path in ([paths] if isinstance(paths, str) else paths)]
    if paths and not any(parts):
        raise MalformedPayload(_("Alert %(n)s has no fingerprint value.") % {"n": position + 1})
    status = value_at(item, str(mapping.get("status", "status")))
    if status is None:
        raise MalformedPayload(_("Alert %(n)s has no status value.") % {"n": position + 1})
    resolved_values = {str(value).lower() for value in mapping.get("resolved_values", ["resolved", "ok"])}
    title = _text(value_at(item, str(mapping.get("title", "title"))))
    return Incoming(
        fingerprint="|".join(parts)[:200] if paths else fingerprint_of(labels),
        is_resolved=_text(status).lower() in resolved_values,
        title=title or labels.get("alertname", "") or _("Alert"),
        description=_text(value_at(item, str(mapping.get("description", "description"))), 5000),
        labels=labels,
    )


def generic_alerts(body: object, mapping: Mapping[str, Any]) -> list[Incoming]:
    """The alerts of a generic JSON body read through ``mapping`` (see the module's docstring)."""
    if not isinstance(body, Mapping):
        raise MalformedPayload(_("Expected a JSON object."))
    items_path = mapping.get("items")
    items: object = value_at(body, str(items_path)) if items_path else [body]
    if not isinstance(items, list) or not items:
        raise MalformedPayload(_("No alerts at “%(path)s”.") % {"path": items_path})
    return [_generic_one(item, mapping, position) for position, item in enumerate(items[:MAX_ALERTS])]
