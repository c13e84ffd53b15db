"""Serializers of capacity building, findings, rule runs, appraisals, reports and dashboard indicators."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assessments.models import (
    AnnualAppraisal,
    CentreProgress,
    EndOfStintAppraisal,
    Finding,
    GradeChange,
    MonthlyAssessment,
    NewTechnology,
    ReportFile,
    RuleRun,
    Specialty,
)
from core.api.base import dict_renderer
from core.jobs.api import DELAYED_HELP
from teams.models import Deployment


class CentreProgressSerializer(serializers.ModelSerializer[CentreProgress]):
    class Meta:
        model = CentreProgress
        fields = ["id", "hospital", "centre", "status", "achieved_on", "note", "updated_at"]


class SpecialtySerializer(serializers.ModelSerializer[Specialty]):
    class Meta:
        model = Specialty
        fields = [
            "id", "hospital", "kind", "name", "selected_year", "goal", "progress", "achieved_on",
            "updated_at",
        ]  # fmt: skip


class NewTechnologySerializer(serializers.ModelSerializer[NewTechnology]):
    class Meta:
        model = NewTechnology
        fields = ["id", "hospital", "pairing", "supporter", "name", "introduced_on", "cases", "updated_at"]


class GradeChangeSerializer(serializers.ModelSerializer[GradeChange]):
    class Meta:
        model = GradeChange
        fields = ["id", "hospital", "grade", "effective_on", "updated_at"]


class FindingSerializer(serializers.ModelSerializer[Finding]):
    # Rendered in the request's language; the key and parameters let clients translate it themselves.
    message = serializers.CharField(source="text", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule_code",
            "severity",
            "program",
            "pairing",
            "subject_type",
            "subject_id",
            "team",
            "deployment",
            "agreement",
            "hospital",
            "county",
            "period_start",
            "period_end",
            "message",
            "message_key",
            "message_params",
            "evidence",
            "status",
            "first_seen",
            "last_seen",
            "resolved_at",
            "waived_at",
            "waive_reason",
            "updated_at",
        ]
        # A rule run that sees a finding again stamps last_seen only: incremental sync by updated_since
        # returns the findings that say something new, not every open finding after every run.
        extra_kwargs = {
            "last_seen": {"help_text": _("最近一次检查仍发现该问题的时间；仅此变化不更新 updated_at。")},
            "updated_at": {
                "help_text": _("问题内容或状态最近一次变化的时间（用于 updated_since 增量同步）。")
            },
        }


class RuleRunSerializer(serializers.ModelSerializer[RuleRun]):
    delayed = serializers.BooleanField(read_only=True, help_text=DELAYED_HELP)

    class Meta:
        model = RuleRun
        fields = [
            "id",
            "program",
            "pairing",
            "trigger",
            "status",
            "delayed",
            "created_at",
            "started_at",
            "finished_at",
            "counts",
            "error",
        ]


class MonthlyAssessmentSerializer(serializers.ModelSerializer[MonthlyAssessment]):
    payable_cny = serializers.IntegerField(read_only=True)

    class Meta:
        model = MonthlyAssessment
        fields = [
            "id",
            "deployment",
            "month",
            "score",
            "items",
            "passed",
            "subsidy_cny",
            "deduction_cny",
            "payable_cny",
            "comment",
            "updated_at",
        ]
        read_only_fields = ["passed", "subsidy_cny", "deduction_cny", "payable_cny"]


class MonthlyAssessmentCreateSerializer(serializers.Serializer[MonthlyAssessment]):
    """Input of a monthly assessment; the deployment must be in the submitter's scope."""

    deployment = serializers.PrimaryKeyRelatedField(queryset=Deployment.objects.none())
    month = serializers.DateField(help_text="first day of the month, e.g. 2023-03-01")
    score = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=100)
    items = serializers.DictField(required=False, default=dict)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["deployment"].queryset = Deployment.objects.for_user(getattr(request, "user", None))  # type: ignore[attr-defined]


class EndOfStintAppraisalSerializer(serializers.ModelSerializer[EndOfStintAppraisal]):
    class Meta:
        model = EndOfStintAppraisal
        fields = ["id", "deployment", "qualified", "opinion", "signer", "signed_on", "updated_at"]


class AnnualAppraisalSerializer(serializers.ModelSerializer[AnnualAppraisal]):
    class Meta:
        model = AnnualAppraisal
        fields = [
            "id",
            "pairing",
            "year",
            "status",
            "computed_score",
            "adjustment",
            "adjustment_reason",
            "score",
            "grade",
            "breakdown",
            "computed_at",
            "published_at",
            "updated_at",
        ]


class ReportFileSerializer(serializers.ModelSerializer[ReportFile]):
    has_file = serializers.SerializerMethodField()
    delayed = serializers.BooleanField(read_only=True, help_text=DELAYED_HELP)

    class Meta:
        model = ReportFile
        fields = [
            "id",
            "kind",
            "program",
            "year",
            "status",
            "delayed",
            "progress",
            "has_file",
            "error",
            "created_at",
            "finished_at",
        ]

    def get_has_file(self, obj: ReportFile) -> bool:
        return bool(obj.file)


