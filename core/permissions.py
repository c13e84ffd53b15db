"""Who may do what: the one module of role predicates that views, API, services and navigation share.

Rows a user may *see* are decided by ``core.access`` (``for_user``). What a user may *do* is decided by the
predicates here, composed by each app's services (e.g. ``teams.services.rosters.can_decide``) with the
object's state. A view never compares roles itself: it calls a predicate or a service that raises
``PermissionDenied``.
"""

from __future__ import annotations

from collections.abc import Collection

from core.access import User, get_membership, is_global
from core.roles import COMMISSION_ROLES, FILING_ROLES, Role


def role_of(user: User) -> str | None:
    """The user's role (SPEC §6), or None without an active membership (superusers included)."""
    m = get_membership(user)
    return m.role if m is not None else None


def has_any_role(user: User, roles: Collection[str]) -> bool:
    """True for superusers and for members holding one of ``roles``."""
    return is_global(user) or role_of(user) in roles


def is_province_staff(user: User, *, province_id: int | None = None) -> bool:
    """Province commission staff (of ``province_id`` when given); superusers count as every province."""
    if is_global(user):
        return True
    m = get_membership(user)
    return (
        m is not None
        and m.role == Role.PROVINCE_STAFF
        and (province_id is None or m.province_id == province_id)
    )


def is_city_staff(user: User, *, city_id: int | None = None) -> bool:
    if is_global(user):
        return True
    m = get_membership(user)
    return m is not None and m.role == Role.CITY_STAFF and (city_id is None or m.city_id == city_id)


def is_county_staff(user: User, *, county_id: int | None = None) -> bool:
    if is_global(user):
        return True
    m = get_membership(user)
    return m is not None and m.role == Role.COUNTY_STAFF and (county_id is None or m.county_id == county_id)


def is_commission_staff(user: User) -> bool:
    """Province, city or county commission staff (or a superuser)."""
    return has_any_role(user, COMMISSION_ROLES)


def is_filing_staff(user: User) -> bool:
    """Those who work the roster filing queue: province staff file, city staff forward (备案审核)."""
    return has_any_role(user, FILING_ROLES)


def is_supporter_coordinator(user: User, *, hospital_id: int | None = None) -> bool:
    if is_global(user):
        return True
    m = get_membership(user)
    return (
        m is not None
        and m.role == Role.SUPPORTER_COORDINATOR
        and (hospital_id is None or m.hospital_id == hospital_id)
    )


def is_recipient_coordinator(user: User, *, hospital_id: int | None = None) -> bool:
    if is_global(user):
        return True
    m = get_membership(user)
    return (
        m is not None
        and m.role == Role.RECIPIENT_COORDINATOR
        and (hospital_id is None or m.hospital_id == hospital_id)
    )


def own_hospital_id(user: User, role: str) -> int | None:
    """The hospital of a coordinator holding ``role``; None for anyone else (superusers included)."""
    m = get_membership(user)
    return m.hospital_id if m is not None and m.role == role else None
