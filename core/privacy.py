"""Personal data (national ID, phone) is shown masked except to those who must see it (SPEC §6).

Who may: system administrators and members whose ``Membership.can_see_personal_data`` is set. Pages use
the template filters in ``pairings/templatetags/privacy.py``; exports and the API call these functions.
"""

from __future__ import annotations

from typing import Any

from core.access import User, get_membership, is_global

# Field names that hold personal data, wherever they appear (models, audit trail, exports).
PERSONAL_FIELDS = frozenset({"national_id", "trainee_national_id", "phone", "mobile"})


def can_see_personal_data(user: User) -> bool:
    if is_global(user):
        return True
    membership = get_membership(user)
    return bool(membership is not None and membership.can_see_personal_data)


def mask(value: str | None, *, keep_start: int, keep_end: int) -> str:
    """Keep both ends, star the middle: 620102********1234, 138****5678; short values are fully starred."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_national_id(value: str | None) -> str:
    return mask(value, keep_start=6, keep_end=4)


def mask_phone(value: str | None) -> str:
    return mask(value, keep_start=3, keep_end=4)


def _value(obj: Any, *attrs: str) -> str:
    if obj is None or isinstance(obj, str):
        return obj or ""
    for attr in attrs:
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return ""


def national_id_for(obj: Any, user: User) -> str:
    """The national ID of ``obj`` (with ``national_id``/``trainee_national_id``, or a string) for ``user``."""
    value = _value(obj, "national_id", "trainee_national_id")
    return value if can_see_personal_data(user) else mask_national_id(value)


def phone_for(obj: Any, user: User) -> str:
    value = _value(obj, "phone", "mobile")
    return value if can_see_personal_data(user) else mask_phone(value)


def mask_field(name: str, value: Any) -> Any:
    """Mask ``value`` if field ``name`` holds personal data (used by the audit trail)."""
    if name not in PERSONAL_FIELDS or value in (None, ""):
        return value
    return mask_phone(value) if name in {"phone", "mobile"} else mask_national_id(value)
