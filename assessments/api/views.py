"""API views of findings, rule runs, appraisals, reports and dashboard indicators.

Capacity building is in ``capacity.py``. Writes call the services (``assessments/services/monthly.py``);
the views only translate HTTP.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import filtersets as fs
from assessments.api import serializers as s
from assessments.models import (
    AnnualAppraisal,
    EndOfStintAppraisal,
    Finding,
    GradeChange,
    MonthlyAssessment,
    ReportFile,
    RuleRun,
)
from assessments.rules.messages import render_message
from assessments.selectors.indicators import IndicatorQuery, indicators
from assessments.services.monthly import monthly_assessment_create
from core.api.base import Computed, ScopedReadOnlyViewSet
from core.api.cache import cached_answer


class GradeChangeViewSet(ScopedReadOnlyViewSet):
    model = GradeChange
    serializer_class = s.GradeChangeSerializer
    filterset_class = fs.GradeChangeFilterSet
    ordering_fields = ["pk", "effective_on", "updated_at"]


class FindingViewSet(ScopedReadOnlyViewSet):
    model = Finding
    serializer_class = s.FindingSerializer
    filterset_class = fs.FindingFilterSet
    ordering_fields = ["pk", "last_seen", "updated_at"]
    # The list from plain rows, as ``FindingSerializer`` renders it (core.api.base.PlainListMixin);
    # ``message`` is ``Finding.text``: the message in the request's language.
    plain_list = True
    plain_computed = {
        "message": Computed(
            ("message", "message_key", "message_params"),
            lambda r: render_message(r["message_key"], r["message_params"], fallback=r["message"]),
        ),
    }


class RuleRunViewSet(ScopedReadOnlyViewSet):
    model = RuleRun
    serializer_class = s.RuleRunSerializer
    filterset_class = fs.RuleRunFilterSet
    ordering_fields = ["pk", "created_at"]


class MonthlyAssessmentViewSet(ScopedReadOnlyViewSet):
    """Monthly assessments; recipient coordinators (and their hospital systems) create them."""

    model = MonthlyAssessment
    serializer_class = s.MonthlyAssessmentSerializer
    filterset_class = fs.MonthlyAssessmentFilterSet
    ordering_fields = ["pk", "month", "updated_at"]

    @extend_schema(
        request=s.MonthlyAssessmentCreateSerializer, responses={201: s.MonthlyAssessmentSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.MonthlyAssessmentCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        assessment = monthly_assessment_create(user=request.user, **form.validated_data)
        return Response(self.get_serializer(assessment).data, status=status.HTTP_201_CREATED)


class EndOfStintAppraisalViewSet(ScopedReadOnlyViewSet):
    model = EndOfStintAppraisal
    serializer_class = s.EndOfStintAppraisalSerializer
    filterset_class = fs.EndOfStintAppraisalFilterSet
    ordering_fields = ["pk", "signed_on", "updated_at"]


class AnnualAppraisalViewSet(ScopedReadOnlyViewSet):
    model = AnnualAppraisal
    serializer_class = s.AnnualAppraisalSerializer
    filterset_class = fs.AnnualAppraisalFilterSet
    ordering_fields = ["pk", "year", "score", "updated_at"]


class ReportFileViewSet(ScopedReadOnlyViewSet):
    model = ReportFile
    serializer_class = s.ReportFileSerializer
    filterset_class = fs.ReportFileFilterSet
    ordering_fields = ["pk", "created_at"]


# Valid indicator queries per the values of their parameters (what the query serializer reads of the
# request: the last value of each), kept per process. Why: building the serializer deep-copies its fields,
# ~2 % of a computed answer's worker time (issue 18), and the query is a function of those values alone. An
# invalid query is never kept: it answers its 400 every time. Cleared when full.
_QUERIES: dict[tuple[str | None, ...], IndicatorQuery] = {}
_QUERIES_MAX = 1024


class IndicatorsView(APIView):
    """Dashboard indicators of the caller's pairings, narrowed by program / city / pairing and period."""

    # What the answer cache keys on (core.query_params): the query serializer's fields.
    cache_query_params = tuple(s.IndicatorQuerySerializer().fields)

    @extend_schema(parameters=[s.IndicatorQuerySerializer], responses=s.IndicatorsSerializer)
    def get(self, request: Request) -> HttpResponseBase:
        key = tuple(request.query_params.get(name) for name in self.cache_query_params)
        query = _QUERIES.get(key)
        if query is None:
            params = s.IndicatorQuerySerializer(data=request.query_params)
            params.is_valid(raise_exception=True)
            v = params.validated_data
            query = IndicatorQuery(
                program_id=v.get("program"),
                city_id=v.get("city"),
                pairing_id=v.get("pairing"),
                date_from=v.get("date_from"),
                date_to=v.get("date_to"),
            )
            if len(_QUERIES) >= _QUERIES_MAX:
                _QUERIES.clear()
            _QUERIES[key] = query
        # Served from the answer cache while the data is unchanged (one worker computes, concurrent callers
        # wait for it); computed, it is plain dicts shaped as the serializer shapes them (issue 18).
        return cached_answer(
            request,
            lambda: Response(_rendered(indicators(user=request.user, query=query))),
            self.get_renderer_context(),
        )


def _rendered(data: dict[str, Any]) -> Any:
    """The indicators as ``IndicatorsSerializer`` renders them: plain dicts (``API_PLAIN_LISTS``, the
    default) or the serializer itself."""
    if getattr(settings, "API_PLAIN_LISTS", True):
        return s.plain_indicators(data)
    return s.IndicatorsSerializer(data).data
