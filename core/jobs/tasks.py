"""Celery tasks of the jobs layer (in CELERY_INCLUDE: core.jobs is not an app of its own)."""

from __future__ import annotations

from celery import shared_task

from core.jobs.services import jobs_dispatch_due


@shared_task(name="core.jobs.dispatch_due", ignore_result=True)
def dispatch_due_jobs() -> int:
    """Beat, every JOBS_DISPATCH_INTERVAL seconds: send the jobs the broker has not taken."""
    return jobs_dispatch_due()
