"""The provincial PDF's appendix (issue 18): per pairing for a province, per city plus an embedded detail
workbook above ``PDF_APPENDIX_MAX_PAIRINGS`` pairings."""

from __future__ import annotations

import datetime as dt
import io
import re
import zlib

import pytest
from openpyxl import load_workbook

from assessments.reports import appendix, data
from assessments.reports.provincial import build_provincial_pdf, provincial_pdf_parts, render_provincial_html
from assessments.services.appraisals import annual_appraisal_compute
from devtools import factories as f

D = dt.date


@pytest.fixture
def appraised(world):
    team = f.TeamFactory(
        pairing=world.pairing_a, year=2023, start_date=D(2023, 1, 1), end_date=D(2023, 12, 31)
    )
    dep = f.DeploymentFactory(team=team, role="leader", post="副院长")
    f.AttendanceFactory(deployment=dep, date=D(2023, 1, 3), status="present")
    f.MonthlyAssessmentFactory(deployment=dep, month=D(2023, 1, 1), score=85)
    # A name that would run as a formula in a spreadsheet: the detail workbook must escape it.
    world.pairing_b.recipient.name = "=SUM(1)秦安县人民医院"
    world.pairing_b.recipient.save(update_fields=["name"])
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    return world


@pytest.fixture
def national(monkeypatch):
    """Treat the test program (2 pairings) as a national one."""
    monkeypatch.setattr(appendix, "PDF_APPENDIX_MAX_PAIRINGS", 1)


def embedded_files(pdf: bytes) -> list[bytes]:
    """The embedded files' bytes, read from the PDF's /EmbeddedFile streams (WeasyPrint deflates them)."""
    out = []
    for m in re.finditer(rb"/Type /EmbeddedFile\b.*?/Length (\d+)>>\nstream\n", pdf, re.S):
        start = m.end()
        out.append(zlib.decompress(pdf[start : start + int(m.group(1))]))
    return out


def test_a_province_keeps_the_per_pairing_appendix_unchanged(appraised):
    html, files = provincial_pdf_parts(program=appraised.program, year=2023)
    assert files == []
    assert html == render_provincial_html(program=appraised.program, year=2023)
    assert "附件：各帮扶关系考核明细" in html
    assert "附件：各市州考核汇总" not in html
    for name in ("榆中县第一人民医院", "=SUM(1)秦安县人民医院"):
        assert f"· {name}（" in html


def test_a_national_program_summarises_per_city_and_says_where_the_detail_is(appraised, national):
    html, files = provincial_pdf_parts(program=appraised.program, year=2023)
    assert "附件：各市州考核汇总" in html
    assert "附件：各帮扶关系考核明细" not in html
    assert "本项目共 2 个帮扶关系，附件按市州汇总" in html
    assert "《考核明细.xlsx》" in html
    assert "· 榆中县第一人民医院（" not in html  # no per-pairing headings left in the PDF
    assert [name for name, _body in files] == ["考核明细.xlsx"]
    # The benchmark's baseline forces the per-pairing appendix back.
    full, none = provincial_pdf_parts(program=appraised.program, year=2023, full_appendix=True)
    assert none == [] and "附件：各帮扶关系考核明细" in full


def test_city_summary_counts_pairings_average_and_grades(appraised):
    rows = data.pairing_rows(program=appraised.program, year=2023)
    summary = appendix.city_summary(rows)
    assert [c["city"] for c in summary] == sorted({r.city for r in rows})
    for c in summary:
        mine = [r for r in rows if r.city == c["city"]]
        assert c["pairings"] == len(mine) == sum(c["grades"])
        assert c["average_score"] == round(sum(r.score for r in mine) / len(mine), 1)


def test_the_pdf_embeds_the_detail_workbook_with_every_indicator_line(appraised, national):
    out = io.BytesIO()
    built = build_provincial_pdf(program=appraised.program, year=2023, out=out)
    assert built["attachments"] == 1
    pdf = out.getvalue()
    assert pdf[:4] == b"%PDF"
    (xlsx,) = embedded_files(pdf)
    sheet = load_workbook(io.BytesIO(xlsx), read_only=True)["考核明细"]
    got = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert got[0] == tuple(h for h, _w, _f in appendix.DETAIL_COLUMNS)
    rows = data.pairing_rows(program=appraised.program, year=2023)
    expected = [
        (r.recipient, line["label"], line["weight"], line["score"]) for r in rows for line in r.indicators
    ]
    assert len(expected) > len(rows)  # several indicators per pairing
    # Escaped once for the sheet, as every exported cell is.
    assert [(g[2], g[7], g[8], g[10]) for g in got[1:]] == [
        ("'" + rec if rec.startswith("=") else rec, label, weight, score)
        for rec, label, weight, score in expected
    ]
    # The figures read as in the per-pairing appendix of a province's PDF.
    first = rows[0].indicators[0]
    assert got[1][9] == "；".join(f"{v['label']} {v['value']}" for v in first["figures"].values())


def test_a_province_pdf_embeds_nothing(appraised):
    out = io.BytesIO()
    built = build_provincial_pdf(program=appraised.program, year=2023, out=out)
    assert built["attachments"] == 0 and built["pages"] >= 2
    assert embedded_files(out.getvalue()) == []
