"""The rules engine on the event path (subscription ``automation.rules``, order 30).

For each published ticket event, the active rules whose triggers match run in order (``position``):
conditions are evaluated against the ticket and the event (:mod:`.conditions`), then the actions run
through the ticket services as the rule's system actor, each in its savepoint (a failing action is
logged, noted on the rule and skipped: the change that triggered the rule still commits), and one
``ticket.rule_fired`` event names the rule and what it did.

Loop guard: the rules already fired in the current chain of events are kept in a ContextVar; an
action's own events are published (nested) with that set, so they may trigger *other* rules but a
rule fires at most once per chain.

The compiled active rules are kept per process and reloaded when the rules' version (in Django's
cache, bumped by the rule services) changes, or after :data:`MAX_AGE` seconds at most.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.automation.actions import ActionContext, action_describe, action_type
from escalade.automation.conditions import Conditions, conditions_check, evaluate
from escalade.automation.models import Rule, TimeRule, Trigger
from escalade.core.actors import Actor
from escalade.core.events import Published
from escalade.core.models import Event
from escalade.core.services import JSONValue
from escalade.tickets.models import Ticket
from escalade.tickets.services._common import record

logger = logging.getLogger(__name__)

VERSION_KEY = "escalade:automation:rules-version"
MAX_AGE = 60.0  # seconds: the longest a process keeps rules if a version bump was lost
VERSION_READ_SECONDS = 1.0
_version_read: tuple[str, float] = ("", 0.0)
FIRED_ACTION = "ticket.rule_fired"

ACTION_TRIGGERS: dict[str, str] = {
    "ticket.created": Trigger.CREATED, "ticket.updated": Trigger.UPDATED,
    "ticket.note_added": Trigger.NOTE_ADDED, "ticket.state_changed": Trigger.STATE_CHANGED,
    "ticket.assigned": Trigger.ASSIGNED, "ticket.priority_changed": Trigger.PRIORITY_CHANGED,
    "ticket.escalated": Trigger.ESCALATED, "ticket.resolved": Trigger.RESOLVED,
    "ticket.reopened": Trigger.REOPENED, "ticket.sla_warning": Trigger.SLA_WARNING,
    "ticket.sla_breached": Trigger.SLA_BREACHED,
}  # fmt: skip

# The rules fired in the current chain of events (None outside any): one set shared by the nested calls.
_chain: ContextVar[set[int] | None] = ContextVar("escalade_automation_chain", default=None)


@dataclass(frozen=True)
class CompiledRule:
    order: int  # place in the run order
    pk: int
    name: str
    organisation_id: int | None
    conditions: Conditions
    actions: tuple[Mapping[str, Any], ...]
    stop_processing: bool


@dataclass
class RuleSet:
    version: str
    loaded_at: float
    by_trigger: dict[str, list[CompiledRule]] = field(default_factory=dict)


_loaded: RuleSet | None = None
_lock = threading.Lock()


def rules_version_bump() -> None:
    """Tell every process that the rules changed (the rule services call it in the transaction and
    again once it has committed, so no process keeps rules read before the commit). This process
    sees it at once; the others within :data:`VERSION_READ_SECONDS`."""
    global _version_read  # noqa: PLW0603
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    _version_read = ("", 0.0)


def rules_forget() -> None:
    """Drop this process's compiled rules and version memo (tests: a rolled-back test's rules)."""
    global _loaded, _version_read
    _loaded, _version_read = None, ("", 0.0)


def _version() -> str:
    """The rules' version, read from the shared cache at most once a second per process (a round trip
    to Redis per event would cost more than the rules themselves)."""
    global _version_read  # noqa: PLW0603 - the per-process memo of the shared version
    version, read_at = _version_read
    if version and time.monotonic() - read_at < VERSION_READ_SECONDS:
        return version
    found = cache.get(VERSION_KEY)
    if found is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        found = cache.get(VERSION_KEY) or ""
    _version_read = (str(found), time.monotonic())
    return str(found)


def active_rules() -> RuleSet:
    """The active rules by trigger, in run order (read from the database only when they changed)."""
    global _loaded  # noqa: PLW0603 - the per-process cache of compiled rules
    version, loaded = _version(), _loaded
    if loaded is not None and loaded.version == version and time.monotonic() - loaded.loaded_at < MAX_AGE:
        return loaded
    rules = RuleSet(version=version, loaded_at=time.monotonic())
    for order, rule in enumerate(Rule.objects.filter(is_active=True).order_by("position", "id")):
        try:
            compiled = CompiledRule(
                order, rule.pk, rule.name, rule.organisation_id, conditions_check(rule.conditions),
                tuple(rule.actions), rule.stop_processing,
            )  # fmt: skip
        except Exception:  # noqa: BLE001 - a rule stored broken (by hand) must not stop the others
            logger.warning("automation rule %s has invalid conditions: skipped", rule.pk)
            continue
        for trigger in rule.triggers:
            rules.by_trigger.setdefault(trigger, []).append(compiled)
    with _lock:
        _loaded = rules
    return rules


def triggers_of(event: Event, ticket: Ticket) -> set[str]:
    """What ``event`` counts as for rules: its action, a state change, who replied."""
    found = set()
    if event.action in ACTION_TRIGGERS:
        found.add(ACTION_TRIGGERS[event.action])
    if "state" in event.changes and event.action not in ("ticket.state_changed", "ticket.created"):
        found.add(Trigger.STATE_CHANGED)
    if event.action == "ticket.replied":
        found.add(Trigger.REPLIED_BY_AGENT if _by_staff(event, ticket) else Trigger.REPLIED_BY_REQUESTER)
    return found


def _by_staff(event: Event, ticket: Ticket) -> bool:
    if event.actor_kind == Event.ActorKind.SYSTEM:
        return True
    if event.actor_id is None or event.actor_id == ticket.requester_id:
        return False
    actor = event.actor  # the service's own user object: no query
    return actor is not None and actor.is_provider_staff


def automation_on_ticket_events(published: Sequence[Published]) -> None:
    """Run the matching rules for each event (subscribed to ``ticket.*``). With no active rule for an
    event's triggers this costs no query."""
    rules = active_rules()
    if not rules.by_trigger:
        return
    for item in published:
        ticket = item.subject
        if not isinstance(ticket, Ticket) or item.event.action == FIRED_ACTION:
            continue
        candidates = _candidates(rules, triggers_of(item.event, ticket))
        if not candidates:
            continue
        if _chain.get() is not None:
            _run_rules(candidates, ticket, item.event)
            continue
        token = _chain.set(set())  # each top-level event starts its own chain
        try:
            _run_rules(candidates, ticket, item.event)
        finally:
            _chain.reset(token)


