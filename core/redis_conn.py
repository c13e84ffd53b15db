"""One short-timeout connection pool to the queue's Redis, for health checks and bookkeeping keys."""

from __future__ import annotations

import functools

import redis
from django.conf import settings


@functools.lru_cache(maxsize=1)
def _pool(url: str) -> redis.ConnectionPool:
    return redis.ConnectionPool.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def redis_client() -> redis.Redis:
    return redis.Redis(connection_pool=_pool(settings.REDIS_URL))
