"""teams models: imports."""

from __future__ import annotations

import dataclasses

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet
from core.jobs.choices import JobStatus
from core.jobs.models import Job
from pairings.models import Hospital, TimeStamped
from teams.models.rosters import Roster
from teams.models.scopes import _hospital_scope


class ImportKind(models.TextChoices):
    ATTENDANCE = "attendance", _("钉钉考勤")
    ROSTER = "roster", _("派驻名单")
    ACTIVITY = "activity", _("月度工作量")
    PAIRINGS = "pairings", _("帮扶关系")


# Import jobs share the one job status vocabulary (core.jobs); the old name stays for readers of imports.
ImportStatus = JobStatus


class ImportJob(TimeStamped, Job):
    """One upload being imported: a job row (core.jobs) with counts and errors that the UI polls.

    Attendance imports run as jobs. The roster and workload uploads of the Excel pages are kept by the shared
    import framework (``core.imports.models.ImportUpload``) since it replaced their own wizards; the
    ``roster`` / ``activity`` / ``pairings`` kinds remain only for rows stored before (``run_after`` empty,
    so the dispatcher leaves them alone).
    The task that runs it is idempotent: punches are keyed, so a rerun after a crash inserts nothing twice.
    """

    kind = models.CharField(_("类型"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="import_jobs")
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)

    # The uploaded file is the uploading hospital's working copy (full IDs and phones). The commission
    # supervises attendance imports (and may upload them itself); a roster upload stays the supporter's
    # until the roster is submitted, and dashboards never see jobs (issue 13 item 2).
    SCOPE = dataclasses.replace(_hospital_scope(), oversight=Q(kind=ImportKind.ATTENDANCE), dashboard=False)
    objects = ScopedQuerySet.as_manager()
    PROTECTED_FILES = ("file",)  # served by core.files after for_user

    class Meta(Job.Meta):
        verbose_name = _("导入任务")
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def job_task_name(self) -> str:
        return "teams.tasks.run_import_job"
