"""Cached API answers for dashboard tokens, before the rest of the stack runs (issue 18).

A dashboard polls a few URLs with its token. When the answer is in the answer cache at the current data
generation, everything between the socket and Redis — sessions, locale, CSRF, DRF's request, content
negotiation, the view — only rebuilds a key it already knew. The token is checked with the same query as
the API's authentication (``api_client_authenticate``: the client, its user and the data generation in one
round trip) and the answer comes from the raw key ``core.api.cache`` stored for exactly this request,
headers included. Anything else — no token, a bad token, a miss, another method — goes down the usual
stack unchanged; the client already read is handed on, so a miss costs no second query.

Two pieces:

* ``TokenAnswerApp`` wraps the WSGI application (``config/wsgi.py``): a hit is answered before Django's
  handler runs at all. Django's handler costs a dashboard's cached answer more than the answer itself: the
  request object, the ``request_started`` / ``request_finished`` signals (whose connection health check is
  one more database round trip per request with ``CONN_HEALTH_CHECKS``), the middleware chain. At 20
  clients on two cores that overhead was the whole difference between ~50 ms and ≤ 30 ms p95.
* ``TokenAnswerMiddleware`` does the same inside Django (just inside ``RequestIdMiddleware``, outside
  everything else): for the test client, which has no WSGI wrapper, and on a miss to have the full stack's
  answer stored under the raw key.

Both answer only what the full stack would: the token is checked on every request (revoked client,
deactivated user, wrong secret all fall through to the full stack, which answers 401 in its own words),
and the raw key is written only by the full stack for exactly that raw request at that data generation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import get_path_info, get_script_name
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase

from core.api import cache as answer_cache
from core.middleware import RequestIdMiddleware, new_request_id, safe_request_id
from pairings.models import ApiClient
from pairings.services.api_clients import api_client_authenticate

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# The client the fast path authenticated, for ``ApiClientAuthentication`` (same token, same request).
CLIENT_ATTR = "dashboard_api_client"
# What ``TokenAnswerApp`` learnt before a miss (token, client, raw key), for the middleware: in the WSGI
# environment, which becomes the request's META.
ENVIRON_KEY = "pairings.token_answer"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def bearer_token(request: HttpRequest) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None for any other header."""
    return _bearer(request.META.get("HTTP_AUTHORIZATION", ""))


def _bearer(header: str) -> str | None:
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def enabled() -> bool:
    return answer_cache.enabled() and bool(getattr(settings, "API_TOKEN_FAST_PATH", True))


class TokenAnswerMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    @staticmethod
    def enabled() -> bool:
        return enabled()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "GET" or not request.path_info.startswith(API_PREFIX) or not self.enabled():
            return self.get_response(request)
        learnt = request.META.get(ENVIRON_KEY)
        if learnt is not None:
            # TokenAnswerApp checked this token and missed the raw key a moment ago: no second look.
            token, client, key = learnt
        else:
            token = bearer_token(request)
            client = api_client_authenticate(token) if token else None
            if client is None or client.data_generation is None:
                return self.get_response(request)  # the API answers 401 itself, in its own words
            key = answer_cache.raw_key(client.user_id, request)
            answer = answer_cache.raw_answer(request, key, client.data_generation)
            if answer is not None:
                return answer
        setattr(request, CLIENT_ATTR, (token, client))
        setattr(request, answer_cache.RAW_KEY_ATTR, key)
        response = self.get_response(request)
        answer_cache.store_raw(request, response)
        return response


class TokenAnswerApp:
    """The WSGI application answering a dashboard token's cached GET before Django's handler runs.

    Per hit: one database query (the token check, which reads the data generation), one Redis GET, no
    request object, no signals, no logging. Any database error falls through to Django's handler, which
    resets the broken connection (``close_old_connections``) and answers as it always does.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("REQUEST_METHOD") == "GET"
            and environ.get("PATH_INFO", "").startswith(API_PREFIX)
            and environ.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
            and enabled()
        ):
            try:
                answer = self._answer(environ)
            except DatabaseError:
                logger.warning("token fast path: database error, the full stack answers", exc_info=True)
                answer = None
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.app(environ, start_response)

    @staticmethod
    def _answer(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        token = _bearer(environ["HTTP_AUTHORIZATION"])
        client: ApiClient | None = api_client_authenticate(token) if token else None
        if client is None or client.data_generation is None:
            return None
        # The request's META as Django's WSGIRequest will make it (decoded path, script name): the raw key
        # the full stack stored must be found from the very same values.
        meta = {
            **environ,
            "PATH_INFO": get_path_info(environ) or "/",
            "SCRIPT_NAME": get_script_name(environ),
        }
        key = answer_cache.raw_key_of(client.user_id, meta)
        response = answer_cache.raw_answer_for(
            environ.get("HTTP_IF_NONE_MATCH", ""), key, client.data_generation
        )
        if response is None:
            environ[ENVIRON_KEY] = (token, client, key)
            return None
        # As RequestIdMiddleware answers: the proxy's id when it looks like one, else a new one.
        request_id = safe_request_id(environ.get("HTTP_X_REQUEST_ID", "")) or new_request_id()
        response[RequestIdMiddleware.header] = request_id
        status = f"{response.status_code} {response.reason_phrase}"
        return status, list(response.items()), response.content
