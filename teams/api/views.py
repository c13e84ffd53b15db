"""API views of staff, teams, deployments, rosters and attendance (read-only here).

Roster submission and attendance upload endpoints belong to the imports services and land with them.
"""

from __future__ import annotations

from django.db.models import Prefetch

from pairings.api.base import ScopedReadOnlyViewSet

from .. import filtersets as fs
from ..models import AttendanceRecord, Deployment, Roster, RosterEntry, Staff, Team
from . import serializers as s


class StaffViewSet(ScopedReadOnlyViewSet):
    model = Staff
    serializer_class = s.StaffSerializer
    filterset_class = fs.StaffFilterSet
    ordering_fields = ["pk", "name", "updated_at"]


class TeamViewSet(ScopedReadOnlyViewSet):
    model = Team
    serializer_class = s.TeamSerializer
    filterset_class = fs.TeamFilterSet
    ordering_fields = ["pk", "year", "start_date", "updated_at"]


class DeploymentViewSet(ScopedReadOnlyViewSet):
    model = Deployment
    serializer_class = s.DeploymentSerializer
    filterset_class = fs.DeploymentFilterSet
    select = ("staff", "team")
    ordering_fields = ["pk", "planned_start", "updated_at"]


class RosterViewSet(ScopedReadOnlyViewSet):
    model = Roster
    serializer_class = s.RosterSerializer
    filterset_class = fs.RosterFilterSet
    select = ("team",)
    prefetch = (Prefetch("entries", queryset=RosterEntry.objects.select_related("staff").order_by("pk")),)
    ordering_fields = ["pk", "version", "updated_at"]


class RosterEntryViewSet(ScopedReadOnlyViewSet):
    model = RosterEntry
    serializer_class = s.RosterEntrySerializer
    filterset_class = fs.RosterEntryFilterSet
    select = ("staff",)
    ordering_fields = ["pk", "planned_start"]


class AttendanceRecordViewSet(ScopedReadOnlyViewSet):
    model = AttendanceRecord
    serializer_class = s.AttendanceRecordSerializer
    filterset_class = fs.AttendanceFilterSet
    ordering_fields = ["pk", "date", "updated_at"]
