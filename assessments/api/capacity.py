"""API of capacity building (issue 15 item 5): GET/POST and PATCH of centres, specialties, new technologies,
service-capacity assessments, two-way referrals and donations.

A recipient hospital's system records them through the services of the page (``services/capacity.py``): the
same checks, the same refusals — only the recipient hospital that owns the record, and province staff of its
province, write (403 otherwise, nothing changed); a record the caller cannot see is a 404. PUT and DELETE are
not offered (405). Service errors come back in the shared error shape (``error.fields`` names the field).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from assessments import filtersets as fs
from assessments.api import serializers as s
from assessments.choices import CapacityStandard, Centre, CentreStatus, DonationKind, SpecialtyKind
from assessments.models import (
    CentreProgress,
    Donation,
    NewTechnology,
    Referral,
    ServiceCapacityAssessment,
    Specialty,
)
from assessments.services import capacity as svc
from core.api.base import ScopedReadOnlyViewSet
from core.files import protected_file_url
from pairings.models import Hospital, Pairing

# Ids are PostgreSQL integers: a larger number is a 400 here, never an out-of-range error in the database.
MAX_ID = 2**31 - 1

_ERRORS = {
    400: OpenApiResponse(description="数据有误（error.fields 指明字段与原因），未保存"),
    401: OpenApiResponse(description="未登录"),
    403: OpenApiResponse(description="不是该受援医院的联络员或本省卫生健康委工作人员（含数据看板令牌）"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}


def _visible(model: Any, request: Request, pk: int | None, field: str) -> Any:
    """The row ``pk`` of ``model`` the caller may see, or a 400 naming ``field``."""
    if pk is None:
        return None
    obj = model.objects.for_user(request.user).filter(pk=pk).first()
    if obj is None:
        raise exceptions.ValidationError({field: ["未知的对象，或不在权限范围内"]})
    return obj


class _WriteViewSet(ScopedReadOnlyViewSet):
    """List/detail scoped by ``for_user``; POST and PATCH through a service. Subclasses fill the hooks."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    write_serializer: ClassVar[type[serializers.Serializer[Any]]]

    def current(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def owner(self, obj: Any) -> Hospital:
        """The recipient hospital the record belongs to."""
        return obj.hospital  # type: ignore[no-any-return]

    def do_create(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def do_update(self, obj: Any, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = self.write_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        obj = self.do_create(dict(form.validated_data))
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        # A reader who may not write is told so (403) before the body is read: its references may be to
        # rows it cannot see, which would otherwise read as a 400.
        if not svc.may_edit_capacity(request.user, self.owner(obj)):
            raise exceptions.PermissionDenied(
                _("只有受援医院联络员或省卫生健康委工作人员可以填报能力建设情况。")
            )
        form = self.write_serializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        obj = self.do_update(obj, svc.merge(self.current(obj), dict(form.validated_data)))
        return Response(self.get_serializer(obj).data)


def _schema(read: Any, write: Any) -> Any:
    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read, **_ERRORS}),
        partial_update=extend_schema(request=write, responses={200: read, **_ERRORS}),
    )


# --- centres ------------------------------------------------------------------------------------------------


class CentreWriteSerializer(serializers.Serializer[Any]):
    hospital = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="受援医院 ID（创建时必填）")
    centre = serializers.ChoiceField(choices=Centre.choices)
    status = serializers.ChoiceField(choices=CentreStatus.choices)
    achieved_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@_schema(s.CentreProgressSerializer, CentreWriteSerializer)
class CentreProgressViewSet(_WriteViewSet):
    model = CentreProgress
    serializer_class = s.CentreProgressSerializer
    filterset_class = fs.CentreProgressFilterSet
    ordering_fields = ["pk", "achieved_on", "updated_at"]
    write_serializer = CentreWriteSerializer

    def current(self, obj: CentreProgress) -> dict[str, Any]:
        return {"centre": obj.centre, "status": obj.status, "achieved_on": obj.achieved_on, "note": obj.note}

    def do_create(self, values: dict[str, Any]) -> Any:
        hospital = _visible(Hospital, self.request, values.pop("hospital"), "hospital")
        return svc.centre_create(user=self.request.user, hospital=hospital, data=svc.CentreData(**values))

    def do_update(self, obj: CentreProgress, values: dict[str, Any]) -> Any:
        values.pop("hospital", None)
        return svc.centre_update(user=self.request.user, centre=obj, data=svc.CentreData(**values))


# --- specialties --------------------------------------------------------------------------------------------


