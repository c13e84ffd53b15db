"""Test-only Celery tasks for the fault tests, loaded into the worker with ``--include tests.faults.tasks``.

``slow_job`` is shaped like our real jobs (an import or a rule run): a job row with a status, rows written
under a unique key, the status set at the end. It is idempotent: a redelivered run skips rows already
written and completes the job once.
"""

from __future__ import annotations

import time

from celery import shared_task
from django.db import connection, transaction

from core.tasks import IdempotentTask

SCHEMA = """
CREATE TABLE IF NOT EXISTS faults_job (
    key text PRIMARY KEY,
    status text NOT NULL DEFAULT 'queued',
    starts integer NOT NULL DEFAULT 0,
    completions integer NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS faults_row (
    job text NOT NULL,
    n integer NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, n)
);
"""


def ensure_schema() -> None:
    with connection.cursor() as cursor:
        cursor.execute(SCHEMA)


@shared_task(base=IdempotentTask, bind=True, name="tests.faults.slow_job")
def slow_job(self: IdempotentTask, key: str, rows: int, delay: float) -> str:
    ensure_schema()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO faults_job (key, status, starts) VALUES (%s, 'running', 1) "
            "ON CONFLICT (key) DO UPDATE SET starts = faults_job.starts + 1, "
            "status = CASE WHEN faults_job.status = 'done' THEN 'done' ELSE 'running' END",
            [key],
        )
        cursor.execute("SELECT status FROM faults_job WHERE key = %s", [key])
        if cursor.fetchone()[0] == "done":
            return "already done"
    for n in range(rows):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO faults_row (job, n) VALUES (%s, %s) ON CONFLICT DO NOTHING", [key, n])
        time.sleep(delay)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE faults_job SET status = 'done', completions = completions + 1 "
            "WHERE key = %s AND status <> 'done'",
            [key],
        )
    return "done"
