"""The time tracking settings: defaults and refusals (parsed in escalade.config)."""

from __future__ import annotations

import os

import pytest
from environs import EnvValidationError

from escalade.config import load_config


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("ESCALADE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ESCALADE_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_defaults(clean_env):
    config = load_config()
    assert (config.time_edit_window_hours, config.credit_thresholds, config.contract_notice_days) == (
        48, [75, 90, 100], 30,
    )  # fmt: skip


def test_thresholds_are_read_as_percentages(clean_env):
    clean_env.setenv("ESCALADE_CREDIT_THRESHOLDS", "50,80")
    assert load_config().credit_thresholds == [50, 80]


@pytest.mark.parametrize("value", ["0", "75,abc", "90,500"])
def test_invalid_thresholds_are_refused_by_name(clean_env, value):
    clean_env.setenv("ESCALADE_CREDIT_THRESHOLDS", value)
    with pytest.raises(EnvValidationError, match="ESCALADE_CREDIT_THRESHOLDS"):
        load_config()