class SpecialtyWriteSerializer(serializers.Serializer[Any]):
    hospital = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="受援医院 ID（创建时必填）")
    kind = serializers.ChoiceField(choices=SpecialtyKind.choices)
    name = serializers.CharField(max_length=60)
    selected_year = serializers.IntegerField(min_value=2000, max_value=2100)
    goal = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False, default=0)
    achieved_on = serializers.DateField(required=False, allow_null=True, default=None)


@_schema(s.SpecialtySerializer, SpecialtyWriteSerializer)
class SpecialtyViewSet(_WriteViewSet):
    model = Specialty
    serializer_class = s.SpecialtySerializer
    filterset_class = fs.SpecialtyFilterSet
    ordering_fields = ["pk", "selected_year", "updated_at"]
    write_serializer = SpecialtyWriteSerializer

    def current(self, obj: Specialty) -> dict[str, Any]:
        fields = ("kind", "name", "selected_year", "goal", "progress", "achieved_on")
        return {f: getattr(obj, f) for f in fields}

    def do_create(self, values: dict[str, Any]) -> Any:
        hospital = _visible(Hospital, self.request, values.pop("hospital"), "hospital")
        return svc.specialty_create(
            user=self.request.user, hospital=hospital, data=svc.SpecialtyData(**values)
        )

    def do_update(self, obj: Specialty, values: dict[str, Any]) -> Any:
        values.pop("hospital", None)
        return svc.specialty_update(user=self.request.user, specialty=obj, data=svc.SpecialtyData(**values))


# --- new technologies ---------------------------------------------------------------------------------------


class NewTechnologyWriteSerializer(serializers.Serializer[Any]):
    hospital = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="受援医院 ID（创建时必填）")
    pairing = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None
    )
    supporter = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="带来该技术的支援医院 ID（须为该帮扶关系的支援医院）",
    )
    name = serializers.CharField(max_length=120)
    introduced_on = serializers.DateField()
    cases = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)


@_schema(s.NewTechnologySerializer, NewTechnologyWriteSerializer)
class NewTechnologyViewSet(_WriteViewSet):
    model = NewTechnology
    serializer_class = s.NewTechnologySerializer
    filterset_class = fs.NewTechnologyFilterSet
    ordering_fields = ["pk", "introduced_on", "updated_at"]
    write_serializer = NewTechnologyWriteSerializer

    def current(self, obj: NewTechnology) -> dict[str, Any]:
        return {
            "pairing": obj.pairing_id,
            "supporter": obj.supporter_id,
            "name": obj.name,
            "introduced_on": obj.introduced_on,
            "cases": obj.cases,
        }

    def _data(self, values: dict[str, Any]) -> svc.NewTechnologyData:
        values["pairing"] = _visible(Pairing, self.request, values.get("pairing"), "pairing")
        values["supporter"] = _visible(Hospital, self.request, values.get("supporter"), "supporter")
        return svc.NewTechnologyData(**values)

    def do_create(self, values: dict[str, Any]) -> Any:
        hospital = _visible(Hospital, self.request, values.pop("hospital"), "hospital")
        return svc.new_technology_create(user=self.request.user, hospital=hospital, data=self._data(values))

    def do_update(self, obj: NewTechnology, values: dict[str, Any]) -> Any:
        values.pop("hospital", None)
        return svc.new_technology_update(user=self.request.user, technology=obj, data=self._data(values))


# --- service-capacity assessments ---------------------------------------------------------------------------


class CapacityAssessmentSerializer(serializers.ModelSerializer[ServiceCapacityAssessment]):
    evidence_url = serializers.SerializerMethodField(help_text="佐证材料（经权限检查的下载地址）")

    class Meta:
        model = ServiceCapacityAssessment
        fields = [
            "id", "hospital", "assessed_on", "standard", "reaches_level2", "assessor", "note",
            "evidence_name", "evidence_url", "updated_at",
        ]  # fmt: skip

    def get_evidence_url(self, obj: ServiceCapacityAssessment) -> str | None:
        return protected_file_url(obj, "evidence") if obj.evidence else None


class CapacityAssessmentWriteSerializer(serializers.Serializer[Any]):
    hospital = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="受援医院 ID（创建时必填）")
    assessed_on = serializers.DateField()
    standard = serializers.ChoiceField(choices=CapacityStandard.choices)
    reaches_level2 = serializers.BooleanField(help_text="达到二级医院医疗服务能力")
    assessor = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    evidence = serializers.FileField(
        required=False, allow_null=True, default=None, help_text="PDF、图片或 Office 文档"
    )


