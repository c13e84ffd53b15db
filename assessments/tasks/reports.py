"""Celery task of the reports area: thin, the work is ``services.reports.report_build``."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, name="assessments.build_report")
def build_report(self, report_id: int) -> int:  # type: ignore[no-untyped-def]
    """Build one ReportFile; idempotent, so an at-least-once redelivery rebuilds the same file."""
    from assessments.services.reports import report_build

    report_build(report_id=report_id, task_id=self.request.id or "")
    return report_id
