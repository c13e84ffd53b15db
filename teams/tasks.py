"""Celery tasks of the teams app: thin wrappers around services, idempotent, enqueued on commit."""

from __future__ import annotations

from celery import shared_task

from teams.services.jobs import import_job_run


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> str:
    """Run an ImportJob; a redelivered or repeated task finds it done and does nothing (idempotent)."""

    return str(import_job_run(job_id=job_id).status)
