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
from core.jobs.services import job_execute, job_start
from core.uploads import UploadError, check_upload
from pairings.models import Hospital
from teams.models import AttendancePunch, ImportJob, ImportKind, ImportStatus
from teams.services.attendance import attendance_import, check_can_import_attendance

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
        return job_start(job=job)


def import_job_run(*, job_id: int, task_id: str = "") -> ImportJob:
    """Run a job once through ``job_execute``: a finished job is left alone, an interrupted one (still
    running, its worker gone) is rerun from scratch, up to ``JOBS_MAX_ATTEMPTS`` runs in all.

    The import itself is all-or-nothing and keyed, so a rerun inserts each punch exactly once.
    """
    job, _ran = job_execute(
        model=ImportJob,
        pk=job_id,
        run=_import,
        task_id=task_id,
        error=_("导入失败：系统错误，请联系管理员。"),
    )
    if job is None:
        raise ImportJob.DoesNotExist(job_id)
    if job.finished:
        cache.delete(progress_key(job.pk))
    return job


def _import(job: ImportJob) -> None:
    rerun = job.resumed  # a run before this one died before finishing
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
            # (job has no index of its own: the hospital's range of the unique index, once per crash)
            summary.inserted = AttendancePunch.objects.filter(
                hospital_id=job.hospital_id, job_id=job.pk
            ).count()
            summary.duplicates = summary.rows_read - summary.inserted
        job.counts = summary.as_dict()
        job.errors = summary.errors[:200]
        job.status = ImportStatus.DONE if summary.ok else ImportStatus.FAILED
        if not summary.ok:
            job.error = _("导入失败，未导入任何数据，请查看错误并修改文件后重新上传。")
    except UploadError as exc:
        job.errors, job.status, job.error = [str(exc)], ImportStatus.FAILED, str(exc)
    except Exception:
        job.errors = [_("导入失败：系统错误，请联系管理员。")]
        ImportJob.objects.filter(pk=job.pk).update(errors=job.errors, progress=100)
        raise
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["counts", "errors", "status", "error", "progress", "finished_at", "updated_at"])
