from __future__ import annotations

import django_filters as df
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.identifiers import normalize_licence
from pairings.filtersets import UpdatedSinceFilterSet, scoped
from pairings.models import City, Hospital, Pairing
from teams.choices import DeploymentRole, RosterStatus, Title
from teams.models import (
    AttendanceRecord,
    Deployment,
    ExpertVisitBatch,
    MonthlyActivity,
    Roster,
    RosterEntry,
    Staff,
    Team,
)


class StaffFilterSet(UpdatedSinceFilterSet):
    q = df.CharFilter(method="search", label=_("搜索"))
    employer = df.ModelChoiceFilter(queryset=scoped(Hospital), label=_("单位"))
    title = df.ChoiceFilter(choices=Title.choices, label=_("职称"))

    class Meta:
        model = Staff
        fields = ["employer", "title"]

    def search(self, qs: QuerySet[Staff], name: str, value: str) -> QuerySet[Staff]:
        # Name or licence number; national IDs are not searchable by partial value.
        return qs.filter(Q(name__icontains=value) | Q(licence_no=normalize_licence(value)))


class TeamFilterSet(UpdatedSinceFilterSet):
    pairing = df.ModelChoiceFilter(queryset=scoped(Pairing), label=_("帮扶关系"))
    year = df.NumberFilter(label=_("年度"))

    class Meta:
        model = Team
        fields = ["pairing", "year", "rotation"]


class DeploymentFilterSet(UpdatedSinceFilterSet):
    pairing = df.NumberFilter(field_name="team__pairing", label=_("帮扶关系ID"))
    team = df.NumberFilter(field_name="team", label=_("帮扶队ID"))
    year = df.NumberFilter(field_name="team__year", label=_("年度"))
    city = df.ModelChoiceFilter(
        field_name="team__pairing__recipient__city", queryset=scoped(City), label=_("市州")
    )
    supporter = df.ModelChoiceFilter(queryset=scoped(Hospital), label=_("支援医院"))
    role = df.ChoiceFilter(choices=DeploymentRole.choices, label=_("角色"))
    on_date = df.DateFilter(field_name="period", lookup_expr="contains", label=_("在岗日期"))

    class Meta:
        model = Deployment
        fields = ["role", "post"]


class RosterFilterSet(UpdatedSinceFilterSet):
    status = df.ChoiceFilter(choices=RosterStatus.choices, label=_("状态"))
    pairing = df.NumberFilter(field_name="team__pairing", label=_("帮扶关系ID"))
    year = df.NumberFilter(field_name="team__year", label=_("年度"))
    supporter = df.ModelChoiceFilter(queryset=scoped(Hospital), label=_("支援医院"))

    class Meta:
        model = Roster
        fields = ["status"]


class AttendanceFilterSet(UpdatedSinceFilterSet):
    deployment = df.NumberFilter(label=_("派驻ID"))
    date_from = df.DateFilter(field_name="date", lookup_expr="gte", label=_("起始日期"))
    date_to = df.DateFilter(field_name="date", lookup_expr="lte", label=_("截止日期"))

    class Meta:
        model = AttendanceRecord
        fields = ["status", "source"]


class RosterEntryFilterSet(df.FilterSet):
    roster = df.NumberFilter(label=_("名单ID"))
    role = df.ChoiceFilter(choices=DeploymentRole.choices, label=_("角色"))

    class Meta:
        model = RosterEntry
        fields = ["roster", "role"]


class ExpertVisitFilterSet(UpdatedSinceFilterSet):
    pairing = df.ModelChoiceFilter(queryset=scoped(Pairing), label=_("帮扶关系"))
    supporter = df.ModelChoiceFilter(queryset=scoped(Hospital), label=_("支援医院"))
    year = df.NumberFilter(
        field_name="start_date__year", min_value=1900, max_value=2999, label=_("年度（按开始日期）")
    )

    class Meta:
        model = ExpertVisitBatch
        fields = ["pairing", "supporter", "year"]


class MonthlyActivityFilterSet(UpdatedSinceFilterSet):
    pairing = df.NumberFilter(field_name="deployment__team__pairing", label=_("帮扶关系ID"))
    deployment = df.NumberFilter(field_name="deployment", label=_("派驻ID"))
    month = df.DateFilter(label=_("月份（该月第一天）"))

    class Meta:
        model = MonthlyActivity
        fields = ["deployment", "month"]
