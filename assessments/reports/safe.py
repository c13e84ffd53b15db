"""Spreadsheet cell hygiene."""

from __future__ import annotations

from typing import Any

# A text cell starting with one of these is read as a formula by Excel/WPS (CSV/formula injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """Text that could start a formula gets a leading "'" so the sheet shows it as text and never runs it.
    Numbers, dates and None pass through unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
