"""``/health/``: is this instance able to serve? Database, Redis and a worker that really consumes tasks.

200 with every component "ok", 503 otherwise; JSON with each component's status and latency (ms). A
successful worker round trip is remembered for HEALTH_WORKER_CACHE_SECONDS (in Redis, shared by all web
processes) so load-balancer probes do not flood the queue with pings.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.redis_conn import redis_client
from core.tasks import health_ping

WORKER_OK_KEY = "pairing:health:worker-ok"
PING_KEY_PREFIX = "pairing:health:ping:"


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure, whatever its type
        result = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
    result.setdefault("status", "ok")
    result["latency_ms"] = round((time.perf_counter() - start) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_redis() -> dict[str, Any]:
    client = redis_client()
    client.ping()
    # Celery's queue lives here: an evicting policy could silently drop queued tasks.
    policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    if policy != "noeviction":
        return {
            "status": "warning",
            "maxmemory_policy": policy,
            "warning": "maxmemory-policy is not noeviction",
        }
    return {"maxmemory_policy": policy}


def check_worker() -> dict[str, Any]:
    client = redis_client()
    if client.get(WORKER_OK_KEY):
        return {"cached": True}

    nonce = uuid.uuid4().hex
    key = PING_KEY_PREFIX + nonce
    # Expires quickly: a ping no worker picks up must not run minutes later.
    health_ping.apply_async(args=(key, nonce), expires=settings.HEALTH_WORKER_TIMEOUT + 5)
    deadline = time.monotonic() + settings.HEALTH_WORKER_TIMEOUT
    while time.monotonic() < deadline:
        value = client.get(key)
        if value is not None and (value.decode() if isinstance(value, bytes) else value) == nonce:
            client.delete(key)
            client.set(WORKER_OK_KEY, "1", ex=settings.HEALTH_WORKER_CACHE_SECONDS)
            return {"cached": False}
        time.sleep(0.05)
    return {"status": "error", "error": f"no worker answered within {settings.HEALTH_WORKER_TIMEOUT}s"}


def run_checks(*, worker: bool = True) -> dict[str, dict[str, Any]]:
    checks = {"database": _timed(check_database), "redis": _timed(check_redis)}
    if worker:
        if checks["redis"]["status"] == "error":
            checks["worker"] = {"status": "error", "error": "redis unavailable", "latency_ms": 0.0}
        else:
            checks["worker"] = _timed(check_worker)
    return checks


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Public and unauthenticated (load balancers call it); reveals no data, only component states.

    ``?worker=0`` skips the worker round trip (a liveness probe that must not depend on Celery).
    """
    checks = run_checks(worker=request.GET.get("worker") != "0")
    healthy = all(c["status"] in ("ok", "warning") for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
