"""Celery tasks of the reminders app: thin wrappers over the services (idempotent by their delivery keys)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.tasks import IdempotentTask
from reminders.services.deliveries import deliveries_retry, send_claimed
from reminders.services.reminders import reminders_send_due


@shared_task(base=IdempotentTask, bind=True, name="reminders.tasks.send_due_reminders")
def send_due_reminders(self: Any) -> dict[str, int]:
    """Beat, hourly: claim and send every due-soon and overdue reminder (a second run sends nothing twice)."""
    return reminders_send_due()


@shared_task(base=IdempotentTask, bind=True, name="reminders.tasks.retry_failed_deliveries")
def retry_failed_deliveries(self: Any) -> dict[str, int]:
    """Beat, every 5 minutes: failed channels after their backoff, and sends a dead worker left pending."""
    return deliveries_retry()


@shared_task(base=IdempotentTask, bind=True, name="reminders.tasks.send_deliveries")
def send_deliveries(self: Any, ids: list[int]) -> dict[str, int]:
    """Send notice e-mails claimed by a service (after its commit)."""
    return send_claimed(ids)
