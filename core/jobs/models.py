"""The abstract job row every background job model inherits (``ImportJob``, ``RuleRun``, ``ReportFile``).

A concrete job model adds its own inputs and results (a report's ``file``, an import's ``counts``) and
names its Celery task in :meth:`Job.job_task_name`; the dispatcher finds every concrete subclass through
the app registry, so ``core`` never imports the apps above it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.jobs.choices import FINISHED, JobStatus


class Job(models.Model):
    status = models.CharField(
        _("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("进度 (%)"), default=0)
    # What the user is told when the job failed; the traceback is for administrators.
    error = models.TextField(_("错误信息"), blank=True)
    traceback = models.TextField(_("错误详情"), blank=True)
    log = models.TextField(_("日志"), blank=True)
    # Runs started (one per delivery that claimed the row): the redelivery cap counts these.
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    # Set by job_start: the row is a job to send from then on (rows never started stay NULL).
    run_after = models.DateTimeField(_("计划开始"), null=True, blank=True)
    # When the broker took the message; NULL while the job waits for the dispatcher (the outbox).
    dispatched_at = models.DateTimeField(_("已发送"), null=True, blank=True)
    dispatch_error = models.TextField(_("发送错误"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    # Set on the row a run claimed: True when an earlier run of it was interrupted (its worker died).
    resumed = False

    class Meta:
        abstract = True
        indexes = [
            # The dispatcher's query: started jobs the broker has not taken yet.
            models.Index(
                fields=["run_after"],
                name="%(app_label)s_%(class)s_outbox",
                condition=Q(status="queued", dispatched_at__isnull=True, run_after__isnull=False),
            ),
        ]

    def job_task_name(self) -> str:
        """The Celery task that runs this row (called with the row's pk)."""
        raise NotImplementedError

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def delayed(self) -> bool:
        """Queued, and the broker could not take it: it starts once the queue is back (nothing is lost)."""
        return self.status == JobStatus.QUEUED and self.dispatched_at is None and bool(self.dispatch_error)

    @property
    def max_attempts(self) -> int:
        return int(getattr(settings, "JOBS_MAX_ATTEMPTS", 3))


class DeferredTask(models.Model):
    """A fire-and-forget Celery task the broker could not take (Redis down), stored by
    ``core.tasks.enqueue_on_commit``; ``requeue_deferred_tasks`` resends it. Jobs with a row of their own
    (imports, rule runs, reports) need none of this: their row is their outbox (:class:`Job`).

    Tasks are idempotent, so a job resent after it also got through by other means does no harm.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("延迟的后台任务")
        verbose_name_plural = verbose_name
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"
