"""Forms of the pairings pages: query-string parameters of the home and detail pages; programs; agreements."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.query_params import MAX_YEAR, MIN_YEAR, date_param, year_param
from pairings.choices import (
    AgreementItemKind,
    AgreementKind,
    AssistanceKind,
    ItemStatus,
    PairingStatus,
    ProgramPreset,
    ProgramStatus,
)
from pairings.models import Hospital, Program


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
            elif row.kind in ("list", "intlist"):
                field = forms.CharField(required=False, initial="，".join(str(v) for v in row.value or []))
            elif row.kind == "json":
                initial = json.dumps(row.value, ensure_ascii=False) if row.value is not None else ""
                field = forms.CharField(
                    required=False, initial=initial, widget=forms.Textarea(attrs={"rows": 3})
                )
            elif row.kind == "str":
                field = forms.CharField(required=not optional, initial=row.value)
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
            if row.kind in ("list", "intlist"):
                value = [v.strip() for v in str(value or "").replace("，", ",").split(",") if v.strip()]
                if row.kind == "intlist":
                    # RuleParams validates the values and names the parameter; a non-number stays text for it
                    value = [int(v) if v.isascii() and v.isdigit() else v for v in value]
            elif row.kind == "json":
                try:
                    value = json.loads(value) if value else None
                except ValueError:
                    pass  # RuleParams refuses the text with a message naming the parameter
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


# --- agreements ----------------------------------------------------------------------------------------

_DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "required": False}


class AgreementOverviewForm(forms.Form):
    program = forms.ModelChoiceField(label=_("项目"), queryset=Program.objects.none(), required=False)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    problems = forms.BooleanField(label=_("只看未签署或有逾期"), required=False)
    q = forms.CharField(label=_("医院"), required=False, max_length=50)

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programs
        field.empty_label = None


class AgreementForm(forms.Form):
    """Enter or change an agreement; the service validates dates, parties and the scan again."""

    supporter = forms.ModelChoiceField(label=_("支援医院"), queryset=Hospital.objects.none())
    kind = forms.ChoiceField(label=_("类型"), choices=AgreementKind.choices)
    year = forms.IntegerField(label=_("年度（年度补充协议）"), required=False, min_value=2000, max_value=2100)
    title = forms.CharField(label=_("标题"), max_length=200)
    supporter_signed_on = forms.DateField(label=_("支援医院签署日期"), **_DATE)
    government_signed_on = forms.DateField(label=_("县政府签署日期"), **_DATE)
    recipient_signed_on = forms.DateField(label=_("受援医院签署日期"), **_DATE)
    filed_on = forms.DateField(label=_("报备日期"), **_DATE)
    goals = forms.CharField(label=_("帮扶目标"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    scan = forms.FileField(
        label=_("协议扫描件"), required=False, help_text=_("PDF 或图片（PNG、JPEG），按文件内容识别。")
    )

    def __init__(
        self, *args: Any, supporters: Any, parties: tuple[str, ...], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supporter"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = supporters
        if "government" not in parties:
            # Two-party agreements (Guangdong): no county government signature.
            del self.fields["government_signed_on"]
        if editing:
            for name in ("supporter", "kind", "year"):
                del self.fields[name]


class AgreementItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=AgreementItemKind.choices)
    description = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}))
    responsible_department = forms.CharField(label=_("责任科室"), max_length=80, required=False)
    due_date = forms.DateField(label=_("完成时限"), **_DATE)


class AgreementItemReportForm(forms.Form):
    status = forms.ChoiceField(label=_("进展"), choices=ItemStatus.choices)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    completed_on = forms.DateField(label=_("完成日期"), **_DATE)
    evidence = forms.FileField(label=_("佐证材料"), required=False, help_text=_("PDF 或图片（PNG、JPEG）。"))
