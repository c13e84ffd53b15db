"""API writes of the staff directory (issue 15): POST /api/v1/staff/ and PATCH /api/v1/staff/<id>/.

A supporter's coordinator (or its hospital system) adds and changes its own people through the services of
the 人员库 page: the same ID normalisation and GB 11643 validation, the same refusals. The reads stay those of
``teams.api.views.StaffViewSet`` (scoped list and detail, personal data masked by role).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.imports.api import import_actions
from core.permissions import own_hospital_id
from core.roles import Role
from pairings.models import Hospital
from teams.api import serializers as s
from teams.api import views
from teams.services import staff as staff_svc

_DATES = ("clinical_since", "management_since")
_FIELDS = (
    "name",
    "title",
    "national_id",
    "licence_no",
    "phone",
    "gender",
    "specialty",
    "department",
    *_DATES,
)
_ERRORS = {
    400: OpenApiResponse(description="数据有误（error.fields 指明字段与原因，如身份证号校验位），未保存"),
    401: OpenApiResponse(description="未登录"),
    403: OpenApiResponse(description="不是该医院的支援医院联络员（含数据看板令牌）"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}


def _data(values: dict[str, Any]) -> staff_svc.StaffData:
    return staff_svc.StaffData(**{k: ("" if v is None and k not in _DATES else v) for k, v in values.items()})


def _invalid(exc: staff_svc.StaffError) -> exceptions.ValidationError:
    return exceptions.ValidationError({k: [v] for k, v in exc.problems.items()})


class StaffViewSet(views.StaffViewSet):
    """人员库: scoped list and detail; POST and PATCH by the coordinator of the person's hospital."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    # Bulk entry: POST staff/import/preview/ and …/confirm/ (the Excel page's spec, the own hospital).
    import_preview, import_confirm = import_actions(
        kind="staff", url_path="import", title="批量导入人员", detail=False
    )

    @extend_schema(request=s.StaffWriteSerializer, responses={201: s.StaffSerializer, **_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        own = own_hospital_id(request.user, Role.SUPPORTER_COORDINATOR)
        if own is None:
            raise exceptions.PermissionDenied(_("只有支援医院联络员可以维护本院人员库。"))
        form = s.StaffWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            staff = staff_svc.staff_create(
                user=request.user, employer=Hospital.objects.get(pk=own), data=_data(form.validated_data)
            )
        except staff_svc.StaffError as exc:
            raise _invalid(exc) from exc
        return Response(self.get_serializer(staff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.StaffWriteSerializer, responses={200: s.StaffSerializer, **_ERRORS})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        staff = self.get_object()
        form = s.StaffWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        values = {f: getattr(staff, f) for f in _FIELDS} | dict(form.validated_data)
        try:
            staff = staff_svc.staff_update(user=request.user, staff=staff, data=_data(values))
        except staff_svc.StaffError as exc:
            raise _invalid(exc) from exc
        return Response(self.get_serializer(staff).data)
