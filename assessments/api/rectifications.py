"""``/api/v1/rectifications/``: list and read (scoped), assign, answer (multipart, evidence files), accept,
send back. Writes go through ``assessments.services.rectifications`` (its predicates decide who may)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedReadOnlyViewSet
from pairings.models import Hospital

from ..models import Finding, Rectification, RectificationAnswer, RectificationEvidence
from ..services import rectifications as svc


class RectificationEvidenceSerializer(serializers.ModelSerializer[RectificationEvidence]):
    class Meta:
        model = RectificationEvidence
        fields = ["id", "name", "kind", "size"]


class RectificationAnswerSerializer(serializers.ModelSerializer[RectificationAnswer]):
    files = RectificationEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = RectificationAnswer
        fields = ["id", "text", "answered_at", "files"]


class RectificationSerializer(serializers.ModelSerializer[Rectification]):
    overdue = serializers.SerializerMethodField()
    answers = RectificationAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "program",
            "pairing",
            "hospital",
            "findings",
            "instruction",
            "due_date",
            "status",
            "overdue",
            "decided_at",
            "decision_comment",
            "answers",
            "created_at",
            "updated_at",
        ]

    def get_overdue(self, obj: Rectification) -> bool:
        return obj.is_overdue(timezone.localdate())


class RectificationAssignSerializer(serializers.Serializer[Rectification]):
    """Open findings of one pairing in the caller's scope, the responsible hospital, a due date, the order."""

    findings = serializers.PrimaryKeyRelatedField(many=True, queryset=Finding.objects.none())
    hospital = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects.all())
    due_date = serializers.DateField()
    instruction = serializers.CharField(max_length=4000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        self.fields["findings"].child_relation.queryset = Finding.objects.for_user(user)  # type: ignore[attr-defined]


class RectificationReplySerializer(serializers.Serializer[RectificationAnswer]):
    text = serializers.CharField(max_length=8000)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class RectificationDecisionSerializer(serializers.Serializer[Rectification]):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class RectificationViewSet(ScopedReadOnlyViewSet):
    """限期整改. Commission staff assign, accept and send back; the responsible hospital answers."""

    model = Rectification
    serializer_class = RectificationSerializer
    ordering_fields = ["pk", "due_date", "updated_at"]
    prefetch = (
        "findings",
        Prefetch("answers", queryset=RectificationAnswer.objects.prefetch_related("files")),
    )
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def _read(self, pk: int) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=RectificationAssignSerializer, responses={201: RectificationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = RectificationAssignSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        rect = svc.rectification_assign(user=request.user, **form.validated_data)
        out = self.get_serializer(self.get_queryset().get(pk=rect.pk)).data
        return Response(out, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": RectificationReplySerializer}, responses=RectificationSerializer
    )
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        rect = self.get_object()
        form = RectificationReplySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        svc.rectification_answer(
            user=request.user,
            rectification=rect,
            text=form.validated_data["text"],
            files=form.validated_data["files"],
        )
        return self._read(rect.pk)

    @extend_schema(request=RectificationDecisionSerializer, responses=RectificationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        rect = self.get_object()
        form = RectificationDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        svc.rectification_accept(
            user=request.user, rectification=rect, comment=form.validated_data["comment"]
        )
        return self._read(rect.pk)

    @extend_schema(request=RectificationDecisionSerializer, responses=RectificationSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        rect = self.get_object()
        form = RectificationDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        svc.rectification_send_back(
            user=request.user, rectification=rect, comment=form.validated_data["comment"]
        )
        return self._read(rect.pk)
