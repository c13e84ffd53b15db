"""Forms of the training app: thin; the rules live in training/services/."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
