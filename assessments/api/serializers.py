"""Serializers of capacity building, findings, rule runs, appraisals, reports and dashboard indicators."""

from __future__ import annotations

import datetime as dt
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


_DECIMAL = serializers.DecimalField(max_digits=5, decimal_places=2)


def _decimal(value: Any) -> str | None:
    return None if value is None else _DECIMAL.to_representation(value)


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _int(value: int | None) -> int | None:
    return None if value is None else int(value)


_CAPACITY = (
    "centres_built",
    "specialties_achieved",
    "new_technologies",
    "new_technology_cases",
    "grade_changes",
    "remote_services",
)
_MEASURES = (
    "deployments",
    "stay_met",
    "rosters_on_time",
    "attendance_months",
    "attendance_months_not_imported",
)


def plain_indicators(data: dict[str, Any]) -> dict[str, Any]:
    """``IndicatorsSerializer(data).data`` without the serializer: the same keys in the same order, values
    rendered as its fields render them (``tests/api/test_indicators.py`` holds them to the same bytes).

    Why: an indicators answer computed without the cache is a handful of milliseconds of SQL; DRF's nested
    serializers (up to 200 gaps, a county per row) cost as much again (issue 18). The serializer stays for
    the schema and for ``API_PLAIN_LISTS = False``."""
    f, cov, tr, fi, ap, cap, me = (
        data[k]
        for k in ("filters", "coverage", "training", "findings_open", "appraisals", "capacity", "measures")
    )
    return {
        "filters": {
            "program": _int(f["program"]),
            "city": _int(f["city"]),
            "pairing": _int(f["pairing"]),
            "date_from": _date(f["date_from"]),
            "date_to": _date(f["date_to"]),
        },
        "pairings": int(data["pairings"]),
        "coverage": {
            "period_days": int(cov["period_days"]),
            "covered_days": int(cov["covered_days"]),
            "gap_days": int(cov["gap_days"]),
            "gap_count": int(cov["gap_count"]),
            "coverage_rate": _float(cov["coverage_rate"]),
            "full_strength_days": int(cov["full_strength_days"]),
            "team_size_compliance_rate": _float(cov["team_size_compliance_rate"]),
            "single_leader_days": int(cov["single_leader_days"]),
            "pairings_with_gaps": int(cov["pairings_with_gaps"]),
            "gaps": [
                {"pairing": int(g["pairing"]), "start": _date(g["start"]), "end": _date(g["end"])}
                for g in cov["gaps"]
            ],
            "gaps_truncated": bool(cov["gaps_truncated"]),
        },
        "training": {
            "trainees": int(tr["trainees"]),
            "qualifying_trainees": int(tr["qualifying_trainees"]),
            "quota": int(tr["quota"]),
            "quota_rate": _float(tr["quota_rate"]),
        },
        "findings_open": {
            "total": int(fi["total"]),
            "by_rule_and_severity": [
                {"rule_code": str(r["rule_code"]), "severity": str(r["severity"]), "count": int(r["count"])}
                for r in fi["by_rule_and_severity"]
            ],
        },
        "appraisals": {
            "published": int(ap["published"]),
            "grades": {str(k): _int(v) for k, v in ap["grades"].items()},
        },
        "capacity": {k: int(cap[k]) for k in _CAPACITY},
        "attendance_rate": _float(data["attendance_rate"]),
        "measures": {k: int(me[k]) for k in _MEASURES},
        "county_outcomes": [
            {
                "program": int(o["program"]),
                "county": int(o["county"]),
                "county_name": str(o["county_name"]),
                "year": int(o["year"]),
                "in_county_visit_rate": _decimal(o["in_county_visit_rate"]),
                "county_hospitalisation_rate": _decimal(o["county_hospitalisation_rate"]),
                "grassroots_visit_share": _decimal(o["grassroots_visit_share"]),
                "outward_transfer_rate": _decimal(o["outward_transfer_rate"]),
                "referrals_up": _int(o["referrals_up"]),
                "referrals_down": _int(o["referrals_down"]),
                "targets": {str(k): _decimal(v) for k, v in o["targets"].items()},
            }
            for o in data["county_outcomes"]
        ],
    }
