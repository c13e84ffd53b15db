"""Forms of the pairings pages (reads only: the query-string parameters of the home and detail pages)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
