from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.query_params import QueryParameterError, month_param
from reminders.choices import DeadlineKind, DeadlineStatus, RobotKind
from reminders.models import ReminderPreference


class DeadlineFilterForm(forms.Form):
    """Filters of the deadline list, its month view and its Excel export (the same parameters)."""

    month = forms.CharField(label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部"))] + DeadlineKind.choices
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + DeadlineStatus.choices
    )

    def clean_month(self) -> dt.date | None:
        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        # The shared parser (ASCII digits, years MIN_YEAR–MAX_YEAR): "9999-12" is refused, never a 500 later.
        try:
            return month_param({"month": value}, "month")
        except QueryParameterError as exc:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM，例如 2026-04。")) from exc

    def window(self, today: dt.date) -> tuple[dt.date, dt.date]:
        month: dt.date | None = self.cleaned_data.get("month") if self.is_valid() else None
        if month is None:
            return today - dt.timedelta(days=60), today + dt.timedelta(days=90)
        nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return month, nxt - dt.timedelta(days=1)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "kinds": [data["kind"]] if data.get("kind") else None,
            "statuses": [data["status"]] if data.get("status") else None,
        }


class GroupRobotForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=RobotKind.choices)
    name = forms.CharField(label=_("名称"), max_length=80)
    token = forms.CharField(label=_("Webhook 地址或令牌"), max_length=400)
    secret = forms.CharField(label=_("加签密钥（钉钉，可选）"), max_length=128, required=False)


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ["email", "daily_digest"]


MAX_STAGES = 5


class ReminderStagesForm(forms.Form):
    """The program's reminder stages (``reminder_days``): up to five "N days before" rows, blank ones unused.

    Only the shape is checked here; the values are validated by ``RuleParams`` in the program service, whose
    message names the parameter (1–90 days, at least one)."""

    reason = forms.CharField(label=_("修改理由"), max_length=200)

    def __init__(self, *args: Any, days: tuple[int, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MAX_STAGES):
            self.fields[f"stage_{i}"] = forms.IntegerField(
                label=_("截止前天数（第 %(n)d 阶段）") % {"n": i + 1},
                required=False,
                initial=days[i] if i < len(days) else None,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.order_fields([f"stage_{i}" for i in range(MAX_STAGES)] + ["reason"])

    def days(self) -> list[int]:
        values = (self.cleaned_data.get(f"stage_{i}") for i in range(MAX_STAGES))
        return sorted({v for v in values if v is not None}, reverse=True)
