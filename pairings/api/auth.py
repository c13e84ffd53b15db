"""API authentication and the read-only rule for dashboard clients.

``Authorization: Bearer pa_…`` resolves a dashboard client's token to its dedicated user, whose
``dashboard`` membership scopes every queryset through the same ``for_user`` as the UI.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from core.access import get_membership
from core.roles import Role
from pairings.api.middleware import CLIENT_ATTR
from pairings.services.api_clients import api_client_authenticate, api_client_prime_membership


class ApiClientAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式错误。"))
        try:
            token = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("令牌格式错误。")) from exc
        # The cached-answer middleware checked this very token already on a miss: no second query.
        checked = getattr(request._request, CLIENT_ATTR, None)
        client = checked[1] if checked is not None and checked[0] == token else api_client_authenticate(token)
        if client is None:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销。"))
        api_client_prime_membership(client)
        return client.user, client

    def authenticate_header(self, request: Any) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate) rather than 403 to anonymous requests.
        return self.keyword


class ReadOnlyForDashboards(permissions.BasePermission):
    """Dashboard clients (token or a dashboard user's session) may only read (SPEC §6)."""

    message = _("数据看板客户端只读。")

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        membership = get_membership(request.user)
        return membership is None or membership.role != Role.DASHBOARD


class ApiClientAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents the dashboard token in the OpenAPI schema (``Authorization: Bearer pa_…``)."""

    target_class = "pairings.api.auth.ApiClientAuthentication"
    name = "dashboardToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "数据看板令牌 (dashboard client token)"}
