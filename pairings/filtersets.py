"""FilterSets shared by the UI lists and the API (one definition drives both).

Choice filters over related rows take their options from the user's own scope (``for_user``), so no
dropdown lists every row of the database and no option leaks another organisation's name.
"""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .choices import HospitalKind, HospitalOrigin, HospitalRole, PairingStatus
from .models import City, County, Hospital, Pairing, Program


def scoped(model: Any) -> Any:
    """Queryset callable for ModelChoiceFilter: the options the request's user may see."""

    def _qs(request: Any) -> QuerySet[Any]:
        if request is None:
            return model.objects.none()
        return model.objects.for_user(request.user)  # type: ignore[no-any-return]

    return _qs


class UpdatedSinceFilterSet(df.FilterSet):
    """``updated_since`` for incremental sync by dashboards."""

    updated_since = df.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", label=_("更新时间晚于"))


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
        from .models import PairingSupporter

        sup = PairingSupporter.objects.filter(pairing=OuterRef("pk"), hospital__name__icontains=value)
        return qs.filter(
            Q(recipient__name__icontains=value) | Q(recipient__code__icontains=value) | Exists(sup)
        )

    def filter_supporter(self, qs: QuerySet[Pairing], name: str, value: Hospital) -> QuerySet[Pairing]:
        from .models import PairingSupporter

        return qs.filter(Exists(PairingSupporter.objects.filter(pairing=OuterRef("pk"), hospital=value)))

    def filter_tcm(self, qs: QuerySet[Pairing], name: str, value: bool) -> QuerySet[Pairing]:
        return (
            qs.filter(recipient__kind=HospitalKind.TCM)
            if value
            else qs.exclude(recipient__kind=HospitalKind.TCM)
        )

    def filter_open_findings(self, qs: QuerySet[Pairing], name: str, value: bool) -> QuerySet[Pairing]:
        from assessments.choices import FindingStatus
        from assessments.models import Finding

        open_ = Exists(Finding.objects.filter(pairing=OuterRef("pk"), status=FindingStatus.OPEN))
        return qs.filter(open_) if value else qs.exclude(open_)
