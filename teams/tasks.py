"""Celery tasks of the teams app: thin wrappers around services, idempotent, enqueued on commit."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from teams.services.accounts import person_accounts_deactivate
from teams.services.jobs import import_job_run


@shared_task(bind=True, acks_late=True, name="teams.tasks.run_import_job")
def run_import_job(self: Any, job_id: int) -> str:
    """Run an ImportJob; a redelivered or repeated task finds it done and does nothing (core.jobs)."""

    return str(import_job_run(job_id=job_id, task_id=self.request.id or "").status)


@shared_task(name="teams.tasks.deactivate_person_accounts")
def deactivate_person_accounts() -> int:
    """Nightly: deployed people's accounts end a grace period after their last deployment (issue 19)."""
    return person_accounts_deactivate()
