"""The provincial report's appendix: per pairing in the PDF for a province, per city for a national program.

Laying out the per-pairing appendix costs WeasyPrint about 0.2 s a page; a national program (2,500
pairings, ~1,100 pages) took over four minutes (issue 18). Above ``PDF_APPENDIX_MAX_PAIRINGS`` the PDF's
appendix therefore summarises per city, and the per-pairing detail — the same lines, one row per pairing
and indicator — travels inside the PDF as an embedded workbook (``考核明细.xlsx``, shown in any PDF
reader's attachments pane). The report says so where the appendix would be. The Word version stays the
editable twin of the PDF's text.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from assessments.reports import data
from assessments.reports.workbook import DEC1, _sheet
from assessments.reports.xlsx import Column, StreamingWorkbook

# A province's programs stay below (the demo province has 95 pairings, ~37 pages); a national one is above.
PDF_APPENDIX_MAX_PAIRINGS = 300
DETAIL_FILENAME = "考核明细.xlsx"

DETAIL_COLUMNS: list[Column] = [
    ("市州", 10, None),
    ("县区", 10, None),
    ("受援医院", 26, None),
    ("牵头支援医院", 26, None),
    ("总分", 8, DEC1),
    ("等次", 8, None),
    ("状态", 8, None),
    ("指标", 22, None),
    ("权重", 8, None),
    ("依据数据", 60, None),
    ("指标得分", 10, None),
]


def appendix_in_pdf(rows: list[data.PairingRow]) -> bool:
    return len(rows) <= PDF_APPENDIX_MAX_PAIRINGS


def city_summary(rows: list[data.PairingRow]) -> list[dict[str, Any]]:
    """Per city: pairings, average score and the grade counts (in the order of ``data.GRADE_LABELS``)."""
    by_city: dict[str, list[data.PairingRow]] = {}
    for r in rows:
        by_city.setdefault(r.city, []).append(r)
    out = []
    for city, rs in sorted(by_city.items()):
        grades = Counter(r.grade for r in rs)
        average = sum((Decimal(r.score) for r in rs), Decimal(0)) / len(rs)
        out.append(
            {
                "city": city,
                "pairings": len(rs),
                "average_score": average.quantize(Decimal("0.1")),
                "grades": [grades.get(value, 0) for value in data.GRADE_LABELS],
            }
        )
    return out


def _figures_text(line: dict[str, Any]) -> str:
    # Written as the PDF writes them: "label value；label value".
    return "；".join(f"{f['label']} {f['value']}" for f in line.get("figures", {}).values())


def detail_rows(rows: list[data.PairingRow]) -> Iterable[list[Any]]:
    for r in rows:
        grade = str(data.GRADE_LABELS.get(r.grade, r.grade))
        head = [r.city, r.county, r.recipient, r.lead_supporter, float(r.score), grade, r.status]
        for line in r.indicators:
            yield head + [line.get("label"), line.get("weight"), _figures_text(line), line.get("score")]


def detail_workbook(rows: list[data.PairingRow]) -> bytes:
    """The per-pairing appendix as one sheet (cells escaped by the annual workbook's writer)."""
    buf = io.BytesIO()
    with StreamingWorkbook(buf) as wb:
        _sheet(wb, "考核明细", DETAIL_COLUMNS, detail_rows(rows))
    return buf.getvalue()
