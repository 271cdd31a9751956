"""The shared cache: with Redis down, a read is a miss and a write is skipped; nothing raises."""

from __future__ import annotations

import os

import pytest
import redis

from escalade.core.cache import ResilientRedisCache
from tests.e2e.processes import free_port

REDIS_URL = os.environ.get("ESCALADE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def cache_at(url: str) -> ResilientRedisCache:
    return ResilientRedisCache(
        url, {"KEY_PREFIX": "cache-test", "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )


def test_an_unreachable_redis_reads_as_a_miss_and_writes_as_nothing():
    cache = cache_at(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    cache.set("rules-version", 3)
    assert cache.get("rules-version") is None
    assert cache.get("rules-version", 7) == 7
    assert cache.get("rules-version", default=7) == 7
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("lock", 1) is False
    assert cache.has_key("lock") is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete("a") is False
    cache.delete_many(["a"])
    cache.clear()


@pytest.mark.redis
def test_a_reachable_redis_caches_as_usual():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    cache = cache_at(REDIS_URL)
    cache.set("rules-version", 3)
    assert cache.get("rules-version") == 3
    assert cache.add("rules-version", 4) is False
    assert cache.delete("rules-version") is True
