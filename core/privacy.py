"""Personal data (national ID, phone) is shown masked except to those who must see it (SPEC §6).

Who may: system administrators and members whose ``Membership.can_see_personal_data`` is set. A supporter's
member with the right sees its own people in full only: the joint team's composition is shared with a
co-supporter of the pairing, its people's personal data is not (the employer's, the recipient's and the
commission's). Pages use the template filters in ``core/templatetags/privacy.py``; files, exports and
the API call these functions — this module is the one definition.
"""

from __future__ import annotations

from typing import Any

from core.access import User, get_membership, is_global
from core.roles import Role

# Field names that hold personal data, wherever they appear (models, audit trail, exports).
PERSONAL_FIELDS = frozenset({"national_id", "trainee_national_id", "phone", "mobile"})


def can_see_personal_data(user: User, *, employer_id: int | None = None) -> bool:
    """``user`` may see full national IDs and phones (of a person employed by ``employer_id``, if given)."""
    if is_global(user):
        return True
    membership = get_membership(user)
    if membership is None or not membership.can_see_personal_data:
        return False
    if employer_id is None or membership.role != Role.SUPPORTER_COORDINATOR:
        # Commission staff see their area; a recipient sees only the people deployed to it anyway.
        return True
    return membership.hospital_id == employer_id


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


def may_see_personal_data_of(obj: Any, user: User) -> bool:
    """Whether ``user`` sees the personal data of ``obj``, a Staff-like row (``employer_id``), in full."""
    return can_see_personal_data(user, employer_id=getattr(obj, "employer_id", None))


def national_id_for(obj: Any, user: User) -> str:
    """The national ID of ``obj`` (with ``national_id``/``trainee_national_id``, or a string) for ``user``."""
    value = _value(obj, "national_id", "trainee_national_id")
    return value if may_see_personal_data_of(obj, user) else mask_national_id(value)


def phone_for(obj: Any, user: User) -> str:
    value = _value(obj, "phone", "mobile")
    return value if may_see_personal_data_of(obj, user) else mask_phone(value)


def mask_field(name: str, value: Any) -> Any:
    """Mask ``value`` if field ``name`` holds personal data (used by the audit trail)."""
    if name not in PERSONAL_FIELDS or value in (None, ""):
        return value
    return mask_phone(value) if name in {"phone", "mobile"} else mask_national_id(value)
