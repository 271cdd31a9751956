"""Every setting is an environment variable, parsed and validated."""

from __future__ import annotations

import stat

import pytest
from environs import EnvValidationError

from escalade.config import load_config, secret_key


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith("ESCALADE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ESCALADE_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_defaults_are_the_embedded_mode(clean_env, tmp_path):
    config = load_config()

    assert config.data_dir == tmp_path
    assert config.database_url is None
    assert config.redis_url is None
    assert config.scaled is False
    assert config.language == "fr"
    assert config.time_zone == "Europe/Paris"
    assert config.static_root == tmp_path / "static"
    assert config.api_token_cache_seconds == 5  # used only with Redis (settings: 0 without)


def test_scaled_mode_is_chosen_by_the_database_url(clean_env):
    clean_env.setenv("ESCALADE_DATABASE_URL", "postgres://desk@db.internal/escalade")
    clean_env.setenv("ESCALADE_REDIS_URL", "redis://cache.internal:6379/0")
    clean_env.setenv("ESCALADE_ALLOWED_HOSTS", "desk.example.com,desk2.example.com")

    config = load_config()

    assert config.scaled is True
    assert config.allowed_hosts == ["desk.example.com", "desk2.example.com"]


def test_invalid_values_are_reported_by_name(clean_env):
    clean_env.setenv("ESCALADE_DEBUG", "maybe")
    clean_env.setenv("ESCALADE_LANGUAGE", "de")
    clean_env.setenv("ESCALADE_WORKER_THREADS", "0")
    clean_env.setenv("ESCALADE_API_TOKEN_CACHE_SECONDS", "61")

    with pytest.raises(EnvValidationError) as error:
        load_config()

    message = str(error.value)
    assert "ESCALADE_DEBUG" in message
    assert "ESCALADE_LANGUAGE" in message
    assert "ESCALADE_WORKER_THREADS" in message
    assert "ESCALADE_API_TOKEN_CACHE_SECONDS" in message


def test_the_secret_key_is_generated_once_into_the_data_dir(clean_env, tmp_path):
    config = load_config()

    first = secret_key(config)
    second = secret_key(load_config())

    assert first == second
    assert len(first) >= 50
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_a_given_secret_key_wins_and_nothing_is_written(clean_env, tmp_path):
    clean_env.setenv("ESCALADE_SECRET_KEY", "k" * 60)

    assert secret_key(load_config()) == "k" * 60
    assert not (tmp_path / "secret_key").exists()
