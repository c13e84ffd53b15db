"""Inbox reads: a user's own messages only."""

from __future__ import annotations

from django.db.models import QuerySet

from core.access import AnyUser
from reminders.models import Notification


def inbox_for(user: AnyUser) -> QuerySet[Notification]:
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk)


def unread_count(user: AnyUser) -> int:
    return inbox_for(user).filter(read_at__isnull=True).count()


def notification_for(user: AnyUser, pk: int) -> Notification:
    """The user's message ``pk``; DoesNotExist for a missing one and another person's alike."""
    return inbox_for(user).get(pk=pk)
