"""Serializers of staff, teams, deployments, rosters and attendance. Personal data is masked unless the
member may see it (``Membership.can_see_personal_data``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.base import national_id_field, phone_field
from core.jobs.api import DELAYED_HELP
from teams.choices import Gender, Title
from teams.models import (
    AttendanceRecord,
    Deployment,
    ImportJob,
    MonthlyActivity,
    Roster,
    RosterEntry,
    Staff,
    Team,
)
from teams.services.jobs import job_progress


class StaffSerializer(serializers.ModelSerializer[Staff]):
    national_id = national_id_field()
    phone = phone_field()

    class Meta:
        model = Staff
        fields = [
            "id",
            "employer",
            "name",
            "gender",
            "national_id",
            "licence_no",
            "phone",
            "title",
            "specialty",
            "department",
            "clinical_since",
            "management_since",
            "updated_at",
        ]


class StaffWriteSerializer(serializers.Serializer[Any]):
    """What a hospital system sends to add (POST) or change (PATCH) a person; the service validates it."""

    name = serializers.CharField(max_length=40)
    title = serializers.ChoiceField(choices=Title.choices)
    national_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    licence_no = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    specialty = serializers.CharField(max_length=60, required=False, allow_blank=True)
    department = serializers.CharField(max_length=60, required=False, allow_blank=True)
    clinical_since = serializers.DateField(required=False, allow_null=True)
    management_since = serializers.DateField(required=False, allow_null=True)


class StaffBriefSerializer(serializers.ModelSerializer[Staff]):
    national_id = national_id_field()
    phone = phone_field()

    class Meta:
        model = Staff
        fields = ["id", "name", "gender", "national_id", "phone", "title", "specialty"]


class TeamSerializer(serializers.ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ["id", "pairing", "year", "rotation", "name", "start_date", "end_date", "updated_at"]


class DeploymentSerializer(serializers.ModelSerializer[Deployment]):
    staff = StaffBriefSerializer(read_only=True)
    pairing = serializers.IntegerField(source="team.pairing_id", read_only=True)
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "team",
            "pairing",
            "staff",
            "supporter",
            "roster",
            "role",
            "post",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "early_return_reason",
            "replaces",
            "start",
            "end",
            "updated_at",
        ]


class DeploymentDatesSerializer(serializers.Serializer[Any]):
    """PATCH of a deployment: the fields sent change, the others keep their value."""

    actual_start = serializers.DateField(required=False, allow_null=True, label="实际到岗日期")
    actual_end = serializers.DateField(required=False, allow_null=True, label="实际离岗日期")
    early_return_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=200, label="提前返回原因（实际离岗早于计划结束时必填）"
    )


class DeploymentReplaceSerializer(serializers.Serializer[Any]):
    staff = serializers.IntegerField(label="替换人员（同一支援医院的职工 id）")
    start = serializers.DateField(label="替换人员到岗日期")
    reason = serializers.CharField(max_length=200, label="替换原因")


class RosterEntrySerializer(serializers.ModelSerializer[RosterEntry]):
    staff = StaffBriefSerializer(read_only=True)

    class Meta:
        model = RosterEntry
        fields = ["id", "roster", "staff", "role", "post", "planned_start", "planned_end"]


class RosterSerializer(serializers.ModelSerializer[Roster]):
    entries = RosterEntrySerializer(many=True, read_only=True)
    pairing = serializers.IntegerField(source="team.pairing_id", read_only=True)

    class Meta:
        model = Roster
        fields = [
            "id",
            "team",
            "pairing",
            "supporter",
            "version",
            "previous",
            "status",
            "submitted_at",
            "forwarded_at",
            "decided_at",
            "comment",
            "entries",
            "updated_at",
        ]


class AttendanceRecordSerializer(serializers.ModelSerializer[AttendanceRecord]):
    class Meta:
        model = AttendanceRecord
        fields = [
            "id",
            "deployment",
            "date",
            "check_in",
            "check_out",
            "status",
            "source",
            "approval_ref",
            "note",
            "updated_at",
        ]


# --- writes: roster submission and attendance upload --------------------------------------------------


class RosterUploadSerializer(serializers.Serializer[Any]):
    """Multipart: the roster Excel (or CSV) of the template, for ``team`` and the caller's hospital."""

    file = serializers.FileField()
    team = serializers.IntegerField(min_value=1)
    supporter = serializers.IntegerField(min_value=1, required=False, help_text="默认为联络员所在医院")


