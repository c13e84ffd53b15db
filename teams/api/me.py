"""``/api/v1/me/…`` (issue 19): a deployed person's own deployments, monthly work reports and leave.

Lists come from ``teams.selectors.people`` (scoped by ``for_user``); a report is filed through the page's
service (``teams.services.work_reports.work_report_submit``) with the same validation. Anyone but a
deployed person or team leader gets empty lists and a 403 on writes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedReadOnlyViewSet
from core.permissions import person_staff_id
from teams.api.serializers import DeploymentSerializer
from teams.models import Deployment, LeaveRequest, MonthlyActivity
from teams.selectors import people
from teams.services.activity import FIGURES
from teams.services.leave import leave_request
from teams.services.work_reports import NARRATIVE, work_report_submit


class MyReportSerializer(serializers.ModelSerializer[MonthlyActivity]):
    """A monthly report; ``status`` says whether its figures are confirmed (only those count)."""

    class Meta:
        model = MonthlyActivity
        fields = ["id", "deployment", "month", *FIGURES, *NARRATIVE, "status", "submitted_at", "reviewed_at",
                  "confirmed_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class MyReportWriteSerializer(serializers.Serializer[Any]):
    """The month's workload and narrative; filing the same month again corrects it until confirmed."""

    deployment = serializers.PrimaryKeyRelatedField(queryset=Deployment.objects.none())
    month = serializers.DateField(help_text="any day of the month, e.g. 2026-11-01")
    outpatient_visits = serializers.IntegerField(min_value=0, default=0)
    surgeries = serializers.IntegerField(min_value=0, default=0)
    lectures = serializers.IntegerField(min_value=0, default=0)
    teaching_rounds = serializers.IntegerField(min_value=0, default=0)
    case_discussions = serializers.IntegerField(min_value=0, default=0)
    remote_consultations = serializers.IntegerField(min_value=0, default=0)
    work_done = serializers.CharField(allow_blank=True, default="")
    problems = serializers.CharField(allow_blank=True, default="")
    next_plan = serializers.CharField(allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only the person's own deployments can be named: anything else is "does not exist".
            self.fields["deployment"].queryset = people.own_deployments(request.user)  # type: ignore[attr-defined]


class MyDeploymentViewSet(ScopedReadOnlyViewSet):
    """The signed-in person's own deployments (a leader's team is under ``/api/v1/deployments/``)."""

    model = Deployment
    serializer_class = DeploymentSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return people.own_deployments(self.request.user).select_related("staff").order_by("pk")


class MyReportViewSet(ScopedReadOnlyViewSet):
    """The signed-in person's monthly work reports, each with its status; POST files the month's report."""

    model = MonthlyActivity
    serializer_class = MyReportSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return people.own_reports(self.request.user).order_by("pk")

    @extend_schema(request=MyReportWriteSerializer, responses={201: MyReportSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if person_staff_id(request.user) is None:
            raise PermissionDenied
        form = MyReportWriteSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        report = work_report_submit(
            user=request.user,
            deployment=data.pop("deployment"),
            month=data.pop("month"),
            narrative={k: data.pop(k) for k in NARRATIVE},
            figures=data,
        )
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)


class MyLeaveSerializer(serializers.ModelSerializer[LeaveRequest]):
    class Meta:
        model = LeaveRequest
        fields = ["id", "deployment", "start_date", "end_date", "reason", "status", "leader_at", "decided_at",
                  "note", "updated_at"]  # fmt: skip
        read_only_fields = fields


class MyLeaveWriteSerializer(serializers.Serializer[Any]):
    """A leave request on one of the person's deployments (the leader, then the recipient, approve)."""

    deployment = serializers.PrimaryKeyRelatedField(queryset=Deployment.objects.none())
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    reason = serializers.CharField(max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["deployment"].queryset = people.own_deployments(request.user)  # type: ignore[attr-defined]


class MyLeaveViewSet(ScopedReadOnlyViewSet):
    """The signed-in person's leave requests with their status; POST asks for leave."""

    model = LeaveRequest
    serializer_class = MyLeaveSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return people.own_leave(self.request.user).order_by("pk")

    @extend_schema(request=MyLeaveWriteSerializer, responses={201: MyLeaveSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if person_staff_id(request.user) is None:
            raise PermissionDenied
        form = MyLeaveWriteSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        item = leave_request(user=request.user, **form.validated_data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)
