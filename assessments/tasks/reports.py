"""Celery task of the reports area: thin, the work is ``services.reports.report_build``."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from assessments.services.reports import report_build


@shared_task(bind=True, acks_late=True, name="assessments.build_report")
def build_report(self: Any, report_id: int) -> int:
    """Build one ReportFile; idempotent, so an at-least-once redelivery rebuilds the same file."""

    report_build(report_id=report_id, task_id=self.request.id or "")
    return report_id
