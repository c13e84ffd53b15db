"""Forms of the training app: thin; the rules live in training/services/."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.identifiers import NationalIdFormField
from pairings.models import Hospital, Pairing
from training.choices import RemoteServiceKind, StintKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class StintRecordForm(forms.Form):
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput())
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput())
    completed = forms.BooleanField(label=_("已结业"), required=False)
    is_free = forms.BooleanField(label=_("免费"), required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("未接收原因"), max_length=200)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m")


class _PairingForm(forms.Form):
    """A form whose supporter choices are the pairing's supporters."""

    def __init__(self, *args: Any, pairing: Pairing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pairing = pairing
        hospitals = Hospital.objects.filter(pairings_supported__pairing=pairing).order_by("name")
        for name in ("host", "supporter"):
            if name in self.fields:
                self.fields[name].queryset = hospitals  # type: ignore[attr-defined]


class NominationForm(_PairingForm):
    host = forms.ModelChoiceField(queryset=Hospital.objects.none(), label=_("接收医院（支援医院）"))
    trainee_name = forms.CharField(label=_("学员姓名"), max_length=40)
    trainee_national_id = NationalIdFormField(label=_("身份证号"), required=False)
    department = forms.CharField(label=_("科室"), max_length=60, required=False)
    specialty = forms.CharField(label=_("进修专业"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=StintKind.choices)
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput())
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput())
    is_backbone = forms.BooleanField(label=_("临床骨干医师或医技人员"), required=False, initial=True)


class OnSiteTrainingForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    topic = forms.CharField(label=_("主题"), max_length=200)
    trainer = forms.CharField(label=_("授课人"), max_length=40, required=False)
    attendees = forms.IntegerField(label=_("参训人数"), min_value=0, max_value=100_000, initial=0)
    hours = forms.DecimalField(label=_("学时"), min_value=0, max_digits=5, decimal_places=1, initial=0)


class RemoteServiceForm(_PairingForm):
    supporter = forms.ModelChoiceField(queryset=Hospital.objects.none(), label=_("支援医院"))
    month = forms.DateField(label=_("月份"), widget=MonthInput(), input_formats=["%Y-%m", "%Y-%m-%d"])
    kind = forms.ChoiceField(label=_("类型"), choices=RemoteServiceKind.choices)
    count = forms.IntegerField(label=_("次数"), min_value=0, max_value=100_000)
