"""FilterSets shared by the UI lists and the API (one definition drives both).

Choice filters over related rows take their options from the user's own scope (``for_user``), so no
dropdown lists every row of the database and no option leaks another organisation's name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as df
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pairings.choices import (
    AgreementItemKind,
    AgreementKind,
    HospitalKind,
    HospitalOrigin,
    HospitalRole,
    ItemStatus,
    PairingStatus,
)
from pairings.models import (
    Agreement,
    AgreementItem,
    City,
    County,
    Hospital,
    Pairing,
    PairingSupporter,
    Program,
)


def scoped(model: Any) -> Any:
    """Queryset callable for ModelChoiceFilter: the options the request's user may see."""

    def _qs(request: Any) -> QuerySet[Any]:
        if request is None:
            return model.objects.none()
        return model.objects.for_user(request.user)  # type: ignore[no-any-return]

    return _qs


class _UtcIsoDateTimeField(df.fields.IsoDateTimeField):
    """An ISO date-time, turned to UTC: PostgreSQL refuses offsets beyond ±15:59 ("+22:04" would be a 500),
    and a moment past year 9999 in UTC is a 400, not an overflow."""

    def to_python(self, value: Any) -> Any:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError(_("时间超出范围。"), code="invalid") from exc


class UtcIsoDateTimeFilter(df.IsoDateTimeFilter):
    field_class = _UtcIsoDateTimeField


class UpdatedSinceFilterSet(df.FilterSet):
    """``updated_since`` for incremental sync by dashboards."""

    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", label=_("更新时间晚于"))


class HospitalFilterSet(UpdatedSinceFilterSet):
    q = df.CharFilter(method="search", label=_("搜索"))
    role = df.ChoiceFilter(choices=HospitalRole.choices, label=_("角色"))
    kind = df.ChoiceFilter(choices=HospitalKind.choices, label=_("类别"))
    origin = df.ChoiceFilter(choices=HospitalOrigin.choices, label=_("来源"))
    city = df.ModelChoiceFilter(queryset=scoped(City), label=_("市州"))
    county = df.ModelChoiceFilter(queryset=scoped(County), label=_("县区"))

    class Meta:
        model = Hospital
        fields = ["role", "kind", "origin", "grade", "city", "county", "is_residency_base"]

    def search(self, qs: QuerySet[Hospital], name: str, value: str) -> QuerySet[Hospital]:
        return qs.filter(Q(name__icontains=value) | Q(code__icontains=value))


# assessments.choices.FindingStatus.OPEN; a test checks the two agree.
OPEN_FINDING = "open"


class PairingFilterSet(UpdatedSinceFilterSet):
    q = df.CharFilter(method="search", label=_("搜索"))
    program = df.ModelChoiceFilter(queryset=scoped(Program), label=_("项目"))
    city = df.ModelChoiceFilter(field_name="recipient__city", queryset=scoped(City), label=_("市州"))
    county = df.ModelChoiceFilter(field_name="recipient__county", queryset=scoped(County), label=_("县区"))
    supporter = df.ModelChoiceFilter(
        method="filter_supporter",
        queryset=lambda request: scoped(Hospital)(request).filter(role=HospitalRole.SUPPORTER),
        label=_("支援医院"),
    )
    tcm = df.BooleanFilter(method="filter_tcm", label=_("中医医院"))
    status = df.ChoiceFilter(choices=PairingStatus.choices, label=_("状态"))
    has_open_findings = df.BooleanFilter(method="filter_open_findings", label=_("有未整改问题"))

    class Meta:
        model = Pairing
        fields = ["program", "status"]

    def search(self, qs: QuerySet[Pairing], name: str, value: str) -> QuerySet[Pairing]:

        sup = PairingSupporter.objects.filter(pairing=OuterRef("pk"), hospital__name__icontains=value)
        return qs.filter(
            Q(recipient__name__icontains=value) | Q(recipient__code__icontains=value) | Exists(sup)
        )

    def filter_supporter(self, qs: QuerySet[Pairing], name: str, value: Hospital) -> QuerySet[Pairing]:

        return qs.filter(Exists(PairingSupporter.objects.filter(pairing=OuterRef("pk"), hospital=value)))

    def filter_tcm(self, qs: QuerySet[Pairing], name: str, value: bool) -> QuerySet[Pairing]:
        return (
            qs.filter(recipient__kind=HospitalKind.TCM)
            if value
            else qs.exclude(recipient__kind=HospitalKind.TCM)
        )

    def filter_open_findings(self, qs: QuerySet[Pairing], name: str, value: bool) -> QuerySet[Pairing]:
        # Findings live in a layer above the registry: reach them through the reverse relation by name
        # (a semi-join, so pairings never repeat) instead of importing the rule engine's model.
        with_open = Pairing.objects.filter(findings__status=OPEN_FINDING).values("pk")
        return qs.filter(pk__in=with_open) if value else qs.exclude(pk__in=with_open)


# --- FilterSets added for the API (also usable by UI lists) ---------------------------------------------


class ProgramFilterSet(UpdatedSinceFilterSet):
    is_active = df.BooleanFilter(label=_("进行中"))
    preset = df.CharFilter(label=_("规则预设"))

    class Meta:
        model = Program
        fields = ["is_active", "preset"]


class CityFilterSet(df.FilterSet):
    province = df.NumberFilter(label=_("省份ID"))

    class Meta:
        model = City
        fields = ["province"]


class CountyFilterSet(df.FilterSet):
    city = df.ModelChoiceFilter(queryset=scoped(City), label=_("市州"))

    class Meta:
        model = County
        fields = ["city"]


class AgreementFilterSet(UpdatedSinceFilterSet):
    pairing = df.NumberFilter(label=_("帮扶关系ID"))
    program = df.ModelChoiceFilter(field_name="pairing__program", queryset=scoped(Program), label=_("项目"))
    kind = df.ChoiceFilter(choices=AgreementKind.choices, label=_("类型"))
    year = df.NumberFilter(label=_("年度"))
    signed = df.BooleanFilter(method="filter_signed", label=_("三方均已签署"))

    class Meta:
        model = Agreement
        fields = ["kind", "year"]

    def filter_signed(self, qs: QuerySet[Agreement], name: str, value: bool) -> QuerySet[Agreement]:
        all_signed = Q(
            supporter_signed_on__isnull=False,
            government_signed_on__isnull=False,
            recipient_signed_on__isnull=False,
        )
        return qs.filter(all_signed) if value else qs.exclude(all_signed)


class AgreementItemFilterSet(UpdatedSinceFilterSet):
    agreement = df.NumberFilter(label=_("协议ID"))
    pairing = df.NumberFilter(field_name="agreement__pairing", label=_("帮扶关系ID"))
    kind = df.ChoiceFilter(choices=AgreementItemKind.choices, label=_("类型"))
    status = df.ChoiceFilter(choices=ItemStatus.choices, label=_("进展"))
    due_before = df.DateFilter(field_name="due_date", lookup_expr="lte", label=_("完成时限不晚于"))

    class Meta:
        model = AgreementItem
        fields = ["kind", "status"]
