"""API views of the registry, programs, pairings, agreements and dashboard clients."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import get_membership
from core.api.base import Computed, ETagListMixin, ScopedReadOnlyViewSet
from core.imports.api import import_actions
from core.permissions import is_province_staff
from pairings import filtersets as fs
from pairings.api import serializers as s
from pairings.imports import AGREEMENT_ITEMS, PAIRING_LIST
from pairings.models import (
    Agreement,
    AgreementItem,
    ApiClient,
    City,
    County,
    Hospital,
    Pairing,
    PairingSupporter,
    Program,
    Province,
)
from pairings.selectors.programs import program_parameters
from pairings.services.agreements import (
    agreement_create,
    agreement_item_create,
    agreement_item_report,
    agreement_update,
)
from pairings.services.api_clients import api_client_create, api_client_revoke, may_manage_api_clients
from pairings.services.programs import program_set_status, program_update_params
from pairings.services.registry import program_create


class ProvinceViewSet(ScopedReadOnlyViewSet):
    model = Province
    serializer_class = s.ProvinceSerializer
    ordering_fields = ["pk", "code"]


class CityViewSet(ScopedReadOnlyViewSet):
    model = City
    serializer_class = s.CitySerializer
    filterset_class = fs.CityFilterSet
    ordering_fields = ["pk", "code"]


class CountyViewSet(ScopedReadOnlyViewSet):
    model = County
    serializer_class = s.CountySerializer
    filterset_class = fs.CountyFilterSet
    ordering_fields = ["pk", "code", "population"]


class HospitalViewSet(ScopedReadOnlyViewSet):
    model = Hospital
    serializer_class = s.HospitalSerializer
    filterset_class = fs.HospitalFilterSet
    ordering_fields = ["pk", "code", "updated_at"]


class ProgramViewSet(ScopedReadOnlyViewSet):
    """Programs; province staff create one from a preset and change its parameters or status.

    Writes go through the services the program pages use (same validation, reason required, audited);
    a caller who may read but not write gets 403 and nothing changes.
    """

    model = Program
    # 附件1 from Excel: POST programs/<id>/pairing-list/preview/ and …/confirm/ (the page's specs).
    pairing_list_preview, pairing_list_confirm = import_actions(
        kind=PAIRING_LIST, url_path="pairing-list", title="导入对口帮扶关系（附件1）"
    )
    serializer_class = s.ProgramSerializer
    filterset_class = fs.ProgramFilterSet
    ordering_fields = ["pk", "start_date", "updated_at"]

    @extend_schema(request=s.ProgramCreateSerializer, responses={201: s.ProgramSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        m = get_membership(request.user)
        if (
            m is None
            or m.province_id is None
            or not is_province_staff(request.user, province_id=m.province_id)
        ):
            raise PermissionDenied()
        form = s.ProgramCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            program = program_create(user=request.user, province=m.province, **form.validated_data)
        except (TypeError, ValueError) as exc:  # unknown parameters (RuleParams)
            raise DRFValidationError({"params": [str(exc)]}) from exc
        return Response(self.get_serializer(program).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=s.ProgramParameterRowSerializer(many=True))
    @extend_schema(methods=["POST"], request=s.ProgramParametersSerializer, responses=s.ProgramSerializer)
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def parameters(self, request: Request, pk: str | None = None) -> Response:
        """Every rule parameter: value, source, explanation; POST changes some (a reason is required)."""
        program = self.get_object()
        if request.method == "GET":
            rows = [dataclasses.asdict(r) for r in program_parameters(program)]
            return Response(s.ProgramParameterRowSerializer(rows, many=True).data)
        form = s.ProgramParametersSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        program_update_params(user=request.user, program=program, **form.validated_data)
        return Response(self.get_serializer(program).data)

    @extend_schema(request=s.ProgramStatusSerializer, responses=s.ProgramSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        program = self.get_object()
        form = s.ProgramStatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        program_set_status(user=request.user, program=program, **form.validated_data)
        return Response(self.get_serializer(program).data)


_SUPPORTERS = Prefetch(
    "supporters", queryset=PairingSupporter.objects.select_related("hospital").order_by("pk")
)


class PairingViewSet(ScopedReadOnlyViewSet):
    model = Pairing
    serializer_class = s.PairingSerializer
    filterset_class = fs.PairingFilterSet
    select = ("recipient",)
    prefetch = (_SUPPORTERS,)
    ordering_fields = ["pk", "service_start", "updated_at"]
    # The list from plain rows, as ``PairingSerializer`` renders it (core.api.base.PlainListMixin); the
    # supporters (and the lead among them) are read for the whole page in ``plain_page``.
    plain_list = True
    # The supporters' rows (hospital id, name, origin, lead flag) and the lead's id: no float.
    plain_computed = {"supporters": Computed(float_free=True), "lead": Computed(float_free=True)}

    def plain_page(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = super().plain_page(rows)
        # Every supporter of the page's pairings, in the order of the list's prefetch (_SUPPORTERS).
        supporters = (
            self.plain_many(
                PairingSupporter.objects.filter(pairing_id__in=[r["id"] for r in out]).order_by("pk"),
                s.PairingSupporterSerializer,
                by="pairing_id",
            )
            if out
            else {}
        )
        for row in out:
            mine = supporters.get(row["id"], [])
            row["supporters"] = mine
            row["lead"] = next((x["hospital"] for x in mine if x["is_lead"]), None)
        return out


class AgreementViewSet(ScopedReadOnlyViewSet):
    """Agreements of the caller's pairings. Province staff and each supporter's coordinator (its own
    agreements) create them and change dates, goals and the scan — through the services the pages use."""

    model = Agreement
    # Items from Excel: POST agreements/<id>/item-list/preview/ and …/confirm/ (the page's spec).
    item_list_preview, item_list_confirm = import_actions(
        kind=AGREEMENT_ITEMS, url_path="item-list", title="导入协议事项"
    )
    serializer_class = s.AgreementSerializer
    filterset_class = fs.AgreementFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    prefetch = (Prefetch("items", queryset=AgreementItem.objects.order_by("due_date", "pk")),)
    ordering_fields = ["pk", "year", "updated_at"]

    @extend_schema(
        request={
            "application/json": s.AgreementCreateSerializer,
            "multipart/form-data": s.AgreementCreateSerializer,
        },
        responses={201: s.AgreementSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.AgreementCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        pairing = get_object_or_404(Pairing.objects.for_user(request.user), pk=data.pop("pairing"))
        # Any hospital id: the service refuses one that is not a supporter of this (scoped) pairing, by name;
        # an out-of-province supporter lies outside the province's hospital scope but signs all the same.
        supporter = get_object_or_404(Hospital, pk=data.pop("supporter"))
        agreement = agreement_create(user=request.user, pairing=pairing, supporter=supporter, **data)
        return Response(self.get_serializer(agreement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "application/json": s.AgreementUpdateSerializer,
            "multipart/form-data": s.AgreementUpdateSerializer,
        },
        responses={200: s.AgreementSerializer},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = self.get_object()
        form = s.AgreementUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        agreement = agreement_update(user=request.user, agreement=agreement, **form.validated_data)
        return Response(self.get_serializer(agreement).data)


class AgreementItemViewSet(ScopedReadOnlyViewSet):
    """Items of the caller's agreements: added by those who enter the agreement; the hospitals of the
    agreement report progress (``report``) with a note and evidence."""

    model = AgreementItem
    serializer_class = s.AgreementItemSerializer
    filterset_class = fs.AgreementItemFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["pk", "due_date", "updated_at"]

    @extend_schema(request=s.AgreementItemCreateSerializer, responses={201: s.AgreementItemSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.AgreementItemCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        agreement = get_object_or_404(Agreement.objects.for_user(request.user), pk=data.pop("agreement"))
        item = agreement_item_create(user=request.user, agreement=agreement, **data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "application/json": s.AgreementItemReportSerializer,
            "multipart/form-data": s.AgreementItemReportSerializer,
        },
        responses={201: s.AgreementItemUpdateSerializer},
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        form = s.AgreementItemReportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        update = agreement_item_report(user=request.user, item=item, **form.validated_data)
        return Response(s.AgreementItemUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class ApiClientViewSet(
    ETagListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Dashboard clients of the commission's own area: create (token shown once), list, revoke."""

    serializer_class = s.ApiClientSerializer
    queryset = ApiClient.objects.none()  # for the schema; requests use get_queryset
    lookup_value_regex = r"\d+"
    ordering_fields = ["pk", "created_at"]

    def get_queryset(self) -> QuerySet[ApiClient]:
        if getattr(self, "swagger_fake_view", False):
            return ApiClient.objects.none()
        if not may_manage_api_clients(self.request.user):
            # Dashboards and hospital users cannot manage clients; 403 says so rather than an empty list.
            raise PermissionDenied()
        return ApiClient.objects.for_user(self.request.user)

    @extend_schema(request=s.ApiClientCreateSerializer, responses={201: s.ApiClientCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_manage_api_clients(request.user):
            raise PermissionDenied()
        form = s.ApiClientCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        client, token = api_client_create(user=request.user, **form.validated_data)
        data = s.ApiClientSerializer(client, context=self.get_serializer_context()).data
        return Response({**data, "token": token}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ApiClientSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        client = get_object_or_404(self.get_queryset(), pk=pk)
        api_client_revoke(user=request.user, client=client)
        return Response(s.ApiClientSerializer(client, context=self.get_serializer_context()).data)
