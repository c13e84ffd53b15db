"""Dashboard API clients (数据看板令牌): create, authenticate, revoke.

Commission staff create clients for their own area only: province staff for their province or one of its
cities, city staff for their city. A token is ``pa_<prefix>_<secret>``; only its SHA-256 hash is stored.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import data_changes
from core.access import User, get_membership
from core.connections import checked_first_query
from core.roles import Role
from pairings.models import ApiClient, City, Membership, Province

TOKEN_PREFIX = "pa_"
# Recording every request's time would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_may_manage(user: User, *, province: Province | None, city: City | None) -> None:
    membership = get_membership(user)
    if user is not None and getattr(user, "is_superuser", False):
        return
    if membership is None:
        raise PermissionDenied(_("只有卫健委工作人员可以管理 API 客户端。"))
    if membership.role == Role.PROVINCE_STAFF:
        if province is not None and province.pk == membership.province_id:
            return
        if city is not None and city.province_id == membership.province_id:
            return
    if membership.role == Role.CITY_STAFF and city is not None and city.pk == membership.city_id:
        return
    raise PermissionDenied(_("只能为本辖区创建或吊销 API 客户端。"))


def may_manage_api_clients(user: User) -> bool:
    """Province and city commission staff (and administrators) manage clients of their area."""
    if user is not None and getattr(user, "is_superuser", False):
        return True
    membership = get_membership(user)
    return membership is not None and membership.role in (Role.PROVINCE_STAFF, Role.CITY_STAFF)


def api_client_create(
    *, user: User, name: str, province: Province | None = None, city: City | None = None
) -> tuple[ApiClient, str]:
    """Create a read-only dashboard client scoped to ``city`` (if given) or ``province``.

    Returns the client and the plain token, which is never stored and cannot be shown again.
    """
    if (province is None) == (city is None):
        raise ValidationError({"province": _("请指定省份或市州之一。")})
    _check_may_manage(user, province=province, city=city)
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        principal = get_user_model().objects.create_user(username=f"apiclient-{prefix}", password=None)
        Membership.objects.create(
            user=principal,
            role=Role.DASHBOARD,
            province=province if city is None else None,
            city=city,
        )
        client = ApiClient.objects.create(
            name=name,
            province=province if city is None else city.province,  # type: ignore[union-attr,misc]
            city=city,
            user=principal,
            prefix=prefix,
            token_hash=_hash(token),
            created_by=user if getattr(user, "pk", None) else None,
        )
    return client, token


def api_client_revoke(*, user: User, client: ApiClient) -> ApiClient:
    """Revoke a client: its token stops working at once (the principal user is deactivated too)."""
    _check_may_manage(user, province=None if client.city_id else client.province, city=client.city)
    with transaction.atomic():
        if client.revoked_at is None:
            client.revoked_at = timezone.now()
            client.save(update_fields=["revoked_at"])
        type(client.user).objects.filter(pk=client.user_id).update(is_active=False)
        Membership.objects.filter(user_id=client.user_id).update(is_active=False)
    return client


def _columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


@functools.cache
def _authenticate_sql() -> tuple[str, list[str], list[str]]:
    """The token check's statement and the attribute names of its columns, built once per process (the
    dashboards' cached answers cost about a millisecond: rebuilding this each time was a visible part)."""
    user_model = get_user_model()
    client_cols, user_cols = _columns(ApiClient), _columns(user_model)
    sql = (
        "SELECT "
        + ", ".join([f'c."{col}"' for col in client_cols] + [f'u."{col}"' for col in user_cols])
        # The data generation rides along: a cached answer then costs one database round trip, not two
        # (core.api.cache reads ``client.data_generation``; issue 18).
        + ", (SELECT last_value FROM data_generation)"
        + f' FROM "{ApiClient._meta.db_table}" c JOIN "{user_model._meta.db_table}" u ON u.id = c.user_id'
        + " WHERE c.prefix = %s AND c.revoked_at IS NULL AND u.is_active"
    )
    names = [f.attname for f in ApiClient._meta.concrete_fields]
    return sql, names, [f.attname for f in user_model._meta.concrete_fields]


def api_client_authenticate(token: str) -> ApiClient | None:
    """The active client holding ``token`` (with its user loaded), or None. Records the last-used time at
    minute resolution.

    Every API request runs this first, so it is one indexed row fetched with plain SQL: building the same
    query through the ORM's compiler cost more than the rest of a cached answer.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, _sep, _secret = token[len(TOKEN_PREFIX) :].partition("_")
    sql, client_names, user_names = _authenticate_sql()

    def fetch() -> Any:
        with connection.cursor() as cur:
            cur.execute(sql, [prefix])
            return cur.fetchone()

    # The request's first query doubles as the connection's health check (one round trip less).
    row = checked_first_query(fetch)
    if row is None:
        return None
    client = ApiClient.from_db("default", client_names, row[: len(client_names)])
    if not hmac.compare_digest(client.token_hash, _hash(token)):
        return None
    client.user = get_user_model().from_db("default", user_names, row[len(client_names) : -1])
    client.data_generation = int(row[-1])
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


# Each worker process keeps the memberships of the dashboard users it answered, with the data generation they
# were read at (pairings_membership is business data: any change to a membership, or to the places and
# hospitals it names, moves the generation on). Few users poll; the bound only guards against many.
_MEMBERSHIPS: dict[int, tuple[int, Any]] = {}
_MEMBERSHIPS_MAX = 1000


def api_client_prime_membership(client: ApiClient) -> None:
    """Put the client's membership on its user (where ``core.access.get_membership`` looks first), from
    this process's memory while the data generation read with the token is unchanged.

    Why: every list a dashboard computes scopes through the membership, and its query (the membership with
    its province, city, county and hospital) cost an API answer computed without the cache as much as the
    list's own query (issue 18). It is read after the generation, so it is never older than that number.
    """
    generation = client.data_generation
    if generation is None or data_changes.dirty():
        return  # inside a transaction with writes of its own, the number does not describe what it sees
    user = client.user
    known = _MEMBERSHIPS.get(user.pk)
    if known is not None and known[0] == generation:
        # A copy: the request may cache related rows on it; the next request starts from the stored one.
        user._pairing_membership = copy.copy(known[1])  # type: ignore[attr-defined]
        return
    membership = get_membership(user)
    if len(_MEMBERSHIPS) >= _MEMBERSHIPS_MAX:
        _MEMBERSHIPS.clear()
    _MEMBERSHIPS[user.pk] = (generation, copy.copy(membership))
