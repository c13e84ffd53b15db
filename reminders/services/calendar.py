"""The private iCalendar feed of a user's deadlines (subscribe from a calendar app; read-only, revocable).

Only the SHA-256 of the feed token is stored; the URL with the token is shown to its owner on the page.
Making a new feed revokes the old one; a revoked token answers 404 like one that never existed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import icalendar
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.access import User
from reminders.choices import DeadlineStatus
from reminders.models import CalendarToken
from reminders.selectors.deadlines import Deadline

FEED_PAST = dt.timedelta(days=90)
FEED_FUTURE = dt.timedelta(days=400)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_token_create(*, user: User) -> str:
    """A new feed token for ``user`` (the old one is revoked); returned once, stored hashed."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        CalendarToken.objects.create(user_id=user.pk, token_hash=_hash(token))
    return token


def calendar_token_revoke(*, user: User) -> int:
    return CalendarToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_token_owner(token: str) -> Any | None:
    """The active user of a live token, or None (revoked, unknown or the user deactivated)."""
    row = (
        CalendarToken.objects.select_related("user")
        .filter(token_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    CalendarToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user


def has_live_token(user: User) -> bool:
    return CalendarToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).exists()


def ical_for(deadlines: list[Deadline], *, name: str) -> bytes:
    """An RFC 5545 calendar: one all-day event per deadline, its UID stable across refreshes."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//pairing-assistance//reminders//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    site = settings.REMINDERS_SITE_URL.rstrip("/")
    for d in deadlines:
        event = icalendar.Event()
        event.add("uid", f"{d.key}@{settings.REMINDERS_MAIL_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", d.due)
        event.add("dtend", d.due + dt.timedelta(days=1))
        prefix = "✓ " if d.status == DeadlineStatus.DONE else ""
        event.add("summary", f"{prefix}{d.title}")
        event.add("description", f"{d.kind_label} · {d.status_label}\n{site}{d.url}")
        event.add("url", f"{site}{d.url}")
        event.add("categories", [d.kind_label])
        cal.add_component(event)
    return cal.to_ical()
