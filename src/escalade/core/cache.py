"""The shared cache (Redis when scaled): an optimisation, so Redis being down is a miss, not an error.

A request must not fail because the cache is unreachable (ADR 0011: a write that commits never answers
5xx because a side service is down; a write should not even be refused for it). Reads answer "not
cached", writes are skipped, and a warning is logged at most every :data:`WARN_EVERY` seconds.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
WARN_EVERY = 30.0
_last_warning = [0.0]

Fallback = Callable[[tuple[Any, ...], dict[str, Any]], Any]


def _tolerant(method: Callable[..., Any], fallback: Fallback) -> Callable[..., Any]:
    """``method``, answering ``fallback(args, kwargs)`` instead of raising when Redis is unreachable."""

    @functools.wraps(method)
    def tolerant(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            now = time.monotonic()
            if now - _last_warning[0] > WARN_EVERY:
                _last_warning[0] = now
                logger.warning("cache unavailable (%s): %s; going on without it", method.__name__, error)
            return fallback(args, kwargs)

    return tolerant


def _default(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return kwargs.get("default", args[1] if len(args) > 1 else None)


def _constant(value: Any) -> Fallback:
    return lambda _args, _kwargs: value


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, where an unreachable Redis reads as a miss and writes as a no-op."""

    get = _tolerant(RedisCache.get, _default)
    get_many = _tolerant(RedisCache.get_many, lambda _args, _kwargs: {})
    has_key = _tolerant(RedisCache.has_key, _constant(False))  # noqa: FBT003 - a fallback value
    add = _tolerant(RedisCache.add, _constant(False))  # noqa: FBT003
    set = _tolerant(RedisCache.set, _constant(None))
    set_many = _tolerant(RedisCache.set_many, lambda args, kwargs: list(args[0] if args else kwargs["data"]))
    touch = _tolerant(RedisCache.touch, _constant(False))  # noqa: FBT003
    delete = _tolerant(RedisCache.delete, _constant(False))  # noqa: FBT003
    delete_many = _tolerant(RedisCache.delete_many, _constant(None))
    clear = _tolerant(RedisCache.clear, _constant(None))
