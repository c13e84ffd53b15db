"""Serializers of the registry, programs, pairings, agreements and API clients; inputs of agreement writes."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pairings.choices import AgreementItemKind, AgreementKind, ItemStatus, ProgramPreset, ProgramStatus
from pairings.models import (
    Agreement,
    AgreementItem,
    AgreementItemUpdate,
    ApiClient,
    City,
    County,
    Hospital,
    Pairing,
    PairingSupporter,
    Program,
    Province,
)


class ProvinceSerializer(serializers.ModelSerializer[Province]):
    class Meta:
        model = Province
        fields = ["id", "code", "name"]


class CitySerializer(serializers.ModelSerializer[City]):
    class Meta:
        model = City
        fields = ["id", "code", "name", "province"]


class CountySerializer(serializers.ModelSerializer[County]):
    government = serializers.CharField(read_only=True)

    class Meta:
        model = County
        fields = ["id", "code", "name", "city", "population", "government"]


class HospitalSerializer(serializers.ModelSerializer[Hospital]):
    class Meta:
        model = Hospital
        fields = [
            "id",
            "code",
            "name",
            "role",
            "kind",
            "grade",
            "origin",
            "origin_region",
            "province",
            "city",
            "county",
            "is_residency_base",
            "is_county_hospital",
            "updated_at",
        ]


class ProgramSerializer(serializers.ModelSerializer[Program]):
    rules = serializers.SerializerMethodField(help_text="effective rule parameters (preset + overrides)")

    class Meta:
        model = Program
        fields = [
            "id",
            "code",
            "name",
            "province",
            "document",
            "preset",
            "start_date",
            "end_date",
            "agreement_deadline",
            "roster_deadline",
            "status",
            "is_active",
            "rules",
            "updated_at",
        ]

    @extend_schema_field(serializers.DictField())
    def get_rules(self, obj: Program) -> dict[str, Any]:
        return obj.rules.to_json()


class PairingSupporterSerializer(serializers.ModelSerializer[PairingSupporter]):
    name = serializers.CharField(source="hospital.name", read_only=True)
    origin = serializers.CharField(source="hospital.origin", read_only=True)

    class Meta:
        model = PairingSupporter
        fields = ["hospital", "name", "origin", "is_lead"]


class PairingSerializer(serializers.ModelSerializer[Pairing]):
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    recipient_kind = serializers.CharField(source="recipient.kind", read_only=True)
    city = serializers.IntegerField(source="recipient.city_id", read_only=True, allow_null=True)
    county = serializers.IntegerField(source="recipient.county_id", read_only=True, allow_null=True)
    supporters = PairingSupporterSerializer(many=True, read_only=True)
    lead = serializers.SerializerMethodField()

    class Meta:
        model = Pairing
        fields = [
            "id",
            "program",
            "recipient",
            "recipient_name",
            "recipient_kind",
            "city",
            "county",
            "status",
            "kind",
            "service_start",
            "service_end",
            "supporters",
            "lead",
            "note",
            "updated_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_lead(self, obj: Pairing) -> int | None:
        # Reads the prefetched supporters: no query per row.
        return next((s.hospital_id for s in obj.supporters.all() if s.is_lead), None)


class AgreementItemSerializer(serializers.ModelSerializer[AgreementItem]):
    class Meta:
        model = AgreementItem
        fields = [
            "id",
            "agreement",
            "kind",
            "description",
            "responsible_department",
            "due_date",
            "status",
            "completed_on",
            "updated_at",
        ]


class AgreementSerializer(serializers.ModelSerializer[Agreement]):
    signed_on = serializers.DateField(read_only=True, allow_null=True)
    items = AgreementItemSerializer(many=True, read_only=True)
    has_scan = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "id",
            "pairing",
            "kind",
            "year",
            "title",
            "supporter",
            "supporter_signed_on",
            "government_signed_on",
            "recipient_signed_on",
            "signed_on",
            "filed_on",
            "goals",
            "has_scan",
            "items",
            "updated_at",
        ]

    def get_has_scan(self, obj: Agreement) -> bool:
        return bool(obj.scan)


class ApiClientSerializer(serializers.ModelSerializer[ApiClient]):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiClient
        fields = [
            "id",
            "name",
            "province",
            "city",
            "prefix",
            "created_at",
            "revoked_at",
            "last_used_at",
            "is_active",
        ]
        read_only_fields = ["prefix", "created_at", "revoked_at", "last_used_at"]


class ApiClientCreateSerializer(serializers.Serializer[ApiClient]):
    """Input of client creation; the scope objects are looked up within the creator's own scope."""

    name = serializers.CharField(max_length=80)
    province = serializers.PrimaryKeyRelatedField(
        queryset=Province.objects.none(), required=False, allow_null=True
    )
    city = serializers.PrimaryKeyRelatedField(queryset=City.objects.none(), required=False, allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        self.fields["province"].queryset = Province.objects.for_user(user)  # type: ignore[attr-defined]
        self.fields["city"].queryset = City.objects.for_user(user)  # type: ignore[attr-defined]


class ApiClientCreatedSerializer(ApiClientSerializer):
    token = serializers.CharField(read_only=True, help_text="shown once; store it now")

    class Meta(ApiClientSerializer.Meta):
        fields = [*ApiClientSerializer.Meta.fields, "token"]


class ProgramCreateSerializer(serializers.Serializer[Any]):
    """POST /programs/: a program of the caller's province from a preset (``registry.program_create``)."""

    preset = serializers.ChoiceField(choices=ProgramPreset.choices)
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=120)
    document = serializers.CharField(max_length=120, required=False, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    agreement_deadline = serializers.DateField(required=False, allow_null=True, default=None)
    roster_deadline = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=ProgramStatus.choices, default=ProgramStatus.DRAFT)
    params = serializers.DictField(required=False, default=dict, help_text="overrides of the preset")


