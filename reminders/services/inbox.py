"""Inbox writes: mark messages read. A user only ever touches their own messages (404 otherwise)."""

from __future__ import annotations

from django.utils import timezone

from core.access import User
from reminders.models import Notification


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())
