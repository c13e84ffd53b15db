from django.contrib import admin

from assessments.models import (
    AnnualAppraisal,
    CentreProgress,
    Certificate,
    Donation,
    EndOfStintAppraisal,
    Finding,
    GradeChange,
    MonthlyAssessment,
    NewTechnology,
    Referral,
    ReportFile,
    RuleRun,
    Specialty,
    SpotCheck,
)
from core.admin_base import ScopedAdmin


@admin.register(CentreProgress)
class CentreProgressAdmin(ScopedAdmin):
    list_display = ["hospital", "centre", "status", "achieved_on"]
    list_filter = ["centre", "status"]
    search_fields = ["hospital__name"]
    raw_id_fields = ["hospital"]


@admin.register(Specialty)
class SpecialtyAdmin(ScopedAdmin):
    list_display = ["hospital", "kind", "name", "selected_year", "achieved_on"]
    list_filter = ["kind"]
    search_fields = ["hospital__name", "name"]
    raw_id_fields = ["hospital"]


@admin.register(NewTechnology)
class NewTechnologyAdmin(ScopedAdmin):
    list_display = ["hospital", "name", "introduced_on", "cases"]
    search_fields = ["hospital__name", "name"]
    raw_id_fields = ["hospital", "pairing"]


@admin.register(GradeChange)
class GradeChangeAdmin(ScopedAdmin):
    list_display = ["hospital", "grade", "effective_on"]
    list_filter = ["grade"]
    search_fields = ["hospital__name"]
    raw_id_fields = ["hospital"]


@admin.register(Referral)
class ReferralAdmin(ScopedAdmin):
    list_display = ["hospital", "month", "up_count", "down_count"]
    search_fields = ["hospital__name"]
    raw_id_fields = ["hospital"]


@admin.register(Donation)
class DonationAdmin(ScopedAdmin):
    list_display = ["pairing", "supporter", "date", "kind", "value_cny"]
    list_filter = ["kind"]
    search_fields = ["pairing__recipient__name", "supporter__name"]
    raw_id_fields = ["pairing"]


@admin.register(RuleRun)
class RuleRunAdmin(ScopedAdmin):
    list_display = [
        "id",
        "program",
        "pairing",
        "trigger",
        "status",
        "created_at",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "trigger", "program"]
    raw_id_fields = ["pairing"]
    readonly_fields = ["counts", "error", "task_id"]


@admin.register(Finding)
class FindingAdmin(ScopedAdmin):
    list_display = ["rule_code", "severity", "status", "pairing", "period_start", "period_end", "last_seen"]
    list_filter = ["rule_code", "severity", "status", "program"]
    search_fields = ["message", "fingerprint", "pairing__recipient__name"]
    raw_id_fields = [
        "pairing",
        "team",
        "deployment",
        "staff",
        "agreement",
        "hospital",
        "county",
        "last_run",
        "waived_by",
    ]
    list_select_related = ["pairing__recipient"]


@admin.register(MonthlyAssessment)
class MonthlyAssessmentAdmin(ScopedAdmin):
    list_display = ["deployment", "month", "score", "passed", "subsidy_cny", "deduction_cny"]
    list_filter = ["passed", "month"]
    search_fields = ["deployment__staff__name"]
    raw_id_fields = ["deployment", "assessed_by"]


@admin.register(SpotCheck)
class SpotCheckAdmin(ScopedAdmin):
    list_display = ["deployment", "checked_at", "reached"]
    list_filter = ["reached"]
    search_fields = ["deployment__staff__name"]
    raw_id_fields = ["deployment", "checked_by"]


@admin.register(EndOfStintAppraisal)
class EndOfStintAppraisalAdmin(ScopedAdmin):
    list_display = ["deployment", "qualified", "signer", "signed_on"]
    list_filter = ["qualified"]
    search_fields = ["deployment__staff__name", "signer"]
    raw_id_fields = ["deployment", "recorded_by"]


@admin.register(Certificate)
class CertificateAdmin(ScopedAdmin):
    list_display = ["number", "issued_on", "appraisal"]
    search_fields = ["number", "verification_code"]
    raw_id_fields = ["appraisal"]


@admin.register(AnnualAppraisal)
class AnnualAppraisalAdmin(ScopedAdmin):
    list_display = [
        "pairing",
        "year",
        "status",
        "computed_score",
        "adjustment",
        "score",
        "grade",
        "published_at",
    ]
    list_filter = ["year", "status", "grade"]
    search_fields = ["pairing__recipient__name"]
    raw_id_fields = ["pairing", "adjusted_by", "published_by"]


@admin.register(ReportFile)
class ReportFileAdmin(ScopedAdmin):
    list_display = ["id", "kind", "program", "year", "status", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["error", "task_id"]
