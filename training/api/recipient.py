"""API of the recipient's training records (issue 15), through training/services/recipient.py:

- POST /api/v1/trainee-stints/ — the recipient nominates a staff member (status ``nominated``); PATCH
  /api/v1/trainee-stints/<id>/ by the recipient corrects a nomination not yet decided, by the host records
  the stint (hosting.py);
- POST/PATCH /api/v1/onsite-trainings/ — on-site training sessions;
- POST/PATCH /api/v1/remote-services/ — remote services per supporter, month and kind.

The same checks and refusals as the 培训 page; only the pairing's recipient coordinator writes (others: 403,
records outside the caller's scope: 404); nothing is written when a request is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import User
from pairings.models import Pairing
from training.api import hosting, views
from training.api import serializers as s
from training.choices import RemoteServiceKind, StintKind
from training.services import recipient as svc
from training.services import stints as host_svc
from training.services.stints import StintError

_ERRORS = {
    400: OpenApiResponse(description="数据有误或状态不允许（error.fields 指明字段与原因），未保存"),
    401: OpenApiResponse(description="未登录"),
    403: OpenApiResponse(description="不是该帮扶关系受援医院的联络员（含数据看板令牌）"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}


def _user(request: Request) -> User:
    # The API's permission classes refuse anonymous requests before a view runs.
    return cast(User, request.user)


def _invalid(exc: StintError) -> exceptions.ValidationError:
    return exceptions.ValidationError({(k or "non_field_errors"): [v] for k, v in exc.problems.items()})


def _pairing(request: Request, pk: int) -> Pairing:
    pairing = Pairing.objects.for_user(_user(request)).filter(pk=pk).select_related("recipient").first()
    if pairing is None:
        raise exceptions.ValidationError({"pairing": ["未知的帮扶关系，或不在权限范围内"]})
    return pairing


class NominationSerializer(serializers.Serializer[Any]):
    pairing = serializers.IntegerField(help_text="帮扶关系 ID（本院为受援医院）")
    host = serializers.IntegerField(help_text="接收医院 ID：本帮扶关系的支援医院")
    trainee_name = serializers.CharField(max_length=40)
    trainee_national_id = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    department = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    specialty = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=StintKind.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    is_backbone = serializers.BooleanField(required=False, default=True)


def _nomination(values: dict[str, Any]) -> svc.Nomination:
    values = dict(values)
    values.pop("pairing", None)
    values["host_id"] = values.pop("host")
    return svc.Nomination(**values)


class TraineeStintViewSet(hosting.TraineeStintViewSet):
    """Trainee stints: the recipient nominates and corrects its nominations, the host decides and records."""

    @extend_schema(request=NominationSerializer, responses={201: s.TraineeStintSerializer, **_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = NominationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        pairing = _pairing(request, form.validated_data["pairing"])
        try:
            stint = svc.trainee_stint_nominate(
                user=_user(request), pairing=pairing, data=_nomination(form.validated_data)
            )
        except StintError as exc:
            raise _invalid(exc) from exc
        return Response(self.get_serializer(stint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.StintRecordSerializer,
        responses={200: s.TraineeStintSerializer, **_ERRORS},
        description=(
            "接收医院（支援医院）联络员：登记实际起止日期、是否结业、是否免费（StintRecord）。"
            "受援医院联络员：在接收医院处理前修改推荐（字段同 POST，pairing 除外）。"
        ),
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        stint = self.get_object()
        # The host's record (completion, free) is the host's: a recipient sending those fields is refused
        # by the host's service like anyone else who is not the host.
        nominating = set(request.data) <= set(NominationSerializer().fields)
        if (
            host_svc.can_host(_user(request), stint)
            or not nominating
            or not svc.can_record(_user(request), stint.pairing)
        ):
            return super().partial_update(request, *args, **kwargs)
        form = NominationSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        current = {f: getattr(stint, f) for f in svc.NOMINATION_FIELDS if f != "host_id"} | {
            "host": stint.host_id
        }
        try:
            stint = svc.trainee_stint_update_nomination(
                user=_user(request), stint=stint, data=_nomination(current | dict(form.validated_data))
            )
        except StintError as exc:
            raise _invalid(exc) from exc
        return Response(self.get_serializer(stint).data)


class OnSiteTrainingWriteSerializer(serializers.Serializer[Any]):
    pairing = serializers.IntegerField(help_text="帮扶关系 ID（本院为受援医院）")
    date = serializers.DateField()
    topic = serializers.CharField(max_length=200)
    trainer = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    attendees = serializers.IntegerField(min_value=0, max_value=100_000, required=False, default=0)
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal(0), required=False, default=Decimal(0)
    )


class OnSiteTrainingViewSet(views.OnSiteTrainingViewSet):
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _save(self, values: dict[str, Any], session: Any = None) -> Any:
        pairing = _pairing(self.request, values.pop("pairing"))
        try:
            return svc.onsite_training_save(
                user=_user(self.request), pairing=pairing, session=session, **values
            )
        except StintError as exc:
            raise _invalid(exc) from exc

    @extend_schema(
        request=OnSiteTrainingWriteSerializer, responses={201: s.OnSiteTrainingSerializer, **_ERRORS}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = OnSiteTrainingWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        session = self._save(dict(form.validated_data))
        return Response(self.get_serializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=OnSiteTrainingWriteSerializer, responses={200: s.OnSiteTrainingSerializer, **_ERRORS}
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        session = self.get_object()
        form = OnSiteTrainingWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        fields = ("pairing_id", "date", "topic", "trainer", "attendees", "hours")
        current = {f.removesuffix("_id"): getattr(session, f) for f in fields}
        session = self._save(current | dict(form.validated_data), session)
        return Response(self.get_serializer(session).data)


class RemoteServiceWriteSerializer(serializers.Serializer[Any]):
    pairing = serializers.IntegerField(help_text="帮扶关系 ID（本院为受援医院）")
    supporter = serializers.IntegerField(help_text="提供服务的支援医院 ID")
    month = serializers.DateField(help_text="月份：该月任一日（按该月 1 日保存）")
    kind = serializers.ChoiceField(choices=RemoteServiceKind.choices)
    count = serializers.IntegerField(min_value=0, max_value=100_000)


class RemoteServiceViewSet(views.RemoteServiceViewSet):
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _save(self, values: dict[str, Any], record: Any = None) -> Any:
        pairing = _pairing(self.request, values.pop("pairing"))
        values["supporter_id"] = values.pop("supporter")
        try:
            return svc.remote_service_save(user=_user(self.request), pairing=pairing, record=record, **values)
        except StintError as exc:
            raise _invalid(exc) from exc

    @extend_schema(
        request=RemoteServiceWriteSerializer, responses={201: s.RemoteServiceSerializer, **_ERRORS}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = RemoteServiceWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        record = self._save(dict(form.validated_data))
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RemoteServiceWriteSerializer, responses={200: s.RemoteServiceSerializer, **_ERRORS}
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        form = RemoteServiceWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        current = {
            "pairing": record.pairing_id,
            "supporter": record.supporter_id,
            "month": record.month,
            "kind": record.kind,
            "count": record.count,
        }
        record = self._save(current | dict(form.validated_data), record)
        return Response(self.get_serializer(record).data)