def _candidates(rules: RuleSet, triggers: Iterable[str]) -> list[CompiledRule]:
    chosen: dict[int, CompiledRule] = {}
    for trigger in triggers:
        for rule in rules.by_trigger.get(trigger, ()):
            chosen.setdefault(rule.pk, rule)
    return sorted(chosen.values(), key=lambda rule: rule.order)


def _run_rules(candidates: list[CompiledRule], subject: Ticket, event: Event) -> None:
    from escalade.automation.facts import TicketFacts  # noqa: PLC0415 - only when a rule may fire

    fired = _chain.get()
    assert fired is not None
    current = subject
    facts = TicketFacts(current, event)
    for rule in candidates:
        if rule.pk in fired or (rule.organisation_id and rule.organisation_id != current.organisation_id):
            continue
        if not evaluate(rule.conditions, facts):
            continue
        fired.add(rule.pk)
        current = actions_apply(
            kind="rule", rule_id=rule.pk, name=rule.name, actions=rule.actions, ticket=current,
            trigger=event,
        )  # fmt: skip
        facts = TicketFacts(current, event)
        if rule.stop_processing:
            break
    if current is not subject:
        _refresh(subject, current)


def _refresh(subject: Ticket, current: Ticket) -> None:
    """Bring the service's own ticket object up to date with what the rules changed (the API answer
    of a creation shows the team a rule chose)."""
    for model_field in Ticket._meta.concrete_fields:
        setattr(subject, model_field.attname, getattr(current, model_field.attname))
    subject._state.fields_cache.clear()


