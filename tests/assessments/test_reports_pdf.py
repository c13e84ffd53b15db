"""The provincial PDF laid out in two processes (issue 18): the same text, footers and outline as one
WeasyPrint rendering of the same HTML; the report's own user-agent stylesheet and the paused garbage
collector change nothing in the PDF."""

from __future__ import annotations

import datetime as dt
import gc
import io
import os
import re

import pytest
from pypdf import PdfReader

from assessments.reports import pdf
from assessments.reports.provincial import build_provincial_pdf, provincial_pdf_parts, render_provincial_html
from assessments.services.appraisals import annual_appraisal_compute
from devtools import factories as f

D = dt.date
FOOTER = re.compile(r"\s*(\d+) / (\d+)\s*$")


@pytest.fixture
def appraised(world):
    team = f.TeamFactory(
        pairing=world.pairing_a, year=2023, start_date=D(2023, 1, 1), end_date=D(2023, 12, 31)
    )
    dep = f.DeploymentFactory(team=team, role="leader", post="副院长")
    f.AttendanceFactory(deployment=dep, date=D(2023, 1, 3), status="present")
    f.MonthlyAssessmentFactory(deployment=dep, month=D(2023, 1, 1), score=85)
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    return world


def read(content: bytes) -> tuple[str, list[tuple[int, int]], list[tuple[int, str]]]:
    """(the text of every page without its footer, the footers, the outline as (depth, title))."""
    reader = PdfReader(io.BytesIO(content))
    text, footers = [], []
    for page in reader.pages:
        body = page.extract_text()
        m = FOOTER.search(body)
        assert m, body[-80:]
        footers.append((int(m.group(1)), int(m.group(2))))
        text.append(body[: m.start()])

    def walk(items: list, depth: int) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        for item in items:
            if isinstance(item, list):
                out += walk(item, depth + 1)
            else:
                out.append((depth, item.title))
        return out

    # Pages may break elsewhere (the cut starts a page): compare the text without white space.
    return re.sub(r"\s+", "", "".join(text)), footers, walk(reader.outline, 0)


def test_two_processes_give_the_same_pdf_as_one(appraised, monkeypatch):
    html = render_provincial_html(program=appraised.program, year=2023)
    assert html.count(pdf.PAIRING_BLOCK) == 2
    # given the report laid out in one process
    one = io.BytesIO()
    pages_one = pdf.write_pdf(html, one)
    # when the appendix is cut in two and the second half laid out by a child process
    monkeypatch.setattr(pdf, "PARALLEL_MIN_PAIRINGS", 1)
    two = io.BytesIO()
    pages_two = pdf.write_pdf(html, two)
    # then the text, the numbered footers and the outline are the same
    text_one, footers_one, outline_one = read(one.getvalue())
    text_two, footers_two, outline_two = read(two.getvalue())
    assert text_two == text_one and "秦安县人民医院" in text_two
    assert footers_two == [(i, pages_two) for i in range(1, pages_two + 1)]
    assert footers_one == [(i, pages_one) for i in range(1, pages_one + 1)]
    assert pages_one <= pages_two <= pages_one + 1
    assert outline_two == outline_one
    # the second half's pairing sits under the appendix's heading, as in one rendering
    assert [d for d, t in outline_two if "秦安县人民医院" in t] == [2]
    title = PdfReader(io.BytesIO(one.getvalue())).metadata.title
    assert title and PdfReader(io.BytesIO(two.getvalue())).metadata.title == title


def test_without_a_child_process_the_second_half_is_laid_out_here(appraised, monkeypatch):
    monkeypatch.setattr(pdf, "PARALLEL_MIN_PAIRINGS", 1)

    def no_fork() -> int:
        raise OSError("fork refused")

    monkeypatch.setattr(os, "fork", no_fork)
    out = io.BytesIO()
    built = build_provincial_pdf(program=appraised.program, year=2023, out=out)
    text, footers, _outline = read(out.getvalue())
    assert "榆中县第一人民医院" in text and "秦安县人民医院" in text
    assert footers[-1] == (built["pages"], built["pages"])


def test_a_failed_child_is_replaced(appraised, monkeypatch):
    # The child dies before writing its part (as if killed): this process lays the part out itself.
    monkeypatch.setattr(pdf, "PARALLEL_MIN_PAIRINGS", 1)
    real_fork = os.fork

    def dying_child() -> int:
        pid = real_fork()
        if pid == 0:  # pragma: no cover - in the child
            os._exit(3)
        return pid

    monkeypatch.setattr(os, "fork", dying_child)
    out = io.BytesIO()
    pages = pdf.write_pdf(render_provincial_html(program=appraised.program, year=2023), out)
    text, footers, _outline = read(out.getvalue())
    assert "秦安县人民医院" in text and footers[-1] == (pages, pages)


# The elements report_ua.css styles as WeasyPrint's own user-agent stylesheet does, and the ones that need
# no user-agent style (inline SVG's content is drawn by WeasyPrint's SVG renderer, not laid out by CSS).
STYLED_ELEMENTS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "br", "div"}
STYLED_ELEMENTS |= {"table", "colgroup", "col", "thead", "tbody", "tr", "th", "td"}
STYLED_ELEMENTS |= {"svg", "text", "rect", "line", "span"}


def pages_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_the_report_stylesheet_lays_out_as_weasyprints_own(appraised):
    from weasyprint import HTML

    html = render_provincial_html(program=appraised.program, year=2023)
    # given the report as WeasyPrint lays it out with its own user-agent stylesheet and the collector on
    before = HTML(string=html).write_pdf()
    # when it is built the report's way (report_ua.css, collector paused)
    after = io.BytesIO()
    pages = pdf.write_pdf(html, after, parallel=False)
    # then every page has the same text, footer included
    assert pages == len(pages_text(before))
    assert pages_text(after.getvalue()) == pages_text(before)
    assert "秦安县人民医院" in "".join(pages_text(before))
    # and the collector runs again afterwards
    assert gc.isenabled()


def test_the_report_uses_only_elements_its_stylesheet_styles(appraised, monkeypatch):
    # report_ua.css lists the elements the report uses: a template adding another (a list, a link) must
    # add that element's user-agent rules first, or it would lay out unstyled.
    from assessments.reports import appendix

    html = render_provincial_html(program=appraised.program, year=2023)
    monkeypatch.setattr(appendix, "PDF_APPENDIX_MAX_PAIRINGS", 1)  # the per-city appendix too
    per_city, _files = provincial_pdf_parts(program=appraised.program, year=2023)
    assert "考核明细.xlsx" in per_city
    used = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)[\s>/]", html + per_city))
    assert used <= STYLED_ELEMENTS, used - STYLED_ELEMENTS
    css = pdf.USER_AGENT_CSS.read_text(encoding="utf-8")
    assert all(re.search(rf"\b{tag}\b", css) for tag in used - {"svg", "text", "rect", "line", "span"})


def test_the_collector_runs_again_after_a_failed_rendering(monkeypatch):
    def broken(_html):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(pdf, "report_html", broken)
    with pytest.raises(RuntimeError):
        pdf.write_pdf("<html><body><p>x</p></body></html>", io.BytesIO(), parallel=False)
    assert gc.isenabled()
