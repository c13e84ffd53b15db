"""Forms of the pairings pages (reads only: the query-string parameters of the home and detail pages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.query_params import MAX_YEAR, MIN_YEAR, date_param, year_param


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
