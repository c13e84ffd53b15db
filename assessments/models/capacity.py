"""assessments models: capacity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.choices import (
    CapacityStandard,
    Centre,
    CentreStatus,
    DonationKind,
    SpecialtyKind,
)
from assessments.models.scopes import _HOSPITAL_SCOPE, _pairing_scope
from core.access import Scope, ScopedQuerySet, audited
from pairings.choices import HospitalGrade
from pairings.models import County, Hospital, Pairing, TimeStamped


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
