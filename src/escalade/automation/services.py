"""Writes of automation: rules and time automations (validated, recorded), and the dry run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escalade import authz
from escalade.automation.actions import action_describe, actions_check
from escalade.automation.conditions import conditions_check, evaluate
from escalade.automation.engine import FIRED_ACTION, actions_apply, chain_of, rules_version_bump
from escalade.automation.facts import TicketFacts
from escalade.automation.models import Rule, TimeRule, TimeUnit, Trigger
from escalade.core.actors import Actor
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.models import Event
from escalade.core.services import JSONValue, changes_between, event_build, event_record, snapshot
from escalade.orgs.models import Organisation
from escalade.tickets.choices import OPEN_STATES, Priority, State
from escalade.tickets.models import FollowUp, Ticket
from escalade.tickets.services._common import locked

RULE_FIELDS = (
    "name",
    "is_active",
    "position",
    "triggers",
    "organisation",
    "conditions",
    "actions",
    "stop_processing",
)
TIME_RULE_FIELDS = (
    "name", "is_active", "position", "state", "after", "unit", "is_business_time", "priority",
    "is_unassigned_only", "organisation", "actions",
)  # fmt: skip


def _ensure_manager(actor: Actor) -> None:
    if actor.user is not None and not authz.can_manage_automation(actor.user):
        raise PermissionDeniedError(_("Only supervisors and administrators manage automation."))


def _bumped() -> None:
    rules_version_bump()
    transaction.on_commit(rules_version_bump)  # cache invalidation, not work: nothing to retry


def _check_name(name: str) -> str:
    if not name.strip():
        raise ValidationFailed(_("Give the rule a name."), field="name")
    return name.strip()[:120]


def _check_triggers(triggers: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(triggers))
    if not chosen:
        raise ValidationFailed(_("Choose at least one event."), field="triggers")
    unknown = [t for t in chosen if t not in Trigger.values]
    if unknown:
        raise ValidationFailed(_("Unknown event “%(event)s”.") % {"event": unknown[0]}, field="triggers")
    return chosen


@transaction.atomic
def rule_save(
    *,
    actor: Actor,
    rule: Rule | None = None,
    name: str,
    triggers: Sequence[str],
    conditions: object,
    actions: object,
    organisation: Organisation | None = None,
    is_active: bool = True,
    stop_processing: bool = False,
    position: int | None = None,
) -> Rule:
    """Create (``rule`` None) or change a rule; every part is checked (errors name it:
    ``conditions.items.1.value``, ``actions.0.params``). New rules go last."""
    _ensure_manager(actor)
    checked_actions = actions_check(actions)
    if not checked_actions:
        raise ValidationFailed(_("Add at least one action."), field="actions")
    values: dict[str, Any] = {
        "name": _check_name(name), "triggers": _check_triggers(triggers),
        "conditions": conditions_check(conditions).as_json(), "actions": checked_actions,
        "organisation": organisation, "is_active": is_active, "stop_processing": stop_processing,
    }  # fmt: skip
    creating = rule is None
    if rule is None:
        rule = Rule(position=position if position is not None else _next_position(Rule))
    elif position is not None:
        values["position"] = position
    before = {} if creating else snapshot(rule, RULE_FIELDS)
    for name_, value in values.items():
        setattr(rule, name_, value)
    rule.save()
    action = "automation.rule_created" if creating else "automation.rule_updated"
    event_record(
        actor=actor, obj=rule, action=action, changes=changes_between(before, snapshot(rule, RULE_FIELDS))
    )
    _bumped()
    return rule


def _next_position(model: type[Rule] | type[TimeRule]) -> int:
    last = model.objects.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 10


@transaction.atomic
def rule_set_active(*, actor: Actor, rule: Rule, is_active: bool) -> Rule:
    """Switch a rule on or off."""
    _ensure_manager(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.is_active != is_active:
        rule.is_active = is_active
        rule.save(update_fields=["is_active", "updated_at"])
        event_record(
            actor=actor, obj=rule, action="automation.rule_updated",
            changes={"is_active": {"from": not is_active, "to": is_active}},
        )  # fmt: skip
        _bumped()
    return rule


@transaction.atomic
def rule_move(*, actor: Actor, rule: Rule, offset: int) -> None:
    """Move a rule up (``offset`` -1) or down (+1) in the run order; positions are renumbered 10, 20…"""
    _ensure_manager(actor)
    rules = list(Rule.objects.select_for_update().order_by("position", "id"))
    index = next(n for n, item in enumerate(rules) if item.pk == rule.pk)
    target = max(0, min(len(rules) - 1, index + offset))
    rules.insert(target, rules.pop(index))
    for n, item in enumerate(rules, start=1):
        if item.position != n * 10:
            Rule.objects.filter(pk=item.pk).update(position=n * 10)
    event_record(actor=actor, obj=rule, action="automation.rule_moved", data={"to": target + 1})
    _bumped()


@transaction.atomic
def rule_delete(*, actor: Actor, rule: Rule) -> None:
    """Delete a rule (its past firings stay in the tickets' history)."""
    _ensure_manager(actor)
    event_record(actor=actor, obj=rule, action="automation.rule_deleted", data={"name": rule.name})
    rule.delete()
    _bumped()


@transaction.atomic
def time_rule_save(
    *,
    actor: Actor,
    time_rule: TimeRule | None = None,
    name: str,
    state: str,
    after: int,
    unit: str,
    actions: object,
    is_business_time: bool = False,
    priority: int | None = None,
    is_unassigned_only: bool = False,
    organisation: Organisation | None = None,
    is_active: bool = True,
) -> TimeRule:
    """Create or change a time automation ("pending on the requester for 3 business days → …")."""
    _ensure_manager(actor)
    if state not in {*OPEN_STATES, State.RESOLVED}:
        raise ValidationFailed(_("Choose an open or resolved state."), field="state")
    if unit not in TimeUnit.values:
        raise ValidationFailed(_("Choose minutes, hours or days."), field="unit")
    if after < 1:
        raise ValidationFailed(_("Give a duration of at least 1."), field="after")
    if priority is not None and priority not in Priority.values:
        raise ValidationFailed(_("Priority goes from 1 to 5."), field="priority")
    checked_actions = actions_check(actions)
    if not checked_actions:
        raise ValidationFailed(_("Add at least one action."), field="actions")
    creating = time_rule is None
    time_rule = time_rule or TimeRule(position=_next_position(TimeRule))
    before = {} if creating else snapshot(time_rule, TIME_RULE_FIELDS)
    values = {
        "name": _check_name(name), "state": state, "after": after, "unit": unit, "actions": checked_actions,
        "is_business_time": is_business_time, "priority": priority, "is_unassigned_only": is_unassigned_only,
        "organisation": organisation, "is_active": is_active,
    }  # fmt: skip
    for name_, value in values.items():
        setattr(time_rule, name_, value)
    time_rule.save()
    action = "automation.time_rule_created" if creating else "automation.time_rule_updated"
    changes = changes_between(before, snapshot(time_rule, TIME_RULE_FIELDS))
    event_record(actor=actor, obj=time_rule, action=action, changes=changes)
    return time_rule


@transaction.atomic
def time_rule_delete(*, actor: Actor, time_rule: TimeRule) -> None:
    _ensure_manager(actor)
    event_record(
        actor=actor, obj=time_rule, action="automation.time_rule_deleted", data={"name": time_rule.name}
    )
    time_rule.delete()


# ---------------------------------------------------------------- dry run
@dataclass
class DryRun:
    """What a rule would do to a ticket: whether it matches, the changes, the messages it would write."""

    matches: bool
    changes: list[tuple[str, JSONValue, JSONValue]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    events: list[str] = field(default_factory=list)


class _RollBack(Exception):  # noqa: N818 - a control-flow signal, not an error
    pass


def rule_dry_run(
    *, actor: Actor, ticket: Ticket, conditions: object, actions: object, name: str, rule_id: int = 0
) -> DryRun:
    """Run a rule (saved or being edited) against ``ticket`` and roll everything back: no change, no
    event, no mail, no outbox row survives. Conditions are read as if the ticket had just been
    created (no previous value)."""
    _ensure_manager(actor)
    checked_conditions, checked_actions = conditions_check(conditions), actions_check(actions)
    probe = event_build(actor=actor, obj=ticket, action="ticket.created")
    if not evaluate(checked_conditions, TicketFacts(ticket, probe)):
        return DryRun(matches=False)
    result = DryRun(matches=True)
    try:
        with transaction.atomic():
            current = locked(ticket)
            before = snapshot(current, TRACKED)
            last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            last_followup = FollowUp.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            with chain_of([rule_id]):
                after = actions_apply(
                    kind="rule",
                    rule_id=rule_id,
                    name=name,
                    actions=checked_actions,
                    ticket=current,
                    trigger=None,
                )
            _collect(result, before, after, last_event, last_followup)
            raise _RollBack
    except _RollBack:
        pass
    return result


TRACKED = ("state", "priority", "category", "team", "assignee", "support_level", "resolution_code")


def _collect(
    result: DryRun, before: dict[str, JSONValue], after: Ticket, last_event: int, last_followup: int
) -> None:
    for key, change in changes_between(before, snapshot(after, TRACKED)).items():
        result.changes.append((key, change["from"], change["to"]))
    events = Event.objects.filter(pk__gt=last_event, object_id=after.pk).order_by("pk")
    for event in events:
        if event.action == FIRED_ACTION:
            result.actions = [action_describe(item) for item in event.data.get("actions", [])]
            result.failed = [
                f"{action_describe(item)}: {item.get('error', '')}" for item in event.data.get("failed", [])
            ]
        else:
            result.events.append(event.action)
    for followup in FollowUp.objects.filter(pk__gt=last_followup, ticket_id=after.pk).order_by("pk"):
        result.messages.append((followup.get_kind_display(), followup.body))