@contextmanager
def chain_of(rule_ids: Iterable[int]) -> Iterator[None]:
    """Run the block as a chain in which ``rule_ids`` already fired (the dry run of a saved rule)."""
    token = _chain.set(set(rule_ids))
    try:
        yield
    finally:
        _chain.reset(token)


def rule_actor(*, kind: str, rule_id: int, name: str) -> Actor:
    """The system actor of a rule: its label names the rule (``rule:12 VIP routing``)."""
    return Actor(kind=Event.ActorKind.SYSTEM, label=f"{kind}:{rule_id} {name}"[:200])


def actions_apply(
    *,
    kind: str,
    rule_id: int,
    name: str,
    actions: Sequence[Mapping[str, Any]],
    ticket: Ticket,
    trigger: Event | None,
) -> Ticket:
    """Run ``actions`` on ``ticket`` in order, each in its savepoint, then record one
    ``ticket.rule_fired`` event; returns the ticket as the actions left it."""
    actor = rule_actor(kind=kind, rule_id=rule_id, name=name)
    context = ActionContext(actor=actor, rule_name=name, trigger_event_id=trigger.pk if trigger else None)
    done: list[JSONValue] = []
    failed: list[JSONValue] = []
    current = ticket
    for item in actions:
        outcome = _run_action(item, current, context)
        if isinstance(outcome, str):
            failed.append({"type": item.get("type"), "params": item.get("params"), "error": outcome})
            _note_failure(kind, rule_id, outcome)
            continue
        current = outcome or current
        done.append({"type": item.get("type"), "params": item.get("params")})
    data: dict[str, JSONValue] = {
        "kind": kind,
        "rule": rule_id,
        "name": name,
        "actions": done,
        "failed": failed,
    }
    if trigger is not None:
        data["trigger"] = trigger.action
    record(actor=actor, ticket=current, action=FIRED_ACTION, data=data)
    return current


def _run_action(item: Mapping[str, Any], ticket: Ticket, context: ActionContext) -> Ticket | str | None:
    """The ticket after the action (None: unchanged), or the error's text when it failed."""
    action = action_type(str(item.get("type", "")))
    if action is None:
        return _("unknown action “%(type)s”") % {"type": item.get("type")}
    try:
        with transaction.atomic():
            return action.run(ticket, item.get("params") or {}, context)
    except Exception as error:  # noqa: BLE001 - a failing action is recorded and skipped, never fatal
        logger.warning(
            "automation %s: action %s failed on %s: %s", context.rule_name, action.key, ticket, error
        )
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        return str(message)[:300]


def _note_failure(kind: str, rule_id: int, error: str) -> None:
    model = Rule if kind == "rule" else TimeRule
    model.objects.filter(pk=rule_id).update(last_error=error, last_error_at=timezone.now())


def rule_fired_label(event: Event) -> str:
    """The timeline's line for a ``ticket.rule_fired`` event, in the reader's language."""
    data = event.data
    done = [action_describe(item) for item in data.get("actions", []) if isinstance(item, Mapping)]
    failed = [action_describe(item) for item in data.get("failed", []) if isinstance(item, Mapping)]
    text = _("Rule “%(name)s”: %(actions)s") % {
        "name": data.get("name", ""), "actions": ", ".join(done) or _("nothing to change"),
    }  # fmt: skip
    if failed:
        text += " " + _("(failed: %(actions)s)") % {"actions": ", ".join(failed)}
    return text
