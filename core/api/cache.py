"""Cached answers of the read API: the rendered JSON of list pages and indicators, shared in Redis.

Dashboards poll the same few URLs; computing a page again costs 15–40 ms of serialization (and seconds for
a province's indicators) while the data changes a few times a day. An answer is kept under a key made of

* the data generation (``config.data_changes``) it was computed at, stored in the entry: any committed
  write to business data moves it on, so an answer is never served after the data it came from changed;
* the user: answers are scoped by ``for_user`` and mask personal data by the user's rights, so users never
  share an entry (two clients with the same token share, which is the point);
* the absolute URL (pagination links are absolute) with only the query parameters the view reads
  (``core.query_params``: unknown ones are dropped before computing, so ``?junk=N`` adds no key), the
  language and the media type.

Only authenticated GETs rendered as JSON are cached, only 200 answers are stored, and never inside a
transaction that has uncommitted writes of its own. When several workers miss the same key at once, one
computes and the others wait for its answer (``single flight``) rather than all doing the same work.

**The token fast path.** A dashboard polling with its token pays, on a hit, for Django's middleware, DRF's
request wrapping, content negotiation and the view's parameter list — several times the one database query
and one Redis GET the answer needs (issue 18: p95 at 20 clients 36–76 ms against a target of 30 ms). So an
answer computed for a token request is also stored under a second key made of the *raw* request — the
token's user, the path with its query string as sent, and every header the answer can depend on (Accept,
Accept-Language, Cookie, Host, the forwarded scheme and host) — together with the headers the full stack
put on it. ``pairings.api.middleware.TokenAnswerMiddleware`` checks the token (one query, which also reads
the data generation) and answers from that key before anything else runs. The raw key is only ever written
by the full stack for exactly that raw request, so the fast path serves nothing the full stack would not
have served; a query string with unknown parameters gets no raw key (they would let a client fill Redis).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core import data_changes
from core.api.known_params import canonical_query, drop_unknown_params, known_query_params

POLL_SECONDS = 0.02


def list_etag(data: Any) -> str:
    """A weak ETag over an answer's data, for answers not rendered here (the browsable API, bookkeeping
    lists of ``ETagListMixin``)."""
    body = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    return body_etag(body)


def body_etag(body: bytes) -> str:
    """A weak ETag over an answer's rendered bytes: it changes exactly when the answer does.

    Why the bytes, not the data: ``list_etag`` encodes the whole answer a second time (sorted keys, the
    generic encoder) only to hash it — on a computed deployments page (100 rows) about 1 ms, a tenth of
    the answer (issue 18). The body is rendered anyway; hashing it costs a few hundredths of that.
    """
    return 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(request: Request | HttpRequest, etag: str) -> bool:
    return _etag_in(request.headers.get("If-None-Match", ""), etag)


def _etag_in(header: str, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §8.8.3.2): W/ prefixes are ignored.
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag.removeprefix("W/") in wanted


def _timeout() -> int:
    return int(getattr(settings, "API_CACHE_SECONDS", 600))


def _wait_seconds() -> int:
    return int(getattr(settings, "API_CACHE_WAIT_SECONDS", 30))


def enabled() -> bool:
    return bool(getattr(settings, "API_CACHE_ENABLED", True))


def cacheable(request: Request) -> bool:
    return (
        enabled()
        and request.method == "GET"
        and request.user is not None
        and request.user.is_authenticated
        and _renders_json(request)
        and not data_changes.dirty()
    )


def _renders_json(request: Request) -> bool:
    return isinstance(getattr(request, "accepted_renderer", None), JSONRenderer)


def _render(request: Request, response: Response, renderer_context: dict[str, Any]) -> tuple[bytes, str]:
    """The answer's body and content type, as DRF's ``Response`` would render them."""
    renderer = request.accepted_renderer
    media_type = request.accepted_media_type
    body = renderer.render(response.data, media_type, renderer_context)
    content_type = f"{media_type}; charset={renderer.charset}" if renderer.charset else media_type
    return (body if isinstance(body, bytes) else body.encode(renderer.charset or "utf-8")), content_type


def cache_key(request: Request, known: frozenset[str] = frozenset()) -> str:
    parts = "\n".join(
        [
            str(request.user.pk),
            translation.get_language() or "",
            request.accepted_media_type or "",
            request.build_absolute_uri(request.path),
            canonical_query(request.query_params, known),
        ]
    )
    return "api-answer:" + hashlib.sha256(parts.encode()).hexdigest()


def _generation(request: Request) -> int:
    """The data generation for this request. A dashboard token's check reads it in the same query
    (``data_generation`` on the client); read at the request's start, it can only be older than the
    current one, so the worst case is a recomputation or an answer as of the request's arrival."""
    known = getattr(request.auth, "data_generation", None)
    return known if isinstance(known, int) else data_changes.generation()


def _lookup(key: str, generation: int) -> Any:
    """The entry under ``key`` if it was computed at ``generation`` (the current one), else None."""
    entry = cache.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1:]
    return None


def _answer(
    request: Request | HttpRequest, etag: str, body: bytes | str, content_type: str
) -> HttpResponseBase:
    if etag_matches(request, etag):
        response: HttpResponseBase = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    return response


def with_etag(request: Request, response: Response) -> Response:
    if response.status_code != status.HTTP_200_OK:
        return response
    etag = list_etag(response.data)
    if etag_matches(request, etag):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    response["ETag"] = etag
    return response


