"""The pure evaluation of conditions, without a database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalade.automation.conditions import MappingFacts, conditions_check, evaluate
from escalade.core.errors import ValidationFailed


def holds(items: Sequence[Mapping[str, object]], facts: dict[str, object], match: str = "all") -> bool:
    return evaluate(conditions_check({"match": match, "items": items}), MappingFacts(facts))


def test_all_needs_every_condition_and_any_needs_one() -> None:
    items = [
        {"field": "priority", "operator": "lte", "value": "2"},
        {"field": "title", "operator": "contains", "value": "serveur"},
    ]
    assert holds(items, {"priority": 1, "title": "Le SERVEUR est tombé"})
    assert not holds(items, {"priority": 1, "title": "Imprimante"})
    assert holds(items, {"priority": 1, "title": "Imprimante"}, match="any")
    assert not holds(items, {"priority": 4, "title": "Imprimante"}, match="any")


def test_no_condition_always_holds() -> None:
    assert evaluate(conditions_check({}), MappingFacts({}))


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        ("is", "pending_requester", "pending_requester", True),
        ("is_not", "new", "new", False),
        ("in", "1, 2", 2, True),
        ("not_in", "1,2", 3, True),
        ("contains", "vip", ["vip", "printer"], True),
        ("not_contains", "vip", ["printer"], True),
        ("matches", r"^ERR-\d+", "err-42 disk", True),
        ("matches", r"^ERR-\d+", "no error", False),
        ("gte", "3", 3, True),
        ("lte", "3", 4, False),
        ("is_set", "", None, False),
        ("is_not_set", "", None, True),
        ("is", "true", True, True),
        ("is", "false", True, False),
    ],
)
def test_operators(operator: str, value: str, actual: object, expected: bool) -> None:
    assert holds([{"field": "tags" if isinstance(actual, list) else "title", "operator": operator,
                   "value": value}], {"title": actual, "tags": actual}) is expected  # fmt: skip


def test_previous_value_and_changed_read_the_facts_of_the_event() -> None:
    facts = {"previous.state": "pending_requester", "changed.state": True, "state": "in_progress"}
    assert holds([{"field": "previous.state", "operator": "is", "value": "pending_requester"}], facts)
    assert holds([{"field": "previous.state", "operator": "changed"}], facts)
    assert not holds([{"field": "previous.priority", "operator": "changed"}], facts)


@pytest.mark.parametrize(
    ("conditions", "field"),
    [
        ({"match": "some"}, "conditions.match"),
        ({"items": [{"field": "nope", "operator": "is", "value": "x"}]}, "conditions.items.0.field"),
        ({"items": [{"field": "title", "operator": "like", "value": "x"}]}, "conditions.items.0.operator"),
        ({"items": [{"field": "title", "operator": "is", "value": ""}]}, "conditions.items.0.value"),
        ({"items": [{"field": "title", "operator": "matches", "value": "(("}]}, "conditions.items.0.value"),
        ({"items": [{"field": "priority", "operator": "gte", "value": "high"}]}, "conditions.items.0.value"),
        ({"items": "title"}, "conditions.items"),
    ],
)
def test_bad_conditions_name_the_faulty_part(conditions: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        conditions_check(conditions)
    assert caught.value.field == field


@given(priority=st.integers(min_value=1, max_value=5), threshold=st.integers(min_value=1, max_value=5))
def test_at_most_and_at_least_split_the_priorities(priority: int, threshold: int) -> None:
    at_most = holds(
        [{"field": "priority", "operator": "lte", "value": str(threshold)}], {"priority": priority}
    )
    at_least = holds(
        [{"field": "priority", "operator": "gte", "value": str(threshold)}], {"priority": priority}
    )
    assert at_most == (priority <= threshold)
    assert at_least == (priority >= threshold)
    assert at_most or at_least


def test_checked_conditions_round_trip_to_json() -> None:
    data = {"match": "any", "items": [{"field": "text", "operator": "matches", "value": "urgent"}]}
    assert conditions_check(data).as_json() == data
