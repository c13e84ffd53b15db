"""Import jobs: an upload becomes an ImportJob row; a Celery task runs it and records counts and errors.

Progress is published through the cache because the import runs in one transaction: a progress column
written inside it would stay invisible to the page polling it until the very end.
"""

from __future__ import annotations

import logging
from typing import IO

from django.core.cache import cache
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import User
from core.tasks import task_named
from core.uploads import UploadError, check_upload
from pairings.models import Hospital
from teams.models import AttendancePunch, ImportJob, ImportKind, ImportStatus
from teams.services.attendance import attendance_import, check_can_import_attendance

# teams/tasks.py, started by name (the tasks module imports this one).
RUN_IMPORT_JOB = "teams.tasks.run_import_job"

log = logging.getLogger(__name__)
# Bytes per punch row in a DingTalk export, to turn rows read into a percentage (an estimate).
_BYTES_PER_ROW = {"xlsx": 40, "csv": 90}


def progress_key(job_id: int) -> str:
    return f"importjob:{job_id}:progress"


def job_progress(job: ImportJob) -> int:
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return 100
    return int(cache.get(progress_key(job.pk), job.progress) or 0)


def attendance_job_create(*, user: User, hospital: Hospital, f: IO[bytes], name: str) -> ImportJob:
    """Check the file up front (type, size, zip, formulas), store it and enqueue the import on commit."""
    check_can_import_attendance(user=user, hospital=hospital)
    check_upload(f, name)
    f.seek(0)
    with transaction.atomic():
        job = ImportJob(
            kind=ImportKind.ATTENDANCE,
            hospital=hospital,
            created_by=user if user.pk else None,
            original_name=name[:200],
        )
        job.file.save(name.rsplit("/", 1)[-1][:100] or "upload", File(f), save=False)
        job.save()

        transaction.on_commit(lambda: task_named(RUN_IMPORT_JOB).delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a job once: a finished job is left alone, a crashed one (still running) is rerun from scratch.

    The import itself is all-or-nothing and keyed, so a rerun inserts each punch exactly once.
    """
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("hospital", "created_by")
            .get(pk=job_id)
        )
        if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return job
        rerun = job.status == ImportStatus.RUNNING  # a run before this one died before finishing
        job.status = ImportStatus.RUNNING
        job.save(update_fields=["status", "updated_at"])
    try:
        with job.file.open("rb") as fh:
            size = job.file.size or 1
            per_row = _BYTES_PER_ROW["csv" if job.original_name.lower().endswith(".csv") else "xlsx"]

            def progress(rows: int) -> None:
                cache.set(progress_key(job.pk), min(95, int(rows * per_row * 100 / size)), 3600)

            summary = attendance_import(
                user=job.created_by,
                hospital=job.hospital,
                f=fh,
                name=job.original_name,
                job_id=job.pk,
                progress=progress,
                check_permission=False,
            )
        if rerun and summary.ok:
            # The dead run may have committed its punches already: this run then skips them all as
            # duplicates. Count what the job inserted, whichever run it was.
            summary.inserted = AttendancePunch.objects.filter(job_id=job.pk).count()
            summary.duplicates = summary.rows_read - summary.inserted
        job.counts = summary.as_dict()
        job.errors = summary.errors[:200]
        job.status = ImportStatus.DONE if summary.ok else ImportStatus.FAILED
    except UploadError as exc:
        job.errors, job.status = [str(exc)], ImportStatus.FAILED
    except Exception:
        log.exception("import job %s failed", job.pk)
        job.errors, job.status = [_("导入失败：系统错误，请联系管理员。")], ImportStatus.FAILED
        job.progress = 100
        job.finished_at = timezone.now()
        job.save(update_fields=["counts", "errors", "status", "progress", "finished_at", "updated_at"])
        raise
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["counts", "errors", "status", "progress", "finished_at", "updated_at"])
    cache.delete(progress_key(job.pk))
    return job
