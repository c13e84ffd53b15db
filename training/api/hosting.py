"""API of the host's side of trainee stints (issue 15): accept or decline a nomination, record the stint.

POST /api/v1/trainee-stints/<id>/accept/, POST …/decline/ {reason}, PATCH /api/v1/trainee-stints/<id>/
{start_date, end_date, completed, is_free} — through training/services/stints.py, the same checks and
refusals as the 进修学员 page. The recipient's nomination (POST to the list) belongs to the recipient's work.
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import User
from training.api import serializers as s
from training.api import views
from training.services import stints as svc

_ERRORS = {
    400: OpenApiResponse(description="数据有误或状态不允许（error.fields 指明字段与原因），未保存"),
    401: OpenApiResponse(description="未登录"),
    403: OpenApiResponse(description="不是接收医院的联络员（含数据看板令牌）"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}


def _user(request: Request) -> User:
    # The API's permission classes refuse anonymous requests before a view runs.
    return cast(User, request.user)


def _invalid(exc: svc.StintError) -> exceptions.ValidationError:
    return exceptions.ValidationError({(k or "non_field_errors"): [v] for k, v in exc.problems.items()})


class TraineeStintViewSet(views.TraineeStintViewSet):
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=None, responses={200: s.TraineeStintSerializer, **_ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        try:
            stint = svc.trainee_stint_accept(user=_user(request), stint=self.get_object())
        except svc.StintError as exc:
            raise _invalid(exc) from exc
        return Response(self.get_serializer(stint).data)

    @extend_schema(request=s.StintDeclineSerializer, responses={200: s.TraineeStintSerializer, **_ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        stint = self.get_object()
        form = s.StintDeclineSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            stint = svc.trainee_stint_decline(
                user=_user(request), stint=stint, reason=form.validated_data["reason"]
            )
        except svc.StintError as exc:
            raise _invalid(exc) from exc
        return Response(self.get_serializer(stint).data)

    @extend_schema(request=s.StintRecordSerializer, responses={200: s.TraineeStintSerializer, **_ERRORS})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        stint = self.get_object()
        form = s.StintRecordSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        values = {
            "start_date": stint.start_date,
            "end_date": stint.end_date,
            "completed": stint.completed,
            "is_free": stint.is_free,
            **form.validated_data,
        }
        try:
            stint = svc.trainee_stint_record(user=_user(request), stint=stint, **values)
        except svc.StintError as exc:
            raise _invalid(exc) from exc
        return Response(self.get_serializer(stint).data)
