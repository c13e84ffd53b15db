"""Cached API answers for dashboard tokens, before the rest of the stack runs (issue 18).

A dashboard polls a few URLs with its token. When the answer is in the answer cache at the current data
generation, everything between the socket and Redis — sessions, locale, CSRF, DRF's request, content
negotiation, the view — only rebuilds a key it already knew. This middleware checks the token with the same
query as the API's authentication (``api_client_authenticate``: the client, its user and the data
generation in one round trip) and answers from the raw key ``core.api.cache`` stored for exactly this
request, headers included. Anything else — no token, a bad token, a miss, another method — goes down the
usual stack unchanged; the client it already read is handed to ``ApiClientAuthentication``, so a miss costs
no second query.

It sits just inside ``RequestIdMiddleware`` (every answer keeps its request id) and outside everything else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from core.api import cache as answer_cache
from pairings.services.api_clients import api_client_authenticate

API_PREFIX = "/api/"
# The client the fast path authenticated, for ``ApiClientAuthentication`` (same token, same request).
CLIENT_ATTR = "dashboard_api_client"


def bearer_token(request: HttpRequest) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None for any other header."""
    scheme, _sep, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


class TokenAnswerMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    @staticmethod
    def enabled() -> bool:
        return answer_cache.enabled() and bool(getattr(settings, "API_TOKEN_FAST_PATH", True))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "GET" or not request.path_info.startswith(API_PREFIX) or not self.enabled():
            return self.get_response(request)
        token = bearer_token(request)
        client = api_client_authenticate(token) if token else None
        if client is None or client.data_generation is None:
            return self.get_response(request)  # the API answers 401 itself, in its own words
        setattr(request, CLIENT_ATTR, (token, client))
        key = answer_cache.raw_key(client.user_id, request)
        answer = answer_cache.raw_answer(request, key, client.data_generation)
        if answer is not None:
            return answer
        setattr(request, answer_cache.RAW_KEY_ATTR, key)
        response = self.get_response(request)
        answer_cache.store_raw(request, response)
        return response
