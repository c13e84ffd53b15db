"""Capacity building, rule findings and runs, appraisals (individual and pairing) and report files."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assessments.choices import (
    AppraisalStatus,
    CapacityStandard,
    Centre,
    CentreStatus,
    DonationKind,
    FindingStatus,
    Grade,
    RectificationStatus,
    ReportKind,
    RunTrigger,
    Severity,
    SpecialtyKind,
    SubjectType,
)
from assessments.rules.messages import render_message
from core.access import Scope, ScopedQuerySet, audited
from core.jobs.models import Job
from pairings.choices import HospitalGrade
from pairings.models import Agreement, City, County, Hospital, Pairing, Program, TimeStamped
from teams.models import Deployment, Staff, Team

_HOSPITAL_SCOPE = Scope(
    province="hospital__province",
    city="hospital__city",
    county="hospital__county",
    hospital=("hospital", "hospital__pairings_received__supporters__hospital"),
)


def _pairing_scope(prefix: str) -> Scope:
    return Scope(
        province=f"{prefix}program__province",
        city=f"{prefix}recipient__city",
        county=f"{prefix}recipient__county",
        hospital=(f"{prefix}recipient", f"{prefix}supporters__hospital"),
    )


# A person's monthly scores, spot checks and end-of-stint appraisal belong to the deploying supporter (the
# employer), the recipient and the commission — not to a co-supporter of the pairing (SPEC §6).
_DEPLOYMENT_SCOPE = Scope(
    province="deployment__team__pairing__program__province",
    city="deployment__team__pairing__recipient__city",
    county="deployment__team__pairing__recipient__county",
    hospital=("deployment__team__pairing__recipient", "deployment__supporter"),
    # The person sees their own scores and appraisal; a team leader does not see the team's (issue 19).
    person="deployment__staff",
)
# Spot checks are the supporter's supervision of its people, not part of the person's workspace.
_SUPERVISION_SCOPE = dataclasses.replace(_DEPLOYMENT_SCOPE, person=None)


# --- Capacity building (per recipient) ------------------------------------------------------------------


@audited()
class CentreProgress(TimeStamped):
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="centres")
    centre = models.CharField(_("中心"), max_length=16, choices=Centre.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=CentreStatus.choices, default=CentreStatus.NOT_STARTED
    )
    achieved_on = models.DateField(_("建成日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    SCOPE = _HOSPITAL_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("五大中心建设")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["hospital", "centre"], name="centre_one_per_hospital"),
            models.CheckConstraint(
                condition=~Q(status__in=[CentreStatus.BUILT, CentreStatus.ACCREDITED])
                | Q(achieved_on__isnull=False),
                name="centre_built_has_date",
            ),
        ]


@audited()
class Specialty(TimeStamped):
    """A weak specialty chosen for focused building (2–3 per recipient) or a TCM key specialty."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="specialties")
    kind = models.CharField(_("类型"), max_length=16, choices=SpecialtyKind.choices)
    name = models.CharField(_("专科"), max_length=60)
    selected_year = models.PositiveSmallIntegerField(_("选定年度"))
    achieved_on = models.DateField(_("达标日期"), null=True, blank=True)
    # The recipient's own estimate of how far the building plan has come (the page draws it as a bar).
    progress = models.PositiveSmallIntegerField(_("建设进度（%）"), default=0)
    goal = models.CharField(_("建设目标"), max_length=200, blank=True, default="")

    SCOPE = _HOSPITAL_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("专科建设")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["hospital", "kind", "name"], name="specialty_unique"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="specialty_progress_le_100"),
        ]


