"""Provincial annual report for the national bodies (SPEC §2 step 8): HTML → PDF with WeasyPrint.

The province's figures, tables and server-side SVG charts (grade distribution, coverage, training), the
supporters named for failing their tasks, and a per-pairing appendix with every indicator's figures — for a
national program a per-city appendix, with the per-pairing detail embedded as a workbook (``appendix``).
"""

from __future__ import annotations

from collections import Counter
from typing import IO, Any

from django.template.loader import render_to_string

from assessments.reports import appendix, data, pdf
from assessments.reports.area import ReportArea
from assessments.reports.charts import bar_chart
from pairings.models import Program

COVERAGE_BUCKETS = [("<60%", 0.0, 0.6), ("60–80%", 0.6, 0.8), ("80–95%", 0.8, 0.95), ("≥95%", 0.95, 1.01)]


def provincial_context(*, program: Program, year: int, area: ReportArea | None = None) -> dict[str, Any]:
    """The report's figures: the whole province, or only the pairings of ``area`` (a city or county),
    whose breakdown table then goes by county instead of by city."""
    rows = data.pairing_rows(program=program, year=year, area=area)
    totals = data.province_totals(rows)
    dist = data.grade_distribution(rows)
    coverage: Counter[str] = Counter()
    for r in rows:
        rate = data.ratio(r.figures.get("covered_days", 0), r.figures.get("period_days", 0)) or 0.0
        for label, lo, hi in COVERAGE_BUCKETS:
            if lo <= rate < hi:
                coverage[label] += 1
    by_city: dict[str, dict[str, int]] = {}
    for r in rows:
        c = by_city.setdefault(
            r.city if area is None else r.county, {"pairings": 0, "trainees": 0, "quota": 0, "fail": 0}
        )
        c["pairings"] += 1
        c["trainees"] += int(r.figures.get("trainees", 0))
        c["quota"] += int(r.figures.get("training_quota", 0) or 0)
        c["fail"] += 1 if r.grade == "fail" else 0
    review = data.review_rows(program=program, year=year, rows=rows)
    return {
        "program": program,
        "year": year,
        "rows": rows,
        "totals": totals,
        "distribution": dist,
        "by_city": sorted(by_city.items()),
        "review": review,
        "commended": data.commendation_rows(program=program, year=year, rows=rows, area=area),
        "county_outcomes": data.county_outcome_table(program=program, year=year, area=area),
        "area": area,
        "area_label": "市州" if area is None else "县（市、区）",
        "grade_labels": data.GRADE_LABELS,
        "chart_grades": bar_chart(dist, title="年度考核等次分布（个）"),
        "chart_coverage": bar_chart(
            [(b[0], coverage.get(b[0], 0)) for b in COVERAGE_BUCKETS], title="派驻覆盖率分布（个）"
        ),
        "chart_training": bar_chart(
            [(city, v["trainees"]) for city, v in sorted(by_city.items())],
            title="各市州免费进修人数（人）" if area is None else "各县区免费进修人数（人）",
        ),
    }


def render_provincial_html(*, program: Program, year: int, area: ReportArea | None = None) -> str:
    return render_to_string(
        "assessments/reports/provincial_report.html",
        provincial_context(program=program, year=year, area=area),
    )


def provincial_pdf_parts(
    *, program: Program, year: int, full_appendix: bool = False, area: ReportArea | None = None
) -> tuple[str, list[tuple[str, bytes]]]:
    """The PDF's HTML and its embedded files (name, bytes). Above ``appendix.PDF_APPENDIX_MAX_PAIRINGS``
    pairings the appendix goes per city and the per-pairing detail is an embedded workbook, unless
    ``full_appendix`` (the benchmark's baseline) forces it into the PDF."""
    ctx = provincial_context(program=program, year=year, area=area)
    files: list[tuple[str, bytes]] = []
    if not (full_appendix or appendix.appendix_in_pdf(ctx["rows"])):
        ctx["appendix_by_city"] = appendix.city_summary(ctx["rows"])
        ctx["appendix_file"] = appendix.DETAIL_FILENAME
        files.append((appendix.DETAIL_FILENAME, appendix.detail_workbook(ctx["rows"])))
    return render_to_string("assessments/reports/provincial_report.html", ctx), files


def build_provincial_pdf(
    *,
    program: Program,
    year: int,
    out: IO[bytes] | str,
    progress: Any = None,
    full_appendix: bool = False,
    area: ReportArea | None = None,
    parallel: bool = True,
) -> dict[str, int]:
    """The PDF of the report (``pdf.write_pdf``: a long per-pairing appendix in two processes unless
    ``parallel`` is off); returns its pages and embedded files."""
    step = progress or (lambda pct: None)
    html, files = provincial_pdf_parts(program=program, year=year, full_appendix=full_appendix, area=area)
    step(50)
    pages = pdf.write_pdf(html, out, attachments=files, parallel=parallel)
    step(100)
    return {"pages": pages, "attachments": len(files)}
