"""assessments models: appraisals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assessments.choices import (
    AppraisalStatus,
    Grade,
)
from assessments.models.scopes import _DEPLOYMENT_SCOPE, _SUPERVISION_SCOPE, _pairing_scope
from core.access import Scope, ScopedQuerySet, audited
from pairings.models import Pairing, Program, TimeStamped
from teams.models import Deployment


@audited()
class MonthlyAssessment(TimeStamped):
    """月考核 of one deployed person by the recipient; pass mark and subsidy come from the program."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="monthly_assessments")
    month = models.DateField(_("月份"))
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    items = models.JSONField(_("分项"), default=dict, blank=True)
    passed = models.BooleanField(_("合格"))
    subsidy_cny = models.PositiveIntegerField(_("月补助 (元)"), default=0)
    deduction_cny = models.PositiveIntegerField(_("扣减 (元)"), default=0)
    comment = models.TextField(_("评语"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    SCOPE = _DEPLOYMENT_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("月考核")
        verbose_name_plural = verbose_name
        ordering = ["deployment", "month"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "month"], name="assessment_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="assessment_month_first_day"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="assessment_score_range"),
            models.CheckConstraint(
                condition=Q(deduction_cny__lte=F("subsidy_cny")), name="assessment_deduction_le"
            ),
        ]

    @property
    def payable_cny(self) -> int:
        return self.subsidy_cny - self.deduction_cny


class SpotCheck(TimeStamped):
    """在岗抽查: a phone spot check by the supporter."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="spot_checks")
    checked_at = models.DateTimeField(_("抽查时间"))
    reached = models.BooleanField(_("在岗"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    SCOPE = _SUPERVISION_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("在岗抽查")
        verbose_name_plural = verbose_name
        ordering = ["deployment", "checked_at"]


@audited()
class EndOfStintAppraisal(TimeStamped):
    """书面考核意见 by the recipient at the end of a stint."""

    deployment = models.OneToOneField(Deployment, on_delete=models.CASCADE, related_name="end_appraisal")
    qualified = models.BooleanField(_("考核合格"))
    opinion = models.TextField(_("考核意见"))
    signer = models.CharField(_("签署人"), max_length=40)
    signed_on = models.DateField(_("签署日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    SCOPE = _DEPLOYMENT_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("期满考核")
        verbose_name_plural = verbose_name


class Certificate(TimeStamped):
    """基层帮扶工作经历证明, issued only to a qualified person whose stay met the minimum."""

    appraisal = models.OneToOneField(
        EndOfStintAppraisal, on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField(_("证书编号"), max_length=32, unique=True)
    verification_code = models.CharField(_("验证码"), max_length=32, unique=True)
    issued_on = models.DateField(_("发证日期"))

    SCOPE = Scope(
        province="appraisal__deployment__team__pairing__program__province",
        city="appraisal__deployment__team__pairing__recipient__city",
        county="appraisal__deployment__team__pairing__recipient__county",
        hospital=("appraisal__deployment__team__pairing__recipient", "appraisal__deployment__supporter"),
        person="appraisal__deployment__staff",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶经历证明")
        verbose_name_plural = verbose_name


@audited()
class AnnualAppraisal(TimeStamped):
    """年度考核 of a pairing for one program year. Published rows are frozen; recomputes make drafts."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="annual_appraisals")
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=10, choices=AppraisalStatus.choices, default=AppraisalStatus.DRAFT
    )
    computed_score = models.DecimalField(_("计算得分"), max_digits=5, decimal_places=1)
    adjustment = models.DecimalField(_("调整分"), max_digits=5, decimal_places=1, default=0)
    adjustment_reason = models.TextField(_("调整理由"), blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    score = models.DecimalField(_("最终得分"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices)
    # Every indicator with its weight, score and the figures it was computed from.
    breakdown = models.JSONField(_("评分明细"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why a published result is being revised (a draft that, once published, supersedes the published row).
    revision_reason = models.TextField(_("修订理由"), blank=True, default="")

    SCOPE = _pairing_scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = verbose_name
        ordering = ["pairing", "year", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "year"],
                condition=Q(status=AppraisalStatus.DRAFT),
                name="appraisal_one_draft",
            ),
            models.UniqueConstraint(
                fields=["pairing", "year"],
                condition=Q(status=AppraisalStatus.PUBLISHED),
                name="appraisal_one_published",
            ),
            models.CheckConstraint(
                condition=Q(adjustment=0) | ~Q(adjustment_reason=""), name="appraisal_adjustment_has_reason"
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="appraisal_score_range"),
        ]


@audited()
class Scorecard(TimeStamped):
    """The annual-appraisal scorecard of a program, stored as data (SPEC §4: indicators, weights, bands).

    ``indicators``: [{"code", "label", "weight", "function", "params"}]; the functions are the registry in
    ``assessments.services.appraisals.SCORING_FUNCTIONS``. ``bands``: [{"grade", "min"}], highest first.
    A program without a row uses ``DEFAULT_SCORECARD`` from the same module.
    """

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="scorecard")
    indicators = models.JSONField(_("指标"), default=list)
    bands = models.JSONField(_("等次划分"), default=list)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    SCOPE = Scope(province="program__province")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核评分表")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"Scorecard {self.program_id}"
