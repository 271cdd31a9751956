"""The action registry: what a rule or a time automation can do to a ticket.

Every action type, built in or added by another app, is an :class:`ActionType` registered with
:func:`register` from an ``AppConfig.ready()``::

    register(ActionType(
        key="webhook", label=_("Call a webhook"), value_label=_("Webhook"), text_label=None,
        parse=parse_webhook, run=run_webhook, describe=describe_webhook,
    ))

- ``parse(value, text)`` turns what the desk form sends (one short value, one long text) into the
  action's JSON ``params``, raising :class:`~escalade.core.errors.ValidationFailed` on bad input;
  it is also how stored params are checked again (``unparse`` gives the form its two inputs back);
- ``run(ticket, params, context)`` applies the action through the services, in the caller's
  transaction, and returns the ticket as it now is (or ``None`` when the ticket itself did not change);
  it must not send anything inline (after-commit work goes to the outbox);
- ``describe(params)`` says what the action does, in plain words of the active language (the rule
  page, the dry run and the ticket's timeline use it, at read time, in the reader's language).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.services import JSONValue
from escalade.tickets.models import Ticket

Params = dict[str, JSONValue]
MAX_ACTIONS = 20


@dataclass(frozen=True, kw_only=True)
class ActionContext:
    """Who acts (the rule's system actor) and what triggered it."""

    actor: Actor
    rule_name: str
    trigger_event_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class ActionType:
    """One kind of action (see the module's docstring for the contract of each callable)."""

    key: str
    label: Promise
    parse: Callable[[str, str], Params]
    run: Callable[[Ticket, Mapping[str, Any], ActionContext], Ticket | None]
    describe: Callable[[Mapping[str, Any]], str]
    unparse: Callable[[Mapping[str, Any]], tuple[str, str]] = field(
        default=lambda params: (str(params.get("value", "")), str(params.get("text", "")))
    )
    value_label: Promise | None = None
    text_label: Promise | None = None
    value_choices: Callable[[], list[tuple[str, str]]] | None = None


_registry: dict[str, ActionType] = {}


def register(action: ActionType) -> ActionType:
    """Add (or replace, under the same key) an action type."""
    _registry[action.key] = action
    return action


def action_types() -> list[ActionType]:
    """The registered action types, in registration order."""
    return list(_registry.values())


def action_type(key: str) -> ActionType | None:
    return _registry.get(key)


def actions_check(data: object) -> list[dict[str, JSONValue]]:
    """Check a list of ``{"type", "params"}`` (as stored or built by the form): every type known, every
    params valid for its type. Errors name the faulty item: ``actions.1.params``."""
    if data in (None, []):
        return []
    if not isinstance(data, list) or len(data) > MAX_ACTIONS:
        raise ValidationFailed(_("At most %(count)s actions.") % {"count": MAX_ACTIONS}, field="actions")
    checked: list[dict[str, JSONValue]] = []
    for n, item in enumerate(data):
        if not isinstance(item, Mapping) or not isinstance(item.get("params", {}), Mapping):
            raise ValidationFailed(_("An action needs a type and its settings."), field=f"actions.{n}")
        kind = action_type(str(item.get("type", "")))
        if kind is None:
            raise ValidationFailed(
                _("Unknown action “%(type)s”.") % {"type": item.get("type")}, field=f"actions.{n}.type"
            )
        value, text = kind.unparse(item.get("params") or {})
        try:
            params = kind.parse(value, text)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, field=f"actions.{n}.params") from error
        checked.append({"type": kind.key, "params": params})
    return checked


def action_describe(item: Mapping[str, Any]) -> str:
    """One action in plain words (an unknown type, e.g. of an app since removed, says so)."""
    kind = action_type(str(item.get("type", "")))
    if kind is None:
        return _("unknown action “%(type)s”") % {"type": item.get("type")}
    try:
        return kind.describe(item.get("params") or {})
    except (KeyError, TypeError, ValueError):
        return str(kind.label)
