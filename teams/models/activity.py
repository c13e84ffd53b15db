"""teams models: activity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet
from pairings.models import Hospital, Pairing, TimeStamped
from teams.choices import (
    ReportStatus,
)
from teams.models.deployments import Deployment
from teams.models.scopes import _pairing_scope, _person_records_scope


class ExpertVisitBatch(TimeStamped):
    """柔性帮扶: one batch of visiting experts from a supporter (counts batches and person-times)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="expert_visits")
    supporter = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="expert_visits")
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    person_times = models.PositiveIntegerField(_("人次"))
    specialties = models.CharField(_("专业"), max_length=200, blank=True)
    activities = models.TextField(_("工作内容"), blank=True)

    SCOPE = _pairing_scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("专家柔性帮扶批次")
        verbose_name_plural = verbose_name
        ordering = ["pairing", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="expert_visit_dates"),
            models.CheckConstraint(condition=Q(person_times__gte=1), name="expert_visit_person_times"),
        ]


class ActivityQuerySet(ScopedQuerySet["MonthlyActivity"]):
    def confirmed(self) -> ActivityQuerySet:
        """Figures the recipient confirmed: the only ones the assessment, reports and rules count."""
        return self.filter(status=ReportStatus.CONFIRMED)


class MonthlyActivity(TimeStamped):
    """Monthly activity figures of one deployed person (SPEC §2 step 5), and their monthly work report.

    One model for both (issue 19): the recipient's coordinator enters figures directly (confirmed at once),
    or the person files a work report (工作月报: the same figures and a narrative) that the team leader
    reviews and the recipient confirms. Only confirmed figures feed the assessment and the reports
    (``teams.selectors.activity.confirmed``); the rest is shown as the person's own statement.
    """

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="activities")
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    outpatient_visits = models.PositiveIntegerField(_("门诊人次"), default=0)
    surgeries = models.PositiveIntegerField(_("手术台次"), default=0)
    lectures = models.PositiveIntegerField(_("授课次数"), default=0)
    teaching_rounds = models.PositiveIntegerField(_("教学查房"), default=0)
    case_discussions = models.PositiveIntegerField(_("病例讨论"), default=0)
    remote_consultations = models.PositiveIntegerField(_("远程会诊"), default=0)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.CONFIRMED
    )
    work_done = models.TextField(_("本月工作"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    next_plan = models.TextField(_("下月计划"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    SCOPE = _person_records_scope()
    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("月度工作量")
        verbose_name_plural = verbose_name
        ordering = ["deployment", "month"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "month"], name="activity_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="activity_month_first_day"),
        ]
