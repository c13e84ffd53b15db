"""FilterSets of training records, shared by the UI lists and the API."""

from __future__ import annotations

import django_filters as df
from django.utils.translation import gettext_lazy as _

from pairings.filtersets import UpdatedSinceFilterSet, scoped
from pairings.models import City, Program
from training.choices import RemoteServiceKind, StintKind
from training.models import OnSiteTraining, RemoteService, TraineeStint


class _PairingFilters(UpdatedSinceFilterSet):
    pairing = df.NumberFilter(label=_("帮扶关系ID"))
    program = df.ModelChoiceFilter(field_name="pairing__program", queryset=scoped(Program), label=_("项目"))
    city = df.ModelChoiceFilter(field_name="pairing__recipient__city", queryset=scoped(City), label=_("市州"))


class TraineeStintFilterSet(_PairingFilters):
    kind = df.ChoiceFilter(choices=StintKind.choices, label=_("类型"))
    # Bounded: a date's year lookup with year 0 or 10000 is not a valid date range.
    year = df.NumberFilter(field_name="start_date__year", min_value=1900, max_value=2999, label=_("开始年度"))
    completed = df.BooleanFilter(label=_("已结业"))

    class Meta:
        model = TraineeStint
        fields = ["kind", "completed", "is_free"]


class OnSiteTrainingFilterSet(_PairingFilters):
    date_from = df.DateFilter(field_name="date", lookup_expr="gte", label=_("起始日期"))
    date_to = df.DateFilter(field_name="date", lookup_expr="lte", label=_("截止日期"))

    class Meta:
        model = OnSiteTraining
        fields: list[str] = []


class RemoteServiceFilterSet(_PairingFilters):
    kind = df.ChoiceFilter(choices=RemoteServiceKind.choices, label=_("类型"))
    month_from = df.DateFilter(field_name="month", lookup_expr="gte", label=_("起始月份"))
    month_to = df.DateFilter(field_name="month", lookup_expr="lte", label=_("截止月份"))

    class Meta:
        model = RemoteService
        fields = ["kind"]
