"""API of county outcome indicators (issue 14 item 9): GET/POST /api/v1/county-outcomes/, PATCH …/<id>/.

County health bureaus (and province staff) enter a year's figures through the page's service: the same
checks (rates 0–100, one row per county and year), the same refusals (403, nothing changed). The figures
with their program's targets also appear in ``/api/v1/indicators/`` (``county_outcomes``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from assessments import filtersets as fs
from assessments.models import CountyOutcome
from assessments.services import county_outcomes as svc
from core.api.base import ScopedReadOnlyViewSet
from pairings.models import County

# Ids are PostgreSQL integers: a larger number is a 400 here, never an out-of-range error in the database.
MAX_ID = 2**31 - 1

_ERRORS = {
    400: OpenApiResponse(description="数据有误（error.fields 指明字段与原因），未保存"),
    401: OpenApiResponse(description="未登录"),
    403: OpenApiResponse(description="不是该县卫生健康局或本省卫生健康委工作人员（含数据看板令牌）"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}
FIELDS = [f.name for f in dataclasses.fields(svc.CountyOutcomeData)]


class CountyOutcomeSerializer(serializers.ModelSerializer[CountyOutcome]):
    class Meta:
        model = CountyOutcome
        fields = ["id", "county", *FIELDS, "updated_at"]
        read_only_fields = fields


class CountyOutcomeWriteSerializer(serializers.Serializer[Any]):
    county = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="县区 ID（创建时必填）")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    in_county_visit_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="百分数，如 89.5",
    )
    county_hospitalisation_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )
    grassroots_visit_share = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )
    referrals_up = serializers.IntegerField(
        min_value=0, max_value=100_000_000, required=False, allow_null=True, default=None
    )
    referrals_down = serializers.IntegerField(
        min_value=0, max_value=100_000_000, required=False, allow_null=True, default=None
    )
    outward_transfer_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CountyOutcomeViewSet(ScopedReadOnlyViewSet):
    model = CountyOutcome
    serializer_class = CountyOutcomeSerializer
    filterset_class = fs.CountyOutcomeFilterSet
    select = ("county",)
    ordering_fields = ["pk", "year", "updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=CountyOutcomeWriteSerializer, responses={201: CountyOutcomeSerializer, **_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = CountyOutcomeWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        values = dict(form.validated_data)
        county = County.objects.for_user(request.user).filter(pk=values.pop("county")).first()
        if county is None:
            raise exceptions.ValidationError({"county": ["未知的县区，或不在权限范围内"]})
        outcome = svc.county_outcome_create(
            user=request.user, county=county, data=svc.CountyOutcomeData(**values)
        )
        return Response(self.get_serializer(outcome).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CountyOutcomeWriteSerializer, responses={200: CountyOutcomeSerializer, **_ERRORS})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        outcome = self.get_object()
        if not svc.may_enter_county_outcome(request.user, outcome.county):
            raise exceptions.PermissionDenied("只有该县卫生健康局或省卫生健康委工作人员可以填报县域指标。")
        form = CountyOutcomeWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        values = {f: getattr(outcome, f) for f in FIELDS} | dict(form.validated_data)
        values.pop("county", None)
        outcome = svc.county_outcome_update(
            user=request.user, outcome=outcome, data=svc.CountyOutcomeData(**values)
        )
        return Response(self.get_serializer(outcome).data)