class ProgramParametersSerializer(serializers.Serializer[Any]):
    """POST /programs/{id}/parameters/: new values of any parameters, with the reason for the change."""

    values = serializers.DictField(help_text="parameter name → value (null turns a check off)")
    reason = serializers.CharField(max_length=500)


class ProgramStatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ProgramStatus.choices)
    reason = serializers.CharField(max_length=500)


class ProgramParameterRowSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    label = serializers.CharField()
    explanation = serializers.CharField()
    value = serializers.JSONField()
    source = serializers.ChoiceField(choices=["override", "preset", "default"])
    source_label = serializers.CharField()


class AgreementCreateSerializer(serializers.Serializer[Any]):
    """Input of a new agreement (JSON, or multipart with the scan); validated again by the service."""

    pairing = serializers.IntegerField(min_value=1)
    supporter = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    supporter_signed_on = serializers.DateField(required=False, allow_null=True)
    government_signed_on = serializers.DateField(required=False, allow_null=True)
    recipient_signed_on = serializers.DateField(required=False, allow_null=True)
    filed_on = serializers.DateField(required=False, allow_null=True)
    goals = serializers.CharField(required=False, allow_blank=True)
    scan = serializers.FileField(required=False, help_text="协议扫描件：PDF 或图片（PNG、JPEG）")


class AgreementUpdateSerializer(serializers.Serializer[Any]):
    """Fields of an agreement that may change (PATCH); the scan replaces the stored one."""

    title = serializers.CharField(max_length=200, required=False)
    supporter_signed_on = serializers.DateField(required=False, allow_null=True)
    government_signed_on = serializers.DateField(required=False, allow_null=True)
    recipient_signed_on = serializers.DateField(required=False, allow_null=True)
    filed_on = serializers.DateField(required=False, allow_null=True)
    goals = serializers.CharField(required=False, allow_blank=True)
    scan = serializers.FileField(required=False, help_text="协议扫描件：PDF 或图片（PNG、JPEG）")


class AgreementItemCreateSerializer(serializers.Serializer[Any]):
    agreement = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=AgreementItemKind.choices)
    description = serializers.CharField()
    responsible_department = serializers.CharField(max_length=80, required=False, allow_blank=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class AgreementItemReportSerializer(serializers.Serializer[Any]):
    """A hospital's progress report on an item (multipart when it carries evidence)."""

    status = serializers.ChoiceField(choices=ItemStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    completed_on = serializers.DateField(required=False, allow_null=True)
    evidence = serializers.FileField(required=False, help_text="佐证材料：PDF 或图片（PNG、JPEG）")


class AgreementItemUpdateSerializer(serializers.ModelSerializer[AgreementItemUpdate]):
    class Meta:
        model = AgreementItemUpdate
        fields = ["id", "item", "status", "note", "created_at"]