@audited()
class CentreMilestone(TimeStamped):
    """One step of a centre's building (date, what was done) with an optional evidence file."""

    centre = models.ForeignKey(CentreProgress, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField(_("日期"))
    description = models.CharField(_("进展"), max_length=200)
    evidence = models.FileField(_("佐证材料"), upload_to="capacity/%Y/", blank=True)
    evidence_name = models.CharField(_("文件名"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE = Scope(
        province="centre__hospital__province",
        city="centre__hospital__city",
        county="centre__hospital__county",
        hospital=("centre__hospital", "centre__hospital__pairings_received__supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()
    # Served only by core.files.protected_file, after for_user (those who may see the recipient).
    PROTECTED_FILES = ("evidence",)

    class Meta:
        verbose_name = _("中心建设进展")
        verbose_name_plural = verbose_name
        ordering = ["centre", "date", "pk"]


@audited()
class NewTechnology(TimeStamped):
    """新技术新业务 introduced at a recipient."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="new_technologies")
    pairing = models.ForeignKey(Pairing, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The supporter that brought it (one of the pairing's supporters); None when the recipient's own.
    supporter = models.ForeignKey(
        Hospital,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("支援医院"),
    )
    name = models.CharField(_("技术名称"), max_length=120)
    introduced_on = models.DateField(_("开展日期"))
    cases = models.PositiveIntegerField(_("开展例数"), default=0)

    SCOPE = _HOSPITAL_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("新技术新业务")
        verbose_name_plural = verbose_name
        ordering = ["hospital", "introduced_on"]


@audited()
class GradeChange(TimeStamped):
    """Grade history of a hospital (未定级 → 二级 → 二级甲等 …); Hospital.grade is the current value."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="grade_history")
    grade = models.CharField(_("等级"), max_length=16, choices=HospitalGrade.choices)
    effective_on = models.DateField(_("评定日期"))

    SCOPE = _HOSPITAL_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("等级评定")
        verbose_name_plural = verbose_name
        ordering = ["hospital", "effective_on"]
        constraints = [models.UniqueConstraint(fields=["hospital", "effective_on"], name="grade_one_per_day")]


class ServiceCapacityAssessment(TimeStamped):
    """An assessment of a county hospital's service capacity (医疗服务能力评估), dated.

    GRADE_TARGET asks that a county hospital *reaches 二级 service capacity* (达到二级医院医疗服务能力) — an
    assessed capacity, of which the formal grade (``GradeChange``) is one kind of evidence, this another.
    """

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="capacity_assessments")
    assessed_on = models.DateField(_("评估日期"))
    standard = models.CharField(_("评估标准"), max_length=16, choices=CapacityStandard.choices)
    reaches_level2 = models.BooleanField(_("达到二级医院医疗服务能力"))
    assessor = models.CharField(_("评估机构"), max_length=120, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="capacity/%Y/", blank=True)
    evidence_name = models.CharField(_("文件名"), max_length=200, blank=True, default="")

    SCOPE = _HOSPITAL_SCOPE
    objects = ScopedQuerySet.as_manager()
    PROTECTED_FILES = ("evidence",)

    class Meta:
        verbose_name = _("服务能力评估")
        verbose_name_plural = verbose_name
        ordering = ["hospital", "assessed_on"]
        indexes = [models.Index(fields=["hospital", "assessed_on"], name="capacity_hospital_date")]


class Referral(TimeStamped):
    """双向转诊 counts of a recipient in a month."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="referrals")
    month = models.DateField(_("月份"))
    up_count = models.PositiveIntegerField(_("上转人次"), default=0)
    down_count = models.PositiveIntegerField(_("下转人次"), default=0)

    SCOPE = _HOSPITAL_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("双向转诊")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["hospital", "month"], name="referral_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="referral_month_first_day"),
        ]


class Donation(TimeStamped):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="donations")
    supporter = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="donations")
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=DonationKind.choices)
    description = models.CharField(_("内容"), max_length=200)
    value_cny = models.DecimalField(_("金额/价值 (元)"), max_digits=14, decimal_places=2)

    SCOPE = _pairing_scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("捐赠")
        verbose_name_plural = verbose_name
        ordering = ["pairing", "date"]


# --- County outcome indicators (SPEC §5, Guangdong) ------------------------------------------------------


@audited()
class CountyOutcome(TimeStamped):
    """A county's outcome indicators of one year, entered by its health bureau (县卫生健康局).

    Rates are percentages (0–100) as the bureau's statistics state them; the program's targets
    (``RuleParams.outcome_*``, Guangdong: ≈ 90 %, ≥ 85 %, ≈ 65 %) are compared on the pages and the report.
    """

    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="outcomes")
    year = models.PositiveSmallIntegerField(_("年度"))
    in_county_visit_rate = models.DecimalField(
        _("县域内就诊率（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    county_hospitalisation_rate = models.DecimalField(
        _("县域内住院率（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    grassroots_visit_share = models.DecimalField(
        _("基层就诊占比（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    referrals_up = models.PositiveIntegerField(_("上转人次"), null=True, blank=True)
    referrals_down = models.PositiveIntegerField(_("下转人次"), null=True, blank=True)
    outward_transfer_rate = models.DecimalField(
        _("县外转诊率（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # The health bureaus' statistics: commission staff of the province, city and county read them.
    SCOPE = Scope(province="county__city__province", city="county__city", county="county")
    objects = ScopedQuerySet.as_manager()

    RATE_FIELDS = (
        "in_county_visit_rate",
        "county_hospitalisation_rate",
        "grassroots_visit_share",
        "outward_transfer_rate",
    )

    class Meta:
        verbose_name = _("县域医疗指标")
        verbose_name_plural = verbose_name
        ordering = ["county", "year"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="county_outcome_one_per_year"),
            models.CheckConstraint(
                condition=(Q(in_county_visit_rate__isnull=True) | Q(in_county_visit_rate__range=(0, 100)))
                & (
                    Q(county_hospitalisation_rate__isnull=True)
                    | Q(county_hospitalisation_rate__range=(0, 100))
                )
                & (Q(grassroots_visit_share__isnull=True) | Q(grassroots_visit_share__range=(0, 100)))
                & (Q(outward_transfer_rate__isnull=True) | Q(outward_transfer_rate__range=(0, 100))),
                name="county_outcome_rates_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year}"


# --- Rule checks ----------------------------------------------------------------------------------------


class RuleRun(Job):
    """One execution of the rule engine over a program or a pairing (a job row, core.jobs, the UI shows)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rule_runs")
    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, null=True, blank=True, related_name="rule_runs"
    )
    trigger = models.CharField(
        _("触发方式"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.MANUAL
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(_("各规则统计"), default=dict, blank=True)

    SCOPE = Scope(
        province="program__province",
        city="pairing__recipient__city",
        county="pairing__recipient__county",
        hospital=("pairing__recipient", "pairing__supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta(Job.Meta):
        verbose_name = _("规则检查运行")
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"RuleRun #{self.pk} {self.program.code} {self.status}"

    def job_task_name(self) -> str:
        if self.pairing_id:
            return "assessments.rules.run_pairing_rules"
        return "assessments.rules.run_program_rules"


# A rerun stamps last_seen / last_run on every finding that still holds: no audit event for that alone.
@audited(ignore_updates_of=("last_seen", "last_run", "updated_at"))
class Finding(TimeStamped):
    """A rule violation. The fingerprint is stable across runs so a rerun updates instead of duplicating."""

    rule_code = models.CharField(_("规则"), max_length=32, db_index=True)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="findings")
    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, null=True, blank=True, related_name="findings"
    )
    subject_type = models.CharField(_("对象类型"), max_length=12, choices=SubjectType.choices)
    subject_id = models.BigIntegerField(_("对象ID"))
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="findings")
    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, null=True, blank=True, related_name="findings"
    )
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, null=True, blank=True, related_name="findings")
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="findings"
    )
    hospital = models.ForeignKey(
        Hospital, on_delete=models.CASCADE, null=True, blank=True, related_name="findings"
    )
    county = models.ForeignKey(
        County, on_delete=models.CASCADE, null=True, blank=True, related_name="findings"
    )
    period_start = models.DateField(_("起始日期"), null=True, blank=True)
    period_end = models.DateField(_("截止日期"), null=True, blank=True)
    # The message as data (key = Chinese msgid, params JSON), rendered for the reader by ``text``; ``message``
    # keeps the Chinese rendering (admin search, and the only text of findings stored before keys existed).
    message = models.TextField(_("说明"))
    message_key = models.TextField(_("说明模板"), blank=True, default="")
    message_params = models.JSONField(_("说明参数"), default=dict, blank=True)
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    first_seen = models.DateTimeField(_("首次发现"))
    last_seen = models.DateTimeField(_("最近发现"))
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    waived_at = models.DateTimeField(_("豁免时间"), null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waive_reason = models.TextField(_("豁免理由"), blank=True)
    last_run = models.ForeignKey(RuleRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    SCOPE = Scope(
        province="program__province",
        city="pairing__recipient__city",
        county="pairing__recipient__county",
        hospital=("pairing__recipient", "pairing__supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = verbose_name
        ordering = ["-last_seen"]
        indexes = [
            models.Index(fields=["program", "rule_code", "status"], name="finding_program_rule_status"),
            models.Index(fields=["pairing", "status"], name="finding_pairing_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=FindingStatus.WAIVED)
                | (~Q(waive_reason="") & Q(waived_at__isnull=False)),
                name="finding_waiver_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="finding_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code}: {self.message[:60]}"

    @property
    def text(self) -> str:
        """The message in the active language (the stored text for findings without a key)."""
        return render_message(self.message_key, self.message_params, fallback=self.message)


# --- Individual appraisal ------------------------------------------------------------------------------


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


# --- Pairing appraisal and reports ---------------------------------------------------------------------


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


class ReportFile(Job):
    """A generated report: a job row (core.jobs) whose result file is ``file``."""

    kind = models.CharField(_("类型"), max_length=20, choices=ReportKind.choices)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to="reports/%Y/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The report's area (issue 14 item 6): none for the whole province, a city, or a county (with its city,
    # so the city's staff see the county reports of their city too). The build reads only the area's pairings.
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("市州")
    )
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("县（市、区）"),
    )

    # The province's staff (and dashboards, refused by the download view) see every report of the program;
    # city and county staff only the reports of their own area.
    SCOPE = Scope(province="program__province", city="city", county="county")
    objects = ScopedQuerySet.as_manager()
    # No PROTECTED_FILES: the file is served by report_download, which also refuses dashboards.

    class Meta(Job.Meta):
        verbose_name = _("报告")
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(county__isnull=True) | Q(city__isnull=False), name="reportfile_county_has_city"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.program.code} {self.year or ''} #{self.pk}"

    def job_task_name(self) -> str:
        return "assessments.build_report"


# --- Scorecard (appraisals area) ----------------------------------------------------------------------


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


# --- Rectification (限期整改, findings area) ---------------------------------------------------------------


@audited()
class Rectification(TimeStamped):
    """An order to fix one or several open findings of one pairing by a date (限期整改, SPEC §3 consequences).

    Commission staff assign it to the responsible hospital (the pairing's recipient or one of its supporters)
    with an instruction; that hospital's coordinator answers with text and evidence files; the commission
    accepts (the findings close as rectified) or sends it back with a comment, and the hospital answers again.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rectifications")
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="rectifications")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="rectifications")
    findings = models.ManyToManyField(Finding, related_name="rectifications")
    instruction = models.TextField(_("整改要求"))
    due_date = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RectificationStatus.choices, default=RectificationStatus.ASSIGNED
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_comment = models.TextField(_("审核意见"), blank=True)

    SCOPE = _pairing_scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("限期整改")
        verbose_name_plural = verbose_name
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="rectification_status_due")]

    def __str__(self) -> str:
        return f"Rectification #{self.pk} ({self.hospital_id}, {self.due_date})"

    def is_overdue(self, today: dt.date) -> bool:
        """Past its due date and not yet answered (an answer waiting for review is the commission's turn)."""
        waiting = self.status in (RectificationStatus.ASSIGNED, RectificationStatus.RETURNED)
        return waiting and self.due_date < today


@audited()
class RectificationAnswer(models.Model):
    """One answer of the responsible hospital (a rectification sent back gets another)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("整改情况"))
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("答复时间"))

    class Meta:
        ordering = ["answered_at", "pk"]

    def __str__(self) -> str:
        return f"Answer #{self.pk} to rectification {self.rectification_id}"


class RectificationEvidence(models.Model):
    """An evidence file of an answer (PDF, image or office document; content-sniffed, size-limited)."""

    answer = models.ForeignKey(RectificationAnswer, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to="rectifications/%Y/")
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小"))

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
