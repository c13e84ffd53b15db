from django.contrib import admin

from core.admin_base import ScopedAdmin
from teams.models import (
    AttendanceRecord,
    Deployment,
    ExpertVisitBatch,
    MonthlyActivity,
    Roster,
    RosterEntry,
    Staff,
    Team,
)


@admin.register(Staff)
class StaffAdmin(ScopedAdmin):
    # Personal data stays masked in lists; the full values are on the change form for administrators.
    list_display = ["name", "employer", "title", "specialty", "national_id_masked", "phone_masked"]
    list_filter = ["title", "employer__origin"]
    search_fields = ["name", "licence_no", "specialty"]
    list_select_related = ["employer"]
    autocomplete_fields = ["employer"]


class DeploymentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Deployment
    extra = 0
    raw_id_fields = ["staff", "roster"]
    fields = [
        "staff",
        "supporter",
        "role",
        "post",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
    ]


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    list_display = ["__str__", "year", "rotation", "start_date", "end_date"]
    list_filter = ["year", "pairing__program"]
    search_fields = ["name", "pairing__recipient__name"]
    list_select_related = ["pairing__recipient"]
    raw_id_fields = ["pairing"]
    inlines = [DeploymentInline]


class RosterEntryInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RosterEntry
    extra = 0
    raw_id_fields = ["staff"]


@admin.register(Roster)
class RosterAdmin(ScopedAdmin):
    list_display = ["__str__", "status", "version", "submitted_at", "decided_at"]
    list_filter = ["status", "team__year"]
    search_fields = ["team__pairing__recipient__name", "supporter__name"]
    list_select_related = ["team__pairing__recipient", "supporter"]
    raw_id_fields = ["team", "previous", "submitted_by", "forwarded_by", "decided_by"]
    inlines = [RosterEntryInline]


@admin.register(Deployment)
class DeploymentAdmin(ScopedAdmin):
    list_display = [
        "staff",
        "team",
        "supporter",
        "role",
        "post",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
    ]
    list_filter = ["role", "post", "team__year"]
    search_fields = ["staff__name", "team__pairing__recipient__name"]
    list_select_related = ["staff", "team__pairing__recipient", "supporter"]
    raw_id_fields = ["team", "staff", "roster"]


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(ScopedAdmin):
    list_display = ["deployment", "date", "status", "check_in", "check_out", "source"]
    list_filter = ["status", "source"]
    search_fields = ["deployment__staff__name"]
    date_hierarchy = "date"
    raw_id_fields = ["deployment"]
    list_select_related = ["deployment__staff", "deployment__team"]


@admin.register(ExpertVisitBatch)
class ExpertVisitBatchAdmin(ScopedAdmin):
    list_display = ["pairing", "supporter", "start_date", "end_date", "person_times"]
    list_filter = ["start_date"]
    search_fields = ["pairing__recipient__name", "supporter__name"]
    raw_id_fields = ["pairing"]


@admin.register(MonthlyActivity)
class MonthlyActivityAdmin(ScopedAdmin):
    list_display = ["deployment", "month", "outpatient_visits", "surgeries", "lectures", "teaching_rounds"]
    list_filter = ["month"]
    search_fields = ["deployment__staff__name"]
    raw_id_fields = ["deployment"]
