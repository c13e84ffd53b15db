from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from reminders.selectors.notifications import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    """The unread count shown beside the inbox link in the header (one indexed COUNT per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": unread_count(user)}
