"""Rule conditions: pure evaluation of ``{"match": "all"|"any", "items": [{field, operator, value}]}``
against the facts of a ticket and the event that triggered the rule.

Nothing here reads the database: the caller hands :func:`evaluate` a :class:`Facts` (the engine's
reads each fact lazily, once, only when a condition asks for it). ``previous.<field>`` is the value
the event's ``changes`` record before the change (absent from the changes: the field did not change,
so its previous value is its current one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as attribute
from typing import Any, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from escalade.core.errors import ValidationFailed

MAX_CONDITIONS = 30
MAX_PATTERN = 200


class Facts(Protocol):
    """What a condition may ask about: ``get("priority")``, ``get("requester.email")``…, and the same
    folded for comparisons (``folded``: lower-case text, or a list of them; memoised by the facts)."""

    def get(self, field: str) -> object: ...

    def folded(self, field: str) -> str | list[str]: ...


def fold(value: object) -> str | list[str]:
    """A fact as text comparisons read it: case-folded, lists item by item."""
    if isinstance(value, list):
        return [_text(item) for item in value]
    return _text(value)


class MappingFacts:
    """Facts given as a mapping (tests, previews)."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.values = values

    def get(self, field: str) -> object:
        return self.values.get(field)

    def folded(self, field: str) -> str | list[str]:
        return fold(self.values.get(field))


@dataclass(frozen=True)
class FieldSpec:
    """A field conditions may test; ``kind`` says which operators make sense and how values parse."""

    key: str
    label: Promise
    kind: str  # "text", "number", "choice", "id", "bool", "tags"


FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        FieldSpec("title", _("Title"), "text"),
        FieldSpec("description", _("Description"), "text"),
        FieldSpec("text", _("Title or description"), "text"),
        FieldSpec("kind", _("Kind"), "choice"),
        FieldSpec("state", _("State"), "choice"),
        FieldSpec("priority", _("Priority"), "number"),
        FieldSpec("impact", _("Impact"), "number"),
        FieldSpec("urgency", _("Urgency"), "number"),
        FieldSpec("channel", _("Channel"), "choice"),
        FieldSpec("support_level", _("Support level"), "number"),
        FieldSpec("organisation", _("Organisation (id)"), "id"),
        FieldSpec("category", _("Category (id)"), "id"),
        FieldSpec("team", _("Team (id)"), "id"),
        FieldSpec("assignee", _("Assignee (id)"), "id"),
        FieldSpec("contract", _("Contract (id)"), "id"),
        FieldSpec("is_out_of_contract", _("Out of contract"), "bool"),
        FieldSpec("tags", _("Tags"), "tags"),
        FieldSpec("requester.email", _("Requester's e-mail"), "text"),
        FieldSpec("requester.name", _("Requester's name"), "text"),
        FieldSpec("requester.job_title", _("Requester's job title"), "text"),
        FieldSpec("requester.language", _("Requester's language"), "choice"),
        FieldSpec("organisation.name", _("Organisation's name"), "text"),
        FieldSpec("in_business_hours", _("Within business hours"), "bool"),
        FieldSpec("previous.state", _("Previous state"), "choice"),
        FieldSpec("previous.priority", _("Previous priority"), "number"),
        FieldSpec("previous.team", _("Previous team (id)"), "id"),
        FieldSpec("previous.assignee", _("Previous assignee (id)"), "id"),
        FieldSpec("previous.category", _("Previous category (id)"), "id"),
    )
}
TRUE_WORDS = frozenset({"true", "1", "yes", "oui"})
PREVIOUS_FIELDS = frozenset(key.removeprefix("previous.") for key in FIELDS if key.startswith("previous."))


def _text(value: object) -> str:
    return "" if value is None else str(value).casefold()


def _same(actual: object, expected: object) -> bool:
    if isinstance(actual, list):
        return _text(expected) in {_text(item) for item in actual}
    if isinstance(actual, bool):
        return actual == (_text(expected) in TRUE_WORDS)
    return _text(actual) == _text(expected)