class RosterEntryInputSerializer(serializers.Serializer[Any]):
    """One person of a JSON roster: the template's columns; validated by the import service, not here."""

    national_id = serializers.CharField(required=False, allow_blank=True)
    licence_no = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(allow_blank=True)
    gender = serializers.CharField(required=False, allow_blank=True, help_text="男/女 或 M/F")
    phone = serializers.CharField(required=False, allow_blank=True)
    hospital = serializers.CharField(required=False, allow_blank=True, help_text="默认为报送医院")
    title = serializers.CharField(help_text="1–4 或 初级/中级/副高/正高")
    specialty = serializers.CharField(required=False, allow_blank=True)
    department = serializers.CharField(required=False, allow_blank=True)
    clinical_since = serializers.CharField(required=False, allow_blank=True)
    management_since = serializers.CharField(required=False, allow_blank=True)
    role = serializers.CharField(help_text="leader/member 或 队长/队员")
    post = serializers.CharField()
    planned_start = serializers.CharField()
    planned_end = serializers.CharField()


class RosterEntriesSerializer(serializers.Serializer[Any]):
    """JSON: the whole roster of ``team`` as entries (the same rules as the Excel upload)."""

    team = serializers.IntegerField(min_value=1)
    supporter = serializers.IntegerField(min_value=1, required=False, help_text="默认为联络员所在医院")
    entries = RosterEntryInputSerializer(many=True, allow_empty=False)


class RosterRowErrorSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class RosterPreviewRowSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text="文件中的行号（JSON：entry + 2）")
    entry = serializers.IntegerField(required=False, help_text="JSON 提交时 entries 中的下标")
    status = serializers.ChoiceField(choices=["new", "changed", "unchanged", "error"])
    name = serializers.CharField()
    # Response-only (documents the shape); the metaclass moves the field off ``Serializer.errors``.
    errors = RosterRowErrorSerializer(many=True)  # type: ignore[assignment]


class RosterPreviewSerializer(serializers.Serializer[Any]):
    applied = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rows = RosterPreviewRowSerializer(many=True)
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="整份名单的错误"
    )
    removed = serializers.ListField(child=serializers.CharField(), help_text="将从名单中移除的人员")


class RosterConfirmSerializer(serializers.Serializer[Any]):
    roster = RosterSerializer()
    preview = RosterPreviewSerializer()


class AttendanceUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="钉钉考勤导出（.xlsx 或 .csv）")
    hospital = serializers.IntegerField(min_value=1, required=False, help_text="默认为联络员所在受援医院")


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    progress = serializers.SerializerMethodField()
    delayed = serializers.BooleanField(read_only=True, help_text=DELAYED_HELP)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "hospital",
            "original_name",
            "status",
            "delayed",
            "progress",
            "counts",
            "error",
            "errors",
            "created_at",
            "finished_at",
            "url",
        ]

    def get_progress(self, job: ImportJob) -> int:

        return job_progress(job)

    def get_url(self, job: ImportJob) -> str:
        from django.urls import reverse

        path = reverse("api:attendance-import-detail", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MonthlyActivitySerializer(serializers.ModelSerializer[MonthlyActivity]):
    class Meta:
        model = MonthlyActivity
        fields = [
            "id", "deployment", "month", "outpatient_visits", "surgeries", "lectures", "teaching_rounds",
            "case_discussions", "remote_consultations", "updated_at",
        ]  # fmt: skip


class MonthlyActivityWriteSerializer(serializers.Serializer[Any]):
    """One person's workload of one month; posting the same month again corrects it."""

    deployment = serializers.PrimaryKeyRelatedField(queryset=Deployment.objects.none())
    month = serializers.DateField(help_text="any day of the month, e.g. 2024-03-01")
    outpatient_visits = serializers.IntegerField(min_value=0, default=0)
    surgeries = serializers.IntegerField(min_value=0, default=0)
    lectures = serializers.IntegerField(min_value=0, default=0)
    teaching_rounds = serializers.IntegerField(min_value=0, default=0)
    case_discussions = serializers.IntegerField(min_value=0, default=0)
    remote_consultations = serializers.IntegerField(min_value=0, default=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["deployment"].queryset = Deployment.objects.for_user(getattr(request, "user", None))  # type: ignore[attr-defined]
