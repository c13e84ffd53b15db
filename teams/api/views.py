"""API views of staff, teams, deployments, rosters and attendance.

Reads are scoped lists and details. The writes are hospital systems' roster submission (preview, confirm,
submit) and the DingTalk attendance upload; each is a thin call of the same service as the UI wizard.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import Computed, ScopedReadOnlyViewSet, plain_date
from core.imports.api import import_actions
from core.permissions import own_hospital_id
from core.roles import Role
from core.uploads import UploadError
from pairings.models import Hospital
from teams import filtersets as fs
from teams.api import attendance_io, roster_io
from teams.api import serializers as s
from teams.choices import ReportStatus
from teams.models import (
    AttendanceRecord,
    Deployment,
    ImportJob,
    ImportKind,
    MonthlyActivity,
    Roster,
    RosterEntry,
    Staff,
    Team,
)
from teams.services import deployments as dep_svc
from teams.services import rosters as svc
from teams.services.activity import activity_record
from teams.services.attendance import check_can_import_attendance
from teams.services.jobs import attendance_job_create


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


_ENTRIES = Prefetch("entries", queryset=RosterEntry.objects.select_related("staff").order_by("pk"))
_ERRORS = {
    400: OpenApiResponse(
        description="参数、文件或名单行有误（error.fields 指明行、列与原因），未保存任何数据"
    ),
    401: OpenApiResponse(description="未登录"),
    403: OpenApiResponse(description="无权操作（含数据看板令牌）"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}
_ROSTER_REQUEST = {
    "multipart/form-data": s.RosterUploadSerializer,
    "application/json": s.RosterEntriesSerializer,
}


def _bad_request(field: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [message]})


class DeploymentViewSet(ScopedReadOnlyViewSet):
    """Deployments; the recipient's coordinator (or its hospital system) records the actual arrival and
    departure, an early return (PATCH) and a replacement (POST …/replace/) — the services of the page."""

    model = Deployment
    serializer_class = s.DeploymentSerializer
    filterset_class = fs.DeploymentFilterSet
    select = ("staff", "team__pairing")
    ordering_fields = ["pk", "planned_start", "updated_at"]
    http_method_names = ["get", "patch", "post", "head", "options"]
    # The list from plain rows, as ``DeploymentSerializer`` renders it (core.api.base.PlainListMixin);
    # ``start`` and ``end`` are the model's properties: the actual date where known, else the planned one.
    plain_list = True
    plain_computed = {
        "start": Computed(
            ("actual_start", "planned_start"),
            lambda r: plain_date(r["actual_start"] or r["planned_start"]),
            float_free=True,
        ),
        "end": Computed(
            ("actual_end", "planned_end"),
            lambda r: plain_date(r["actual_end"] or r["planned_end"]),
            float_free=True,
        ),
    }

    @extend_schema(request=s.DeploymentDatesSerializer, responses={200: s.DeploymentSerializer, **_ERRORS})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deployment = self.get_object()
        form = s.DeploymentDatesSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        values = {
            "actual_start": deployment.actual_start,
            "actual_end": deployment.actual_end,
            "early_return_reason": deployment.early_return_reason,
            **form.validated_data,
        }
        deployment = dep_svc.deployment_record_dates(user=request.user, deployment=deployment, **values)
        return Response(self.get_serializer(deployment).data)

    @extend_schema(request=s.DeploymentReplaceSerializer, responses={201: s.DeploymentSerializer, **_ERRORS})
    @action(detail=True, methods=["post"])
    def replace(self, request: Request, pk: str | None = None) -> Response:
        deployment = self.get_object()
        form = s.DeploymentReplaceSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        staff = Staff.objects.filter(pk=data["staff"], employer_id=deployment.supporter_id).first()
        if staff is None:
            raise _bad_request("staff", _("替换人员须为同一支援医院的职工。"))
        newcomer = dep_svc.deployment_replace(
            user=request.user, deployment=deployment, staff=staff, start=data["start"], reason=data["reason"]
        )
        return Response(self.get_serializer(newcomer).data, status=status.HTTP_201_CREATED)


class RosterViewSet(ScopedReadOnlyViewSet):
    model = Roster
    serializer_class = s.RosterSerializer
    filterset_class = fs.RosterFilterSet
    select = ("team",)
    prefetch = (_ENTRIES,)
    ordering_fields = ["pk", "version", "updated_at"]

    def _import(self, request: Request, *, confirm: bool) -> tuple[Roster | None, Any, bool]:
        """Validate the input shape, resolve team and supporter (404 when not visible), run the service."""
        from_json = "file" not in request.data
        shape = s.RosterEntriesSerializer if from_json else s.RosterUploadSerializer
        data = shape(data=request.data)
        data.is_valid(raise_exception=True)
        team = get_object_or_404(Team.objects.for_user(request.user), pk=data.validated_data["team"])
        supporter = roster_io.resolve_supporter(
            user=request.user, supporter_id=data.validated_data.get("supporter")
        )
        if from_json:
            upload = roster_io.entries_file(data.validated_data["entries"], supporter=supporter)
            name = "entries.csv"
        else:
            upload = data.validated_data["file"]
            name = upload.name
        try:
            roster, preview = roster_io.roster_api_import(
                user=request.user, team=team, supporter=supporter, f=upload, name=name, confirm=confirm
            )
        except UploadError as exc:
            raise _bad_request("file", str(exc)) from exc
        except svc.RosterError as exc:
            raise _bad_request("non_field_errors", str(exc)) from exc
        return roster, preview, from_json

    @extend_schema(
        summary="Preview a roster upload (nothing is saved)",
        request=_ROSTER_REQUEST,
        responses={200: s.RosterPreviewSerializer, **_ERRORS},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def preview(self, request: Request) -> Response:
        _roster, preview, from_json = self._import(request, confirm=False)
        return Response(roster_io.preview_data(preview, from_json=from_json))

    @extend_schema(
        summary="Confirm a roster upload: all rows saved, or none",
        request=_ROSTER_REQUEST,
        responses={
            201: s.RosterConfirmSerializer,
            200: OpenApiResponse(s.RosterConfirmSerializer, description="与已保存的名单相同，未作修改"),
            **_ERRORS,
        },
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def confirm(self, request: Request) -> Response:
        roster, preview, from_json = self._import(request, confirm=True)
        body = roster_io.preview_data(preview, from_json=from_json)
        if roster is None:
            return Response(
                {
                    "error": {
                        "code": "validation_error",
                        "message": _("名单有错误，未导入任何数据。"),
                        "fields": {
                            "rows": [r for r in body["rows"] if r["errors"]],
                            "non_field_errors": body["errors"],
                        },
                    }
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        counts = preview.counts()
        changed = counts["new"] or counts["changed"] or counts["removed"]
        saved = self.get_queryset().get(pk=roster.pk)
        return Response(
            {
                "roster": s.RosterSerializer(saved, context=self.get_serializer_context()).data,
                "preview": body,
            },
            status=status.HTTP_201_CREATED if changed else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Submit a roster for filing (the supporter's coordinator)",
        request=None,
        responses={200: s.RosterSerializer, **_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def submit(self, request: Request, pk: str | None = None) -> Response:
        roster = self.get_object()
        try:
            svc.roster_submit(user=request.user, roster=roster)
        except svc.RosterError as exc:
            raise _bad_request("non_field_errors", str(exc)) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=roster.pk)).data)


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


class AttendanceImportViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[ImportJob]):
    """Upload a DingTalk export (202 with the job to poll); poll it for status, progress, counts, errors."""

    serializer_class = s.ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> Any:
        return ImportJob.objects.for_user(self.request.user).filter(kind=ImportKind.ATTENDANCE)

    @extend_schema(
        summary="Upload a DingTalk attendance export; the import runs in the background",
        request={"multipart/form-data": s.AttendanceUploadSerializer},
        responses={202: s.ImportJobSerializer, **_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = s.AttendanceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hospital_id = data.validated_data.get("hospital")
        if hospital_id is None:
            hospital_id = own_hospital_id(request.user, Role.RECIPIENT_COORDINATOR)
            if hospital_id is None:
                raise _bad_request("hospital", _("请指定受援医院。"))
        hospital = get_object_or_404(Hospital.objects.for_user(request.user), pk=hospital_id)
        upload = data.validated_data["file"]
        check_can_import_attendance(user=request.user, hospital=hospital)
        try:
            attendance_io.check_export(upload, upload.name)
            job = attendance_job_create(user=request.user, hospital=hospital, f=upload, name=upload.name)
        except UploadError as exc:
            raise _bad_request("file", str(exc)) from exc
        body = self.get_serializer(job).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(summary="Poll an attendance import job", responses={200: s.ImportJobSerializer, **_ERRORS})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)


class MonthlyActivityViewSet(ScopedReadOnlyViewSet):
    """Monthly workload; the recipient's coordinator (or its hospital system) posts one person-month —
    the form's service and validation (teams.services.activity.activity_record)."""

    model = MonthlyActivity
    # The import_activity format: POST activity/import/preview/ and …/confirm/ (the page's spec).
    import_preview, import_confirm = import_actions(
        kind="activity", url_path="import", title="导入月度工作量", detail=False
    )
    serializer_class = s.MonthlyActivitySerializer
    filterset_class = fs.MonthlyActivityFilterSet
    select = ("deployment",)
    ordering_fields = ["pk", "month", "updated_at"]

    def get_queryset(self) -> QuerySet[Any]:
        # Confirmed figures only, as the reports count them; a person's unconfirmed work report is theirs
        # (``/api/v1/me/reports/``), never mixed in here (issue 19).
        return super().get_queryset().filter(status=ReportStatus.CONFIRMED)

    @extend_schema(
        request=s.MonthlyActivityWriteSerializer, responses={201: s.MonthlyActivitySerializer, **_ERRORS}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.MonthlyActivityWriteSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        deployment, month = data.pop("deployment"), data.pop("month")
        activity = activity_record(user=request.user, deployment=deployment, month=month, figures=data)
        return Response(self.get_serializer(activity).data, status=status.HTTP_201_CREATED)
