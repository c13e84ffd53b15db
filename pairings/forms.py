"""Forms of the pairings pages: query-string parameters of the home and detail pages; the program forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.query_params import MAX_YEAR, MIN_YEAR, date_param, year_param
from pairings.choices import AssistanceKind, PairingStatus, ProgramPreset, ProgramStatus
from pairings.models import Hospital


class AsOfForm(forms.Form):
    """``?as_of=YYYY-MM-DD`` shows the home page as it looked on that day (demo data is 2022–2025)."""

    as_of = forms.DateField(label=_("查看日期"), required=False, input_formats=["%Y-%m-%d"])

    @classmethod
    def day(cls, data: Mapping[str, Any]) -> dt.date:
        # The shared parser: a bad value is a 400 naming the parameter, not a silent "today" or a 500.
        return date_param(data, "as_of", default=timezone.localdate()) or timezone.localdate()


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)

    @classmethod
    def year_of(cls, data: Mapping[str, Any]) -> int | None:
        return year_param(data, "year")


# --- programs ---------------------------------------------------------------------------------------------

_DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class ProgramCreateForm(forms.Form):
    preset = forms.ChoiceField(label=_("规则预设"), choices=ProgramPreset.choices)
    code = forms.CharField(label=_("项目代码"), max_length=20)
    name = forms.CharField(label=_("项目名称"), max_length=120)
    document = forms.CharField(label=_("依据文件"), max_length=120, required=False)
    start_date = forms.DateField(label=_("开始日期"), **_DATE)
    end_date = forms.DateField(label=_("结束日期"), **_DATE)
    agreement_deadline = forms.DateField(
        label=_("协议签订截止"), required=False, help_text=_("留空则用预设文件规定的日期（如有）。"), **_DATE
    )
    roster_deadline = forms.DateField(
        label=_("人员名单备案截止"),
        required=False,
        help_text=_("留空则用预设文件规定的日期（如有）。"),
        **_DATE,
    )
    status = forms.ChoiceField(
        label=_("项目状态"), choices=ProgramStatus.choices, initial=ProgramStatus.DRAFT
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("结束日期不能早于开始日期。"))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("修改理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class ProgramEditForm(ReasonForm):
    name = forms.CharField(label=_("项目名称"), max_length=120)
    start_date = forms.DateField(label=_("开始日期"), **_DATE)
    end_date = forms.DateField(label=_("结束日期"), **_DATE)
    agreement_deadline = forms.DateField(label=_("协议签订截止"), required=False, **_DATE)
    roster_deadline = forms.DateField(label=_("人员名单备案截止"), required=False, **_DATE)
    field_order = ["name", "start_date", "end_date", "agreement_deadline", "roster_deadline", "reason"]


class ProgramStatusForm(ReasonForm):
    status = forms.ChoiceField(label=_("项目状态"), choices=ProgramStatus.choices)
    field_order = ["status", "reason"]


class ProgramCopyForm(forms.Form):
    code = forms.CharField(label=_("新项目代码"), max_length=20)
    name = forms.CharField(label=_("新项目名称"), max_length=120)
    start_date = forms.DateField(label=_("开始日期"), **_DATE)
    end_date = forms.DateField(label=_("结束日期"), **_DATE)


class ProgramParamsForm(ReasonForm):
    """One field per rule parameter (``p_<name>``), filled with the effective values; a reason is required.

    An empty number means "off" where the parameter may be off (None); lists are comma-separated.
    """

    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            optional = row.optional
            field: forms.Field
            if row.kind == "bool":
                field = forms.BooleanField(required=False, initial=row.value)
            elif row.kind == "list":
                field = forms.CharField(required=False, initial="，".join(row.value or []))
            elif row.kind == "float":
                field = forms.FloatField(required=not optional, initial=row.value)
            else:
                field = forms.IntegerField(required=not optional, initial=row.value)
            field.label = row.label
            field.help_text = row.explanation
            self.fields[f"p_{row.name}"] = field
        self.order_fields([f"p_{row.name}" for row in rows] + ["reason"])

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for row in self.rows:
            value = self.cleaned_data.get(f"p_{row.name}")
            if row.kind == "list":
                value = [v.strip() for v in str(value or "").replace("，", ",").split(",") if v.strip()]
            out[row.name] = value
        return out


class PairingEditForm(ReasonForm):
    supporters = forms.ModelMultipleChoiceField(
        label=_("支援医院"), queryset=Hospital.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    lead = forms.ModelChoiceField(label=_("牵头医院"), queryset=Hospital.objects.none())
    kind = forms.ChoiceField(label=_("帮扶方式"), choices=AssistanceKind.choices)
    status = forms.ChoiceField(label=_("状态"), choices=PairingStatus.choices)
    field_order = ["supporters", "lead", "kind", "status", "reason"]

    def __init__(self, *args: Any, hospitals: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("supporters", "lead"):
            self.fields[name].queryset = hospitals  # type: ignore[attr-defined]
