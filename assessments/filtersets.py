from __future__ import annotations

import django_filters as df
from django.utils.translation import gettext_lazy as _

from assessments.choices import (
    AppraisalStatus,
    Centre,
    CentreStatus,
    DonationKind,
    FindingStatus,
    Grade,
    JobStatus,
    ReportKind,
    Severity,
    SpecialtyKind,
)
from assessments.models import (
    AnnualAppraisal,
    CentreProgress,
    CountyOutcome,
    Donation,
    EndOfStintAppraisal,
    Finding,
    GradeChange,
    MonthlyAssessment,
    NewTechnology,
    Referral,
    ReportFile,
    RuleRun,
    ServiceCapacityAssessment,
    Specialty,
)
from core.query_params import MAX_YEAR, MIN_YEAR
from pairings.choices import HospitalGrade
from pairings.filtersets import UpdatedSinceFilterSet, scoped
from pairings.models import City, Program


class FindingFilterSet(UpdatedSinceFilterSet):
    program = df.ModelChoiceFilter(queryset=scoped(Program), label=_("项目"))
    rule_code = df.CharFilter(label=_("规则"))
    severity = df.ChoiceFilter(choices=Severity.choices, label=_("严重程度"))
    status = df.ChoiceFilter(choices=FindingStatus.choices, label=_("状态"))
    city = df.ModelChoiceFilter(field_name="pairing__recipient__city", queryset=scoped(City), label=_("市州"))
    pairing = df.NumberFilter(label=_("帮扶关系ID"))

    class Meta:
        model = Finding
        fields = ["rule_code", "severity", "status"]


# --- FilterSets added for the API (also usable by UI lists) ---------------------------------------------


class RuleRunFilterSet(df.FilterSet):
    program = df.ModelChoiceFilter(queryset=scoped(Program), label=_("项目"))
    pairing = df.NumberFilter(label=_("帮扶关系ID"))
    status = df.ChoiceFilter(choices=JobStatus.choices, label=_("状态"))

    class Meta:
        model = RuleRun
        fields = ["status", "trigger"]


class _HospitalFilters(UpdatedSinceFilterSet):
    hospital = df.NumberFilter(label=_("医院ID"))
    city = df.ModelChoiceFilter(field_name="hospital__city", queryset=scoped(City), label=_("市州"))


class CentreProgressFilterSet(_HospitalFilters):
    centre = df.ChoiceFilter(choices=Centre.choices, label=_("中心"))
    status = df.ChoiceFilter(choices=CentreStatus.choices, label=_("状态"))

    class Meta:
        model = CentreProgress
        fields = ["centre", "status"]


class SpecialtyFilterSet(_HospitalFilters):
    kind = df.ChoiceFilter(choices=SpecialtyKind.choices, label=_("类型"))
    achieved = df.BooleanFilter(
        field_name="achieved_on", lookup_expr="isnull", exclude=True, label=_("已达标")
    )

    class Meta:
        model = Specialty
        fields = ["kind", "selected_year"]


class NewTechnologyFilterSet(_HospitalFilters):
    date_from = df.DateFilter(field_name="introduced_on", lookup_expr="gte", label=_("起始日期"))
    date_to = df.DateFilter(field_name="introduced_on", lookup_expr="lte", label=_("截止日期"))

    class Meta:
        model = NewTechnology
        fields: list[str] = []


class GradeChangeFilterSet(_HospitalFilters):
    grade = df.ChoiceFilter(choices=HospitalGrade.choices, label=_("等级"))

    class Meta:
        model = GradeChange
        fields = ["grade"]


class _DeploymentFilters(UpdatedSinceFilterSet):
    deployment = df.NumberFilter(label=_("派驻ID"))
    pairing = df.NumberFilter(field_name="deployment__team__pairing", label=_("帮扶关系ID"))
    city = df.ModelChoiceFilter(
        field_name="deployment__team__pairing__recipient__city", queryset=scoped(City), label=_("市州")
    )


class MonthlyAssessmentFilterSet(_DeploymentFilters):
    month_from = df.DateFilter(field_name="month", lookup_expr="gte", label=_("起始月份"))
    month_to = df.DateFilter(field_name="month", lookup_expr="lte", label=_("截止月份"))
    passed = df.BooleanFilter(label=_("合格"))

    class Meta:
        model = MonthlyAssessment
        fields = ["passed"]


class EndOfStintAppraisalFilterSet(_DeploymentFilters):
    qualified = df.BooleanFilter(label=_("考核合格"))

    class Meta:
        model = EndOfStintAppraisal
        fields = ["qualified"]


class AnnualAppraisalFilterSet(UpdatedSinceFilterSet):
    program = df.ModelChoiceFilter(field_name="pairing__program", queryset=scoped(Program), label=_("项目"))
    pairing = df.NumberFilter(label=_("帮扶关系ID"))
    city = df.ModelChoiceFilter(field_name="pairing__recipient__city", queryset=scoped(City), label=_("市州"))
    year = df.NumberFilter(label=_("年度"))
    status = df.ChoiceFilter(choices=AppraisalStatus.choices, label=_("状态"))
    grade = df.ChoiceFilter(choices=Grade.choices, label=_("等次"))

    class Meta:
        model = AnnualAppraisal
        fields = ["year", "status", "grade"]


class ReportFileFilterSet(df.FilterSet):
    program = df.ModelChoiceFilter(queryset=scoped(Program), label=_("项目"))
    kind = df.ChoiceFilter(choices=ReportKind.choices, label=_("类型"))
    status = df.ChoiceFilter(choices=JobStatus.choices, label=_("状态"))

    class Meta:
        model = ReportFile
        fields = ["kind", "status", "year"]


# --- capacity building and county outcomes (issue 15 item 5, issue 14 item 9) -----------------------------


class ServiceCapacityAssessmentFilterSet(_HospitalFilters):
    reaches_level2 = df.BooleanFilter(label=_("达到二级医院医疗服务能力"))
    date_from = df.DateFilter(field_name="assessed_on", lookup_expr="gte", label=_("起始日期"))
    date_to = df.DateFilter(field_name="assessed_on", lookup_expr="lte", label=_("截止日期"))

    class Meta:
        model = ServiceCapacityAssessment
        fields: list[str] = []


class ReferralFilterSet(_HospitalFilters):
    # Bounded like every year parameter (core.query_params): a huge year is a 400, never an overflow.
    year = df.NumberFilter(field_name="month__year", label=_("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)

    class Meta:
        model = Referral
        fields: list[str] = []


class DonationFilterSet(UpdatedSinceFilterSet):
    pairing = df.NumberFilter(label=_("帮扶关系ID"))
    kind = df.ChoiceFilter(choices=DonationKind.choices, label=_("类型"))
    date_from = df.DateFilter(field_name="date", lookup_expr="gte", label=_("起始日期"))
    date_to = df.DateFilter(field_name="date", lookup_expr="lte", label=_("截止日期"))

    class Meta:
        model = Donation
        fields: list[str] = []


class CountyOutcomeFilterSet(UpdatedSinceFilterSet):
    county = df.NumberFilter(label=_("县区ID"))
    city = df.ModelChoiceFilter(field_name="county__city", queryset=scoped(City), label=_("市州"))
    year = df.NumberFilter(label=_("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)

    class Meta:
        model = CountyOutcome
        fields: list[str] = []
