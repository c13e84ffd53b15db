"""The annual workbook as it was built before issue 18: openpyxl in write-only mode, one ``WriteOnlyCell``
per formatted cell. Kept as the benchmark's baseline (measured in the same run as the streaming writer)
and as the tests' reference: the workbook must hold the same sheets, cells and formats either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from assessments.reports import data
from assessments.reports.workbook import _annual_sheets
from assessments.reports.xlsx import Column
from pairings.models import Program

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


class OpenpyxlBook:
    """The writer of main before issue 18, behind the ``workbook.SheetWriter`` interface."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb

    def sheet(self, title: str, columns: list[Column], rows: Iterable[list[Any]]) -> int:
        ws = self.wb.create_sheet(title)
        ws.freeze_panes = "A2"
        for i, (_h, width, _fmt) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = 9  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = True
        header = []
        for h, _w, _f in columns:
            c = WriteOnlyCell(ws, value=h)
            c.font, c.fill, c.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
            header.append(c)
        ws.append(header)
        formats = [fmt for _h, _w, fmt in columns]
        n = 0
        for row in rows:  # already escaped by workbook._sheet
            out: list[Any] = []
            for value, fmt in zip(row, formats, strict=True):
                if fmt and value is not None:
                    c = WriteOnlyCell(ws, value=value)
                    c.number_format = fmt
                    out.append(c)
                else:
                    out.append(value)
            ws.append(out)
            n += 1
        return n


def build_annual_workbook_before(*, program: Program, year: int, out: IO[bytes] | str) -> dict[str, int]:
    """``workbook.build_annual_workbook`` with main's writer (openpyxl) — the baseline."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "pairing-assistance"
    wb.properties.title = f"{program.name} {year} 年度考核报表"
    wb.properties.created = wb.properties.modified = dt.datetime(program.start_date.year, 1, 1)
    attendance = data.year_attendance(program=program, year=year)
    rows = data.pairing_rows(program=program, year=year, attendance=attendance)
    counts = _annual_sheets(
        OpenpyxlBook(wb),
        program=program,
        year=year,
        rows=rows,
        step=lambda pct: None,
        base=20,
        span=75,
        attendance=attendance,
    )
    wb.save(out)
    return counts
