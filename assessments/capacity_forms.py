"""Forms of the capacity-building page and the county outcome indicators (thin: input parsing only; the
checks and the permission live in ``services/capacity.py`` and ``services/county_outcomes.py``).

Kept apart from ``forms.py`` (changed by other work at the same time) until the room becomes a package.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.choices import CapacityStandard, Centre, CentreStatus, DonationKind, SpecialtyKind
from assessments.forms import MonthInput
from pairings.models import County, Hospital
from teams.forms import DateInput

RATE = {"min_value": 0, "max_value": 100, "max_digits": 5, "decimal_places": 2, "required": False}


class CentreForm(forms.Form):
    centre = forms.ChoiceField(label=_("中心"), choices=Centre.choices)
    status = forms.ChoiceField(label=_("状态"), choices=CentreStatus.choices)
    achieved_on = forms.DateField(label=_("建成日期"), required=False, widget=DateInput())
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class MilestoneForm(forms.Form):
    centre = forms.ChoiceField(label=_("中心"), choices=Centre.choices)
    date = forms.DateField(label=_("日期"), widget=DateInput())
    description = forms.CharField(label=_("进展"), max_length=200)
    evidence = forms.FileField(label=_("佐证材料（PDF、图片或 Office 文档）"), required=False)


class SpecialtyForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=SpecialtyKind.choices)
    name = forms.CharField(label=_("专科"), max_length=60)
    selected_year = forms.IntegerField(label=_("选定年度"), min_value=2000, max_value=2100)
    goal = forms.CharField(label=_("建设目标"), max_length=200, required=False)
    progress = forms.IntegerField(label=_("建设进度（%）"), min_value=0, max_value=100, initial=0)
    achieved_on = forms.DateField(label=_("达标日期"), required=False, widget=DateInput())


class _SupporterMixin(forms.Form):
    def __init__(self, *args: Any, supporters: list[Hospital], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supporter"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Hospital.objects.filter(pk__in=[h.pk for h in supporters]).order_by("name")


class NewTechnologyForm(_SupporterMixin):
    name = forms.CharField(label=_("技术名称"), max_length=120)
    introduced_on = forms.DateField(label=_("开展日期"), widget=DateInput())
    supporter = forms.ModelChoiceField(
        label=_("支援医院"), queryset=Hospital.objects.none(), required=False, empty_label=_("本院自行开展")
    )
    cases = forms.IntegerField(label=_("开展例数"), min_value=0, max_value=1_000_000, initial=0)


class CapacityAssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("评估日期"), widget=DateInput())
    standard = forms.ChoiceField(label=_("评估标准"), choices=CapacityStandard.choices)
    reaches_level2 = forms.TypedChoiceField(
        label=_("达到二级医院医疗服务能力"),
        choices=[("1", _("是")), ("0", _("否"))],
        coerce=lambda v: v == "1",
    )
    assessor = forms.CharField(label=_("评估机构"), max_length=120, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    evidence = forms.FileField(label=_("佐证材料（PDF、图片或 Office 文档）"), required=False)


class ReferralForm(forms.Form):
    month = forms.DateField(
        label=_("月份"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput(format="%Y-%m")
    )
    up_count = forms.IntegerField(label=_("上转人次"), min_value=0, max_value=1_000_000)
    down_count = forms.IntegerField(label=_("下转人次"), min_value=0, max_value=1_000_000)


class DonationForm(_SupporterMixin):
    supporter = forms.ModelChoiceField(label=_("捐赠医院"), queryset=Hospital.objects.none())
    date = forms.DateField(label=_("日期"), widget=DateInput())
    kind = forms.ChoiceField(label=_("类型"), choices=DonationKind.choices)
    description = forms.CharField(label=_("内容"), max_length=200)
    value_cny = forms.DecimalField(label=_("金额/价值（元）"), min_value=0, max_digits=14, decimal_places=2)


class CountyOutcomeForm(forms.Form):
    county = forms.ModelChoiceField(label=_("县区"), queryset=County.objects.none(), empty_label=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    in_county_visit_rate = forms.DecimalField(label=_("县域内就诊率（%）"), **RATE)
    county_hospitalisation_rate = forms.DecimalField(label=_("县域内住院率（%）"), **RATE)
    grassroots_visit_share = forms.DecimalField(label=_("基层就诊占比（%）"), **RATE)
    referrals_up = forms.IntegerField(label=_("上转人次"), min_value=0, max_value=100_000_000, required=False)
    referrals_down = forms.IntegerField(
        label=_("下转人次"), min_value=0, max_value=100_000_000, required=False
    )
    outward_transfer_rate = forms.DecimalField(label=_("县外转诊率（%）"), **RATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, counties: list[County], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["county"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = County.objects.filter(pk__in=[c.pk for c in counties]).order_by("name")
