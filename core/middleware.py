"""Request-scoped plumbing: a request id for logs and responses, and who/where for the audit trail."""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from pghistory.middleware import HistoryMiddleware

# Read by config.logging.RequestContextFilter, so every log line of a request carries its id.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# An incoming X-Request-ID is kept only when it looks like an id: it ends up in logs and headers.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def safe_request_id(incoming: str) -> str | None:
    """The proxy's X-Request-ID if it looks like an id, else None."""
    return incoming if _SAFE_ID.match(incoming) else None


class RequestIdMiddleware:
    """Accept the proxy's X-Request-ID (or make one); expose it as ``request.request_id`` and a header."""

    header = "X-Request-ID"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(self.header, "")
        request_id = safe_request_id(incoming) or new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[self.header] = request_id
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. X-Forwarded-For is trusted only for the configured number of our own proxies.

    With AUDIT_TRUSTED_PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For is the one our
    outermost proxy saw; anything further left was written by the client and could be forged.
    """
    proxies = getattr(settings, "AUDIT_TRUSTED_PROXY_COUNT", 0)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    addr = request.META.get("REMOTE_ADDR")
    return str(addr) if addr else None


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's middleware plus *from where*: client IP and request id go into every event's context."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().get_context(request)
        context["ip"] = client_ip(request)
        context["request_id"] = getattr(request, "request_id", None) or request_id_var.get()
        context["source"] = "web"
        return context


class ChineseFirstMiddleware:
    """Pages are in Simplified Chinese unless the reader chose English (the language switch sets a cookie).

    Runs before Django's LocaleMiddleware and hides the browser's Accept-Language from it on pages: an officer
    on a computer set up in English still sees the Chinese the province works in and picks English on purpose.
    The API keeps Accept-Language, the standard way a client system asks for a language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