def _number(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _compare(test: Callable[[float, float], bool]) -> Callable[[object, object], bool]:
    def compare(actual: object, expected: object) -> bool:
        left, right = _number(actual), _number(expected)
        return left is not None and right is not None and test(left, right)

    return compare


def _contains(actual: object, expected: object) -> bool:
    if isinstance(actual, list):
        return _same(actual, expected)
    return _text(expected) in _text(actual)


def _one_of(actual: object, expected: object) -> bool:
    options = expected if isinstance(expected, list) else str(expected).split(",")
    return any(_same(actual, str(option).strip()) for option in options)


def _matches(actual: object, expected: object) -> bool:
    pattern = expected if isinstance(expected, re.Pattern) else re.compile(str(expected), re.IGNORECASE)
    return pattern.search("" if actual is None else str(actual)) is not None


def _is_set(actual: object, _expected: object) -> bool:
    return actual not in (None, "", [], False)


OPERATORS: dict[str, tuple[Promise, Callable[[Any, Any], bool]]] = {
    "is": (_("is"), _same),
    "is_not": (_("is not"), lambda actual, expected: not _same(actual, expected)),
    "in": (_("is one of"), _one_of),
    "not_in": (_("is none of"), lambda actual, expected: not _one_of(actual, expected)),
    "contains": (_("contains"), _contains),
    "not_contains": (_("does not contain"), lambda actual, expected: not _contains(actual, expected)),
    "matches": (_("matches the pattern"), _matches),
    "gte": (_("is at least"), _compare(lambda left, right: left >= right)),
    "lte": (_("is at most"), _compare(lambda left, right: left <= right)),
    "is_set": (_("is set"), _is_set),
    "is_not_set": (_("is not set"), lambda actual, expected: not _is_set(actual, expected)),
    "changed": (_("has just changed"), lambda actual, expected: bool(actual)),
}
NO_VALUE = frozenset({"is_set", "is_not_set", "changed"})


Test = Callable[[Facts], bool]


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: object
    test: Test = attribute(compare=False, repr=False, default=lambda facts: False)


def _compiled(name: str, operator: str, value: object) -> Test:
    """The condition as one function of the facts, its value prepared once (folded, compiled): with
    hundreds of rules evaluated per event, this is most of what an idle rule costs."""
    if operator == "changed":
        key = f"changed.{name.removeprefix('previous.')}"
        return lambda facts: bool(facts.get(key))
    if operator in ("contains", "not_contains"):
        needle = _text(value)  # in a list (tags): one of them; in a text: a part of it
        if operator == "contains":
            return lambda facts: needle in facts.folded(name)
        return lambda facts: needle not in facts.folded(name)
    if operator in ("is", "is_not") and FIELDS[name].kind != "bool":
        target = _text(value)

        def same(facts: Facts) -> bool:
            actual = facts.folded(name)
            return target in actual if isinstance(actual, list) else actual == target

        return same if operator == "is" else lambda facts: not same(facts)
    test = OPERATORS[operator][1]
    return lambda facts: bool(test(facts.get(name), value))


@dataclass(frozen=True)
class Conditions:
    """Checked conditions, ready to evaluate (patterns compiled once)."""

    match_any: bool
    items: tuple[Condition, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "match": "any" if self.match_any else "all",
            "items": [
                {
                    "field": item.field,
                    "operator": item.operator,
                    "value": item.value.pattern if isinstance(item.value, re.Pattern) else item.value,
                }
                for item in self.items
            ],
        }


def conditions_check(data: object) -> Conditions:
    """Check conditions as stored or submitted; :class:`ValidationFailed` names the faulty part
    (``conditions.items.2.value``)."""
    if data in (None, {}):
        return Conditions(match_any=False, items=())
    if not isinstance(data, Mapping):
        raise ValidationFailed(gettext("Conditions must be an object."), field="conditions")
    match = data.get("match", "all")
    if match not in ("all", "any"):
        raise ValidationFailed(gettext("Match “all” or “any” conditions."), field="conditions.match")
    items = data.get("items", [])
    if not isinstance(items, list) or len(items) > MAX_CONDITIONS:
        raise ValidationFailed(
            gettext("At most %(count)s conditions.") % {"count": MAX_CONDITIONS}, field="conditions.items"
        )
    return Conditions(match_any=match == "any", items=tuple(_item(n, item) for n, item in enumerate(items)))


def _item(n: int, item: object) -> Condition:
    where = f"conditions.items.{n}"
    if not isinstance(item, Mapping):
        raise ValidationFailed(gettext("A condition needs a field, an operator and a value."), field=where)
    field, operator, value = item.get("field"), item.get("operator"), item.get("value", "")
    if field not in FIELDS:
        raise ValidationFailed(
            gettext("Unknown field “%(field)s”.") % {"field": field}, field=f"{where}.field"
        )
    if operator not in OPERATORS:
        raise ValidationFailed(
            gettext("Unknown operator “%(operator)s”.") % {"operator": operator}, field=f"{where}.operator"
        )
    if operator in NO_VALUE:
        return Condition(str(field), str(operator), "", _compiled(str(field), str(operator), ""))
    if value in (None, "") or isinstance(value, dict):
        raise ValidationFailed(gettext("Give a value to compare with."), field=f"{where}.value")
    if operator == "matches":
        if len(str(value)) > MAX_PATTERN:
            raise ValidationFailed(gettext("This pattern is too long."), field=f"{where}.value")
        try:
            value = re.compile(str(value), re.IGNORECASE)
        except re.error as error:
            raise ValidationFailed(
                gettext("This pattern is not valid: %(error)s") % {"error": error}, field=f"{where}.value"
            ) from error
    if operator in ("gte", "lte") and _number(value) is None:
        raise ValidationFailed(gettext("Give a number."), field=f"{where}.value")
    return Condition(str(field), str(operator), value, _compiled(str(field), str(operator), value))


def evaluate(conditions: Conditions, facts: Facts) -> bool:
    """Whether ``facts`` satisfy ``conditions`` (no condition: always). Stops at the first answer."""
    if conditions.match_any:
        for item in conditions.items:
            if item.test(facts):
                return True
        return not conditions.items
    for item in conditions.items:  # noqa: SIM110 - a plain loop: no generator per rule and event
        if not item.test(facts):
            return False
    return True


def fields_used(conditions: Conditions) -> frozenset[str]:
    """The facts a rule reads (the engine prepares the costly ones only when some rule asks)."""
    return frozenset(item.field for item in conditions.items)
