"""Reference data kept per process for several keys at once (contracts of a batch's organisations)."""

from __future__ import annotations

import pytest

from escalade.core.refdata import refdata_changed, refdata_many

pytestmark = pytest.mark.django_db


def test_kept_keys_are_not_loaded_again_and_the_missing_ones_load_together():
    calls: list[set[int]] = []

    def load(missing: set[int]) -> dict[int, str]:
        calls.append(set(missing))
        return {key: f"contracts of {key}" for key in missing if key != 3}

    assert refdata_many("test.many", [1, 2], load, default=str) == {1: "contracts of 1", 2: "contracts of 2"}
    assert refdata_many("test.many", [2, 3], load, default=str) == {2: "contracts of 2", 3: ""}
    assert refdata_many("test.many", [1, 2, 3], load, default=str)[3] == ""  # an absent key is kept too
    assert calls == [{1, 2}, {3}]


def test_a_change_in_the_transaction_reads_afresh():
    calls: list[set[int]] = []

    def load(missing: set[int]) -> dict[int, int]:
        calls.append(set(missing))
        return dict.fromkeys(missing, len(calls))

    refdata_many("test.many", [1], load, default=int)
    refdata_changed()  # as the admin says it: until the commit this transaction reads what it wrote
    assert refdata_many("test.many", [1], load, default=int) == {1: 2}
    assert calls == [{1}, {1}]