# --- Indicators ------------------------------------------------------------------------------------------


class IndicatorQuerySerializer(serializers.Serializer[Any]):
    program = serializers.IntegerField(required=False, min_value=1)
    city = serializers.IntegerField(required=False, min_value=1)
    pairing = serializers.IntegerField(required=False, min_value=1)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": "date_to must not be before date_from"})
        return attrs


class GapSerializer(serializers.Serializer[Any]):
    pairing = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()


class CoverageSerializer(serializers.Serializer[Any]):
    period_days = serializers.IntegerField()
    covered_days = serializers.IntegerField()
    gap_days = serializers.IntegerField()
    gap_count = serializers.IntegerField()
    coverage_rate = serializers.FloatField(allow_null=True)
    full_strength_days = serializers.IntegerField()
    team_size_compliance_rate = serializers.FloatField(allow_null=True)
    single_leader_days = serializers.IntegerField()
    pairings_with_gaps = serializers.IntegerField()
    gaps = GapSerializer(many=True)
    gaps_truncated = serializers.BooleanField()


class TrainingIndicatorSerializer(serializers.Serializer[Any]):
    trainees = serializers.IntegerField()
    qualifying_trainees = serializers.IntegerField()
    quota = serializers.IntegerField()
    quota_rate = serializers.FloatField(allow_null=True)


class FindingCountSerializer(serializers.Serializer[Any]):
    rule_code = serializers.CharField()
    severity = serializers.CharField()
    count = serializers.IntegerField()


class FindingIndicatorSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    by_rule_and_severity = FindingCountSerializer(many=True)


class AppraisalIndicatorSerializer(serializers.Serializer[Any]):
    published = serializers.IntegerField()
    grades = serializers.DictField(child=serializers.IntegerField())


class CapacityIndicatorSerializer(serializers.Serializer[Any]):
    centres_built = serializers.IntegerField()
    specialties_achieved = serializers.IntegerField()
    new_technologies = serializers.IntegerField()
    new_technology_cases = serializers.IntegerField()
    grade_changes = serializers.IntegerField()
    remote_services = serializers.IntegerField()


class IndicatorFiltersSerializer(serializers.Serializer[Any]):
    program = serializers.IntegerField(allow_null=True)
    city = serializers.IntegerField(allow_null=True)
    pairing = serializers.IntegerField(allow_null=True)
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)


class MeasuresIndicatorSerializer(serializers.Serializer[Any]):
    """SPEC §3a measures, defined once and shared with the rules, the scorecard and the report."""

    deployments = serializers.IntegerField(help_text="Deployments overlapping the period.")
    stay_met = serializers.IntegerField(help_text="Of them, whose continuous stay meets the minimum.")
    rosters_on_time = serializers.IntegerField(help_text="Of them, whose roster was submitted in time.")
    attendance_months = serializers.IntegerField(help_text="Pairing-months with people on site.")
    attendance_months_not_imported = serializers.IntegerField(
        help_text="Of them, with no attendance imported (left out of attendance_rate)."
    )


class CountyOutcomeIndicatorSerializer(serializers.Serializer[Any]):
    """A county's outcome figures of a year (percentages) and its program's targets (SPEC §5)."""

    program = serializers.IntegerField()
    county = serializers.IntegerField()
    county_name = serializers.CharField()
    year = serializers.IntegerField()
    in_county_visit_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    county_hospitalisation_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    grassroots_visit_share = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    outward_transfer_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    referrals_up = serializers.IntegerField(allow_null=True)
    referrals_down = serializers.IntegerField(allow_null=True)
    targets = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2),
        help_text="指标 → 目标百分数（仅列出项目设定了目标的指标）",
    )


class IndicatorsSerializer(serializers.Serializer[Any]):
    filters = IndicatorFiltersSerializer()
    pairings = serializers.IntegerField()
    coverage = CoverageSerializer()
    training = TrainingIndicatorSerializer()
    findings_open = FindingIndicatorSerializer()
    appraisals = AppraisalIndicatorSerializer()
    capacity = CapacityIndicatorSerializer()
    attendance_rate = serializers.FloatField(allow_null=True)
    measures = MeasuresIndicatorSerializer()
    county_outcomes = CountyOutcomeIndicatorSerializer(many=True)


@functools.cache
def _indicators_renderer() -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    return dict_renderer(IndicatorsSerializer())


def plain_indicators(data: dict[str, Any]) -> dict[str, Any]:
    """``IndicatorsSerializer(data).data`` without DRF's per-field machinery (``core.api.base.dict_renderer``:
    the serializer's own fields, read once per process).

    Why: an indicators answer computed without the cache is a handful of milliseconds of SQL; DRF's nested
    serializers (up to 200 gaps, a county per row) cost as much again (issue 18)."""
    return _indicators_renderer()(data)
