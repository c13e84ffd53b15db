"""Per-client rate limits for public pages, counted in the shared cache (Redis).

Why: the certificate-verification page answers anyone without a login, so without a limit a client could
walk the space of verification codes or load the database at will. A fixed window per client address is
enough here (a kept library would bring its own settings and decorators for one page). The address is the
caller's choice of ``key`` — for pages, ``core.middleware.client_ip``, which trusts X-Forwarded-For only
for our own proxies, so a client cannot spread its hits over forged addresses.

When Redis is unreachable the page stays available (fail open): a verification page that is down whenever
the cache is down would be worse than one briefly unthrottled.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_View = TypeVar("_View", bound=Callable[..., HttpResponse])


def hit(*, scope: str, ident: str, limit: int, window: int) -> int:
    """Count one request of ``ident`` in ``scope``: 0 when allowed, else the seconds until the window ends."""
    now = time.time()
    bucket = int(now // window)
    key = f"ratelimit:{scope}:{ident}:{bucket}"
    try:
        cache.add(key, 0, timeout=window + 1)
        count = cache.incr(key)
    except ValueError:  # the key expired or was flushed between add and incr: this hit is the first
        count = 1
    except (RedisError, OSError) as exc:
        log.warning("rate limit %s not counted (cache unavailable): %s", scope, exc)
        return 0
    if count > limit:
        return max(1, int(window - now % window))
    return 0


def limit_per_client(
    *, scope: str, rate: Callable[[], tuple[int, int]], key: Callable[[HttpRequest], str | None]
) -> Callable[[_View], _View]:
    """429 (``ratelimited.html``, with Retry-After) past ``rate() = (requests, seconds)`` per client."""

    def decorate(view: _View) -> _View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            limit, window = rate()
            wait = hit(scope=scope, ident=key(request) or "unknown", limit=limit, window=window)
            if wait:
                response = render(request, "ratelimited.html", {"wait": wait}, status=429)
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