@_schema(CapacityAssessmentSerializer, CapacityAssessmentWriteSerializer)
class CapacityAssessmentViewSet(_WriteViewSet):
    """Service-capacity assessments: GRADE_TARGET reads the latest on or before its reference date."""

    model = ServiceCapacityAssessment
    serializer_class = CapacityAssessmentSerializer
    filterset_class = fs.ServiceCapacityAssessmentFilterSet
    ordering_fields = ["pk", "assessed_on", "updated_at"]
    write_serializer = CapacityAssessmentWriteSerializer

    def current(self, obj: ServiceCapacityAssessment) -> dict[str, Any]:
        fields = ("assessed_on", "standard", "reaches_level2", "assessor", "note")
        return {f: getattr(obj, f) for f in fields} | {"evidence": None}

    def do_create(self, values: dict[str, Any]) -> Any:
        hospital = _visible(Hospital, self.request, values.pop("hospital"), "hospital")
        evidence = values.pop("evidence", None)
        return svc.capacity_assessment_create(
            user=self.request.user,
            hospital=hospital,
            data=svc.CapacityAssessmentData(**values),
            evidence=evidence,
        )

    def do_update(self, obj: ServiceCapacityAssessment, values: dict[str, Any]) -> Any:
        values.pop("hospital", None)
        evidence = values.pop("evidence", None)
        return svc.capacity_assessment_update(
            user=self.request.user,
            assessment=obj,
            data=svc.CapacityAssessmentData(**values),
            evidence=evidence,
        )


# --- referrals ----------------------------------------------------------------------------------------------


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    class Meta:
        model = Referral
        fields = ["id", "hospital", "month", "up_count", "down_count", "updated_at"]


class ReferralWriteSerializer(serializers.Serializer[Any]):
    hospital = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="受援医院 ID（创建时必填）")
    month = serializers.DateField(help_text="该月任一日期，按月份记录（YYYY-MM-01）")
    up_count = serializers.IntegerField(min_value=0, max_value=1_000_000)
    down_count = serializers.IntegerField(min_value=0, max_value=1_000_000)


@_schema(ReferralSerializer, ReferralWriteSerializer)
class ReferralViewSet(_WriteViewSet):
    model = Referral
    serializer_class = ReferralSerializer
    filterset_class = fs.ReferralFilterSet
    ordering_fields = ["pk", "month", "updated_at"]
    write_serializer = ReferralWriteSerializer

    def current(self, obj: Referral) -> dict[str, Any]:
        return {"month": obj.month, "up_count": obj.up_count, "down_count": obj.down_count}

    def do_create(self, values: dict[str, Any]) -> Any:
        hospital = _visible(Hospital, self.request, values.pop("hospital"), "hospital")
        return svc.referral_create(user=self.request.user, hospital=hospital, data=svc.ReferralData(**values))

    def do_update(self, obj: Referral, values: dict[str, Any]) -> Any:
        values.pop("hospital", None)
        return svc.referral_update(user=self.request.user, referral=obj, data=svc.ReferralData(**values))


# --- donations ----------------------------------------------------------------------------------------------


class DonationSerializer(serializers.ModelSerializer[Donation]):
    class Meta:
        model = Donation
        fields = ["id", "pairing", "supporter", "date", "kind", "description", "value_cny", "updated_at"]


class DonationWriteSerializer(serializers.Serializer[Any]):
    pairing = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="帮扶关系 ID")
    supporter = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="捐赠的支援医院 ID（须为该帮扶关系的支援医院）"
    )
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=DonationKind.choices)
    description = serializers.CharField(max_length=200)
    value_cny = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)


@_schema(DonationSerializer, DonationWriteSerializer)
class DonationViewSet(_WriteViewSet):
    model = Donation
    serializer_class = DonationSerializer
    filterset_class = fs.DonationFilterSet
    ordering_fields = ["pk", "date", "updated_at"]
    write_serializer = DonationWriteSerializer

    def owner(self, obj: Donation) -> Hospital:
        return obj.pairing.recipient

    def current(self, obj: Donation) -> dict[str, Any]:
        fields = ("date", "kind", "description", "value_cny")
        return {f: getattr(obj, f) for f in fields} | {
            "pairing": obj.pairing_id,
            "supporter": obj.supporter_id,
        }

    def _data(self, values: dict[str, Any]) -> svc.DonationData:
        values["pairing"] = _visible(Pairing, self.request, values["pairing"], "pairing")
        values["supporter"] = _visible(Hospital, self.request, values["supporter"], "supporter")
        return svc.DonationData(**values)

    def do_create(self, values: dict[str, Any]) -> Any:
        return svc.donation_create(user=self.request.user, data=self._data(values))

    def do_update(self, obj: Donation, values: dict[str, Any]) -> Any:
        return svc.donation_update(user=self.request.user, donation=obj, data=self._data(values))
