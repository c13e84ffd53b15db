"""One parser for the date-like query-string parameters every page and endpoint reads: year, month, as_of.

Hand-rolled parsing broke in three ways (issue 13 item 5): ``"²".isdigit()`` is true but ``int("²")``
fails; a year of 9999 overflows date arithmetic (``month + 1``, ``as_of + 7 days``); a date before the
Gregorian era of our data makes no sense. So a value is ASCII digits in a fixed shape (full-width digits
are normalised first, like every identifier), within ``MIN_YEAR``–``MAX_YEAR``; anything else raises
:class:`QueryParameterError`, a ``BadRequest``: pages answer 400 with the reason (``core.errors``), the API
answers 400 in its error shape (``config.api_errors``). A missing or blank parameter gives the default.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

from core.identifiers import ascii_digits

# Far enough for any program (the earliest policy text is 2009's) and for planning years ahead, near
# enough that date arithmetic (a month on, a year on) never leaves Python's date range.
MIN_YEAR = 2000
MAX_YEAR = 2100

_YEAR = re.compile(r"^([0-9]{4})$", re.ASCII)
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})(?:-01)?$", re.ASCII)
_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$", re.ASCII)


class QueryParameterError(BadRequest):
    """A query-string parameter that is not what the page reads; the message names it and says why."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(message)


def _raw(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    text = ascii_digits(value).strip()
    return text or None


def _range_error(name: str) -> QueryParameterError:
    return QueryParameterError(
        name,
        _("参数 %(name)s 超出范围：年份应在 %(min)d–%(max)d 之间")
        % {"name": name, "min": MIN_YEAR, "max": MAX_YEAR},
    )


def year_param(params: Mapping[str, Any], name: str = "year", *, default: int | None = None) -> int | None:
    """``?year=2023``; blank or missing → ``default``."""
    text = _raw(params, name)
    if text is None:
        return default
    m = _YEAR.match(text)
    if not m:
        raise QueryParameterError(name, _("参数 %(name)s 无效：应为四位数年份，如 2023") % {"name": name})
    year = int(m[1])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _range_error(name)
    return year


def month_param(
    params: Mapping[str, Any], name: str = "month", *, default: dt.date | None = None
) -> dt.date | None:
    """``?month=2023-05`` (or ``2023-05-01``, what a date input sends) → the month's first day."""
    text = _raw(params, name)
    if text is None:
        return default
    m = _MONTH.match(text)
    if not m or not 1 <= int(m[2]) <= 12:
        raise QueryParameterError(name, _("参数 %(name)s 无效：应为年月，如 2023-05") % {"name": name})
    if not MIN_YEAR <= int(m[1]) <= MAX_YEAR:
        raise _range_error(name)
    return dt.date(int(m[1]), int(m[2]), 1)


def date_param(
    params: Mapping[str, Any], name: str = "as_of", *, default: dt.date | None = None
) -> dt.date | None:
    """``?as_of=2024-05-10``; blank or missing → ``default``."""
    text = _raw(params, name)
    if text is None:
        return default
    m = _DATE.match(text)
    try:
        day = dt.date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        day = None
    if day is None:
        raise QueryParameterError(name, _("参数 %(name)s 无效：应为日期，如 2024-05-10") % {"name": name})
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise _range_error(name)
    return day
