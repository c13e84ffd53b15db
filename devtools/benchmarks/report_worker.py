"""One report job in a fresh process, as a Celery worker runs it; prints its seconds and peak RSS as JSON.

Issue 18 measures memory "as peak RSS of the worker doing the job": the benchmark process has run other
suites and phases by then (WeasyPrint's fonts, the appraisal compute), so its own peak says little about a
worker. ``bench_reports`` starts this module with ``python -m devtools.benchmarks.report_worker``; it loads
Django and the task modules (what a worker holds before its first job), then runs the ``build_report`` task
in place (``apply``: the task's code path, ``report_build`` through ``job_execute``) on a ``ReportFile`` row
of its own, and reads this process's VmHWM. ``--before`` writes the same workbook with the openpyxl writer
of ``reports_before`` instead (the baseline, in an equally fresh process).

The row and its stored file are deleted when the job is done; ``cleanup`` (also run by the benchmark before
it starts) deletes what an interrupted run left, by the row's task id.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any

# The rows this module makes carry this task id, so leftovers of an interrupted run are found again.
TASK_ID = "bench-report-worker"


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cleanup() -> int:
    """Delete the report rows (and their files) of this module's runs; returns how many there were."""
    from assessments.models import ReportFile

    rows = list(ReportFile.objects.filter(task_id=TASK_ID))
    for row in rows:
        if row.file:
            row.file.delete(save=False)
        row.delete()
    return len(rows)


def _job(program_code: str, year: int) -> dict[str, Any]:
    from django.utils import timezone

    from assessments.choices import JobStatus, ReportKind
    from assessments.models import ReportFile
    from assessments.tasks.reports import build_report
    from pairings.models import Program

    program = Program.objects.get(code=program_code)
    # Marked as sent, so a dispatcher running against this database does not send it to a real worker.
    report = ReportFile.objects.create(
        program=program,
        kind=ReportKind.ANNUAL_WORKBOOK,
        year=year,
        task_id=TASK_ID,
        dispatched_at=timezone.now(),
    )
    try:
        start = time.perf_counter()
        build_report.apply(args=[report.pk], task_id=TASK_ID, throw=True)
        seconds = time.perf_counter() - start
        report.refresh_from_db()
        if report.status != JobStatus.DONE:
            raise RuntimeError(f"report #{report.pk} ended {report.status}: {report.error}")
        return {"seconds": seconds, "file_bytes": report.file.size}
    finally:
        cleanup()


def _before(program_code: str, year: int) -> dict[str, Any]:
    from devtools.benchmarks.reports_before import build_annual_workbook_before
    from pairings.models import Program

    program = Program.objects.get(code=program_code)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        start = time.perf_counter()
        build_annual_workbook_before(program=program, year=year, out=path)
        return {"seconds": time.perf_counter() - start, "file_bytes": os.path.getsize(path)}
    finally:
        os.unlink(path)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--program", required=True)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--before", action="store_true", help="the openpyxl baseline instead of the job")
    opts = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    # What a worker has imported before its first job (config.celery_app autodiscovers the tasks).
    import assessments.tasks  # noqa: F401

    start_kib = _status_kib("VmRSS")
    result = (_before if opts.before else _job)(opts.program, opts.year)
    result |= {"start_rss_mib": round(start_kib / 1024), "peak_rss_mib": round(_status_kib("VmHWM") / 1024)}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