def _wait_for(key: str, generation: int, lock: str) -> Any:
    """Another worker is computing ``key``: its answer, or None when it gave up (or failed)."""
    deadline = time.monotonic() + _wait_seconds()
    while time.monotonic() < deadline:
        hit = _lookup(key, generation)
        if hit is not None:
            return hit
        if cache.get(lock) is None:  # released without an answer (an error, a non-200 answer), or no Redis
            return _lookup(key, generation)
        time.sleep(POLL_SECONDS)
    return None


def cached_answer(
    request: Request, compute: Callable[[], Response], renderer_context: dict[str, Any]
) -> HttpResponseBase:
    """``compute()``'s answer for this request, from the cache when the data has not changed since.

    The answer carries a weak ETag over its body (``body_etag``); ``If-None-Match`` with it gives 304 Not
    Modified. An answer that is not cached is rendered and tagged the same way, so its ETag is the one the
    cache would give it.
    """
    if not cacheable(request):
        if not _renders_json(request):
            return with_etag(request, compute())  # the browsable API: DRF renders the page
        computed = compute()
        if computed.status_code != status.HTTP_200_OK:
            return computed
        body, content_type = _render(request, computed, renderer_context)
        return _answer(request, body_etag(body), body, content_type)
    known = known_query_params(renderer_context.get("view"))
    raw_query_is_known = not drop_unknown_params(request._request, known)
    key = cache_key(request, known)
    generation = _generation(request)
    hit = _lookup(key, generation)
    lock = f"{key}:{generation}:computing"
    owner = False
    if hit is None:
        # The lock outlives no wait: a worker killed mid-computation holds nobody up for long.
        owner = cache.add(lock, 1, timeout=_wait_seconds())
        if not owner:
            hit = _wait_for(key, generation, lock)
    if hit is not None:
        if raw_query_is_known:
            _offer_raw(request, (generation, *hit))
        return _answer(request, *hit)
    try:
        response = compute()
        if response.status_code != status.HTTP_200_OK:
            return response
        body, content_type = _render(request, response, renderer_context)
        etag = body_etag(body)
        # Stored with the generation read *before* computing: if a write landed meanwhile, the entry is
        # already older than the current generation and the next reader computes again.
        cache.set(key, (generation, etag, body, content_type), timeout=_timeout())
        if raw_query_is_known:
            _offer_raw(request, (generation, etag, body, content_type))
    finally:
        if owner:
            cache.delete(lock)
    return _answer(request, etag, body, content_type)


# --- the token fast path (see the module docstring) ------------------------------------------------------

RAW_KEY_PREFIX = "api-raw:"
# The request headers (WSGI names) an answer can depend on: content negotiation, language (header and
# cookie), the absolute URLs of pagination links (host and scheme, also as forwarded by a proxy).
_RAW_KEY_HEADERS = (
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_COOKIE",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PORT",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
)
# Response headers that belong to one request (or that ``_answer`` sets itself), not to the answer.
_NOT_STORED = frozenset({"x-request-id", "set-cookie", "etag", "content-type", "date", "server"})
_RAW_ENTRY = "_raw_answer_entry"
RAW_KEY_ATTR = "raw_answer_key"


def raw_key(user_id: int, request: HttpRequest) -> str:
    """The fast path's key: the user and the request exactly as sent (see the module docstring)."""
    return raw_key_of(user_id, request.META)


def raw_key_of(user_id: int, meta: Mapping[str, Any]) -> str:
    """``raw_key`` from the request's META (Django's WSGI environment, PATH_INFO and SCRIPT_NAME as
    ``WSGIRequest`` sets them), for the WSGI fast path that runs before any request object exists."""
    parts = "\n".join([str(user_id), *(str(meta.get(name, "")) for name in _RAW_KEY_HEADERS)])
    return RAW_KEY_PREFIX + hashlib.sha256(parts.encode()).hexdigest()


def _offer_raw(request: Request, entry: tuple[Any, ...]) -> None:
    # Only for a request the fast path looked up and missed (it left the raw key on the request).
    if getattr(request._request, RAW_KEY_ATTR, None) is not None:
        setattr(request._request, _RAW_ENTRY, entry)


def store_raw(request: HttpRequest, response: HttpResponseBase) -> None:
    """After the full stack answered a request the fast path missed: keep its answer, with the headers
    every middleware added, under the raw key (when the answer came from the answer cache)."""
    entry = getattr(request, _RAW_ENTRY, None)
    key = getattr(request, RAW_KEY_ATTR, None)
    if entry is None or key is None or response.status_code != status.HTTP_200_OK:
        return
    headers = tuple((k, v) for k, v in response.items() if k.lower() not in _NOT_STORED)
    cache.set(key, (*entry, headers), timeout=_timeout())


def raw_answer(request: HttpRequest, key: str, generation: int) -> HttpResponseBase | None:
    """The answer stored under ``key`` if it was computed at ``generation`` (200 or 304), else None."""
    return raw_answer_for(request.headers.get("If-None-Match", ""), key, generation)


def raw_answer_for(if_none_match: str, key: str, generation: int) -> HttpResponse | None:
    """``raw_answer`` given the request's If-None-Match header (the WSGI fast path has no request)."""
    entry = cache.get(key)
    if entry is None or entry[0] != generation:
        return None
    _generation_, etag, body, content_type, headers = entry
    if _etag_in(if_none_match, etag):
        response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    for name, value in headers:
        response[name] = value
    if response.status_code == status.HTTP_304_NOT_MODIFIED:
        response["Content-Length"] = "0"  # as CommonMiddleware sets it on the full stack's 304
    return response
