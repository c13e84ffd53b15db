"""Serializers of staff, teams, deployments, rosters and attendance. Personal data is masked unless the
member may see it (``Membership.can_see_personal_data``)."""

from __future__ import annotations

from rest_framework import serializers

from pairings.api.base import national_id_field, phone_field

from ..models import AttendanceRecord, Deployment, Roster, RosterEntry, Staff, Team


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
            "start",
            "end",
            "updated_at",
        ]


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
