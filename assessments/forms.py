"""Forms of the assessments app (thin: validation of input only; rules live in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.choices import BAND_GRADES, Grade, ReportKind
from core.query_params import MAX_YEAR, MIN_YEAR
from teams.forms import DateInput


class MonthInput(forms.DateInput):
    input_type = "month"


class MonthlyAssessmentForm(forms.Form):
    """One field per monthly item of the program (``services.appraisals.monthly_items_for``)."""

    month = forms.DateField(
        label=_("月份"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput(format="%Y-%m")
    )
    comment = forms.CharField(label=_("评语"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, items: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item['code']}"] = forms.DecimalField(
                label=f"{item['label']}（{item['max']}）",
                min_value=0,
                max_value=item["max"],
                decimal_places=1,
            )

    def item_scores(self) -> dict[str, Any]:
        return {item["code"]: self.cleaned_data[f"item_{item['code']}"] for item in self.items}


class SpotCheckForm(forms.Form):
    checked_at = forms.DateTimeField(
        label=_("抽查时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reached = forms.BooleanField(label=_("在岗（电话接通且在岗）"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class EndAppraisalForm(forms.Form):
    qualified = forms.TypedChoiceField(
        label=_("考核结论"),
        choices=[("1", _("合格")), ("0", _("不合格"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(label=_("书面考核意见"), widget=forms.Textarea(attrs={"rows": 4}))
    signer = forms.CharField(label=_("签署人"), max_length=40)
    signed_on = forms.DateField(label=_("签署日期"), widget=DateInput)


class AdjustForm(forms.Form):
    adjustment = forms.DecimalField(
        label=_("调整分（±）"), max_digits=5, decimal_places=1, min_value=-100, max_value=100
    )
    reason = forms.CharField(label=_("调整理由（必填）"), widget=forms.Textarea(attrs={"rows": 3}))


class ProgramYearForm(forms.Form):
    program = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(label=_("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)


class ReportRequestForm(forms.Form):
    program = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("报告类型"), choices=ReportKind.choices)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    # "" the whole province, "city:<pk>" or "county:<pk>" (assessments.selectors.reports.report_areas).
    area = forms.CharField(label=_("范围"), required=False, max_length=30)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=40)


class ScorecardForm(forms.Form):
    """Weights of the scorecard's indicators and the grade bands' lower bounds (年度考核评分表)."""

    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(
        self, *args: Any, indicators: list[dict[str, Any]], bands: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for ind in indicators:
            self.fields[f"weight_{ind['code']}"] = forms.IntegerField(
                label=ind["label"], min_value=0, max_value=100, initial=ind["weight"]
            )
        minimums = {b["grade"]: b["min"] for b in bands}
        labels = dict(Grade.choices)
        for grade in BAND_GRADES:
            self.fields[f"band_{grade}"] = forms.IntegerField(
                label=labels[grade], min_value=1, max_value=100, initial=minimums.get(grade)
            )

    def weight_fields(self) -> list[tuple[dict[str, Any], Any]]:
        return [(ind, self[f"weight_{ind['code']}"]) for ind in self.indicators]

    def band_fields(self) -> list[Any]:
        return [self[f"band_{g}"] for g in BAND_GRADES]

    def weights(self) -> dict[str, int]:
        return {ind["code"]: self.cleaned_data[f"weight_{ind['code']}"] for ind in self.indicators}

    def weight_total(self) -> int:
        """What the weight inputs add up to: the saved card's, or a refused submission's (shown beside it)."""
        values = (self[f"weight_{ind['code']}"].value() for ind in self.indicators)
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        return sum(int(v) if str(v).lstrip("-").isdecimal() else 0 for v in values)

    def band_minimums(self) -> dict[str, int]:
        return {g: self.cleaned_data[f"band_{g}"] for g in BAND_GRADES}


class MonthlyItemsForm(forms.Form):
    """月考核表: one item a line, "名称 满分" (e.g. "工作纪律 20"); the maxima add up to 100."""

    lines = forms.CharField(
        label=_("考核项目（每行一项：名称 满分）"), widget=forms.Textarea(attrs={"rows": 8})
    )

    def clean_lines(self) -> list[dict[str, Any]]:
        items = []
        for n, line in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not line.strip():
                continue
            label, _sep, top = line.strip().rpartition(" ")
            if not label.strip() or not top.isdigit():
                raise forms.ValidationError(_("第 %(n)d 行应为“名称 满分”，如“工作纪律 20”。") % {"n": n})
            items.append({"code": f"item{len(items) + 1}", "label": label.strip(), "max": int(top)})
        if len({i["label"] for i in items}) != len(items):
            raise forms.ValidationError(_("考核项目名称不能重复。"))
        if sum(i["max"] for i in items) != 100:
            raise forms.ValidationError(
                _("各项满分之和须为 100（现为 %(s)d）。") % {"s": sum(i["max"] for i in items)}
            )
        return items

    @staticmethod
    def initial_text(items: list[dict[str, Any]]) -> str:
        return "\n".join(f"{i['label']} {i['max']}" for i in items)
