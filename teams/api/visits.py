"""API of expert visits (柔性帮扶, issue 15): GET/POST /api/v1/expert-visits/, GET/PATCH …/<id>/.

A supporter's hospital system records its batches through the services of the page: the same checks (dates
within the pairing's service, at least one person-time), the same refusals (only a supporter of the pairing;
only the supporter that recorded a batch corrects it).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedReadOnlyViewSet
from core.imports.api import import_actions
from pairings.models import Pairing
from teams import filtersets as fs
from teams.models import ExpertVisitBatch
from teams.services import visits as svc

_ERRORS = {
    400: OpenApiResponse(description="数据有误（error.fields 指明字段与原因），未保存"),
    401: OpenApiResponse(description="未登录"),
    403: OpenApiResponse(description="不是该帮扶关系的支援医院联络员（含数据看板令牌）"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}


class ExpertVisitSerializer(serializers.ModelSerializer[ExpertVisitBatch]):
    class Meta:
        model = ExpertVisitBatch
        fields = [
            "id", "pairing", "supporter", "start_date", "end_date", "person_times", "specialties",
            "activities", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ExpertVisitWriteSerializer(serializers.Serializer[Any]):
    pairing = serializers.IntegerField(help_text="帮扶关系 ID（本院支援的受援医院）")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    person_times = serializers.IntegerField(min_value=1, max_value=10_000)
    specialties = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    activities = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ExpertVisitViewSet(ScopedReadOnlyViewSet):
    model = ExpertVisitBatch
    # Batches from Excel: POST expert-visits/import/preview/ and …/confirm/ (the page's spec).
    import_preview, import_confirm = import_actions(
        kind="expert-visits", url_path="import", title="批量导入专家柔性帮扶", detail=False
    )
    serializer_class = ExpertVisitSerializer
    filterset_class = fs.ExpertVisitFilterSet
    select = ("pairing", "supporter")
    ordering_fields = ["pk", "start_date", "updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _data(self, values: dict[str, Any]) -> svc.VisitData:
        pairing = Pairing.objects.for_user(self.request.user).filter(pk=values["pairing"]).first()
        if pairing is None:
            raise exceptions.ValidationError({"pairing": ["未知的帮扶关系，或不在权限范围内"]})
        return svc.VisitData(**{**values, "pairing": pairing})

    @extend_schema(request=ExpertVisitWriteSerializer, responses={201: ExpertVisitSerializer, **_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = ExpertVisitWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            visit = svc.expert_visit_create(user=request.user, data=self._data(dict(form.validated_data)))
        except svc.VisitError as exc:
            raise exceptions.ValidationError({k: [v] for k, v in exc.problems.items()}) from exc
        return Response(self.get_serializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExpertVisitWriteSerializer, responses={200: ExpertVisitSerializer, **_ERRORS})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_object()
        form = ExpertVisitWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        current = {
            "pairing": visit.pairing_id,
            "start_date": visit.start_date,
            "end_date": visit.end_date,
            "person_times": visit.person_times,
            "specialties": visit.specialties,
            "activities": visit.activities,
        }
        data = self._data(current | dict(form.validated_data))
        try:
            visit = svc.expert_visit_update(user=request.user, visit=visit, data=data)
        except svc.VisitError as exc:
            raise exceptions.ValidationError({k: [v] for k, v in exc.problems.items()}) from exc
        return Response(self.get_serializer(visit).data)
