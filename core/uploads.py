"""Upload helpers for the imports: file checks and reading (from ``core.spreadsheets``), columns, dates.

Every import (rosters, attendance, pairings, activity) reads its file through ``core.spreadsheets``, the one
safe reader: size, content sniffing, zip-bomb limits, declared and actual sheet extents, shared strings and
formulas are checked there before any parser sees the file (see that module for why).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from core.spreadsheets import (
    CSV,
    XLSX,
    TextBlock,
    TextWidth,
    UploadError,
    head_rows,
    inspect_upload,
    iter_row_blocks,
    iter_rows,
    sheet_names,
)

__all__ = [
    "CSV",
    "XLSX",
    "TextBlock",
    "TextWidth",
    "UploadError",
    "check_upload",
    "column_letter",
    "escape_cell",
    "head_rows",
    "header_index",
    "iter_row_blocks",
    "iter_rows",
    "parse_date",
    "save_upload",
    "sheet_names",
]


def check_upload(f: IO[bytes], name: str = "") -> str:
    """All the file-level checks (core.spreadsheets.inspect_upload); returns the sniffed type (xlsx/csv)."""
    return inspect_upload(f, name).kind


def header_index(
    header: list[Any], columns: dict[str, tuple[str, ...]], required: set[str]
) -> dict[str, int]:
    """Map our field names to column positions by any accepted header; missing required columns raise."""
    cleaned = [str(h).strip().replace(" ", "") if h is not None else "" for h in header]
    found: dict[str, int] = {}
    for field, names in columns.items():
        for n in names:
            if n in cleaned:
                found[field] = cleaned.index(n)
                break
    missing = [columns[k][0] for k in columns if k in required and k not in found]
    if missing:
        raise UploadError(_("缺少必需的列：%(cols)s（请使用模板中的列名）。") % {"cols": "、".join(missing)})
    return found


def column_letter(idx: int) -> str:
    """0 → A, 25 → Z, 26 → AA (to name a cell in an error message)."""
    out = ""
    idx += 1
    while idx:
        idx, rem = divmod(idx - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- dates -------------------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RES = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def parse_date(value: Any) -> dt.date:
    """A date cell: a date, an Excel serial, or text as 2023-03-01, 2023/3/1 or 2023年3月1日.

    Raises ValueError (with a Chinese message) for anything else; callers name the cell.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(_("日期数值超出范围"))
    text = str(value or "").strip()
    if not text:
        raise ValueError(_("日期为空"))
    # "2023-03-01 00:00:00" from a text export of a date cell.
    if len(text) > 10 and text[10] == " " and text[11:].strip("0: ") == "":
        text = text[:10]
    for rx in _DATE_RES:
        m = rx.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise ValueError(
        _("日期格式错误：“%(v)s”（可用格式：2023-03-01、2023/3/1、2023年3月1日）") % {"v": text[:30]}
    )


# --- exports --------------------------------------------------------------------------------------------

_INJECTION_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Neutralise formula injection in a spreadsheet we produce: prefix risky text with a quote."""
    if isinstance(value, str) and value.startswith(_INJECTION_START):
        return "'" + value
    return value


def save_upload(f: IO[bytes], dest: Path) -> None:
    f.seek(0)
    with open(dest, "wb") as out:
        while chunk := f.read(1 << 20):
            out.write(chunk)
