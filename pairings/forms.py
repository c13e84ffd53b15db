"""Forms of the pairings pages: the query-string parameters of the home and detail pages; agreements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pairings.choices import AgreementItemKind, AgreementKind, ItemStatus
from pairings.models import Hospital, Program


class AsOfForm(forms.Form):
    """``?as_of=YYYY-MM-DD`` shows the home page as it looked on that day (demo data is 2022–2025)."""

    as_of = forms.DateField(label=_("查看日期"), required=False, input_formats=["%Y-%m-%d"])

    @classmethod
    def day(cls, data: object) -> dt.date:
        form = cls(data)  # type: ignore[arg-type]
        if form.is_valid() and form.cleaned_data["as_of"]:
            return form.cleaned_data["as_of"]
        return timezone.localdate()


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)

    @classmethod
    def year_of(cls, data: object) -> int | None:
        form = cls(data)  # type: ignore[arg-type]
        return form.cleaned_data["year"] if form.is_valid() else None


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
