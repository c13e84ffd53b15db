"""``{% load privacy %}{{ staff|national_id_for:request.user }}`` / ``{{ staff|phone_for:request.user }}``."""

from __future__ import annotations

from typing import Any

from django import template

from core import privacy
from core.access import User

register = template.Library()


@register.filter
def national_id_for(obj: Any, user: User) -> str:
    return privacy.national_id_for(obj, user)


@register.filter
def phone_for(obj: Any, user: User) -> str:
    return privacy.phone_for(obj, user)


@register.filter
def can_see_personal_data(user: User) -> bool:
    return privacy.can_see_personal_data(user)
