"""Spreadsheet export escaping (CSV/Excel formula injection, OWASP "CSV injection").

A cell that starts with = + - @ (or tab / carriage return, which some spreadsheet programs skip before
reading a formula) is run as a formula when the file is opened. Every exporter passes user-supplied text
through :func:`safe_cell`, which turns such a cell into plain text with a leading apostrophe.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` ready for a spreadsheet cell: numbers, dates and None unchanged; risky text prefixed with '.

    Numbers stay numbers (a negative amount is data, not a formula); only strings are escaped.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [safe_cell(v) for v in values]
