"""A Redis cache whose outages degrade to cache misses instead of failing the request.

Django's built-in RedisCache raises when Redis is down. Pages only use the cache to go faster, so a
missing Redis must cost speed, not availability: reads answer the default, writes are dropped, and one
warning is logged per failing call.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

CACHE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)

_F = TypeVar("_F", bound=Callable[..., Any])


def _swallow(fallback: Callable[..., Any]) -> Callable[[_F], _F]:
    def decorate(method: _F) -> _F:
        @functools.wraps(method)
        def wrapper(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except CACHE_ERRORS as exc:
                logger.warning("cache %s failed, continuing without cache: %s", method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _default(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


class ReusedClients(RedisCacheClient):
    """Django's Redis client that builds one ``redis.Redis`` per connection pool, not one per operation.

    Why: Django makes a new ``redis.Redis`` for every cache call, and its constructor fills a table of
    ~170 response callbacks each time — a fifth of the CPU a dashboard's cached API answer costs (issue 18).
    A ``redis.Redis`` is safe to share between threads (each command takes a connection from the pool) and
    its pool reconnects after a fork, as before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # not in django-stubs
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params}
        # Fail fast: a cache that takes seconds to time out is worse than no cache.
        params["OPTIONS"] = {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, params)
        self._class = ReusedClients

    get = _swallow(_default)(RedisCache.get)
    add = _swallow(lambda *a, **k: False)(RedisCache.add)
    set = _swallow(lambda *a, **k: None)(RedisCache.set)
    touch = _swallow(lambda *a, **k: False)(RedisCache.touch)
    delete = _swallow(lambda *a, **k: False)(RedisCache.delete)
    get_many = _swallow(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _swallow(lambda *a, **k: False)(RedisCache.has_key)
    set_many = _swallow(lambda keys, *a, **k: list(keys))(RedisCache.set_many)
    delete_many = _swallow(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _swallow(lambda *a, **k: False)(RedisCache.clear)
