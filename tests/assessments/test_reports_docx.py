"""The provincial report as a Word document in the official layout, read back with python-docx."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from assessments.choices import JobStatus, ReportKind
from assessments.models import ReportFile
from assessments.reports.official_docx import build_provincial_docx
from assessments.services.reports import CONTENT_TYPES, EXTENSIONS, report_build
from tests.assessments.test_reports import data  # noqa: F401 - the shared report fixture


def _east_asian(run) -> str | None:
    rfonts = run._element.rPr.rFonts
    return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None


def test_word_report_has_the_official_parts_fonts_and_figures(world, data):  # noqa: F811
    # given a year with one appraised pairing of two
    out = io.BytesIO()
    build_provincial_docx(program=world.program, year=2023, out=out, issued_on=dt.date(2024, 1, 15))
    # when the document is read back
    doc = Document(io.BytesIO(out.getvalue()))
    paras = [p for p in doc.paragraphs if p.text.strip()]
    texts = [p.text for p in paras]
    # then it opens with the title (小标宋, 2号), then the addressees flush left
    title = paras[0]
    assert title.text == f"关于2023年度{world.program.name}对口帮扶工作情况的报告"
    assert _east_asian(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    assert texts[1].startswith("国家卫生健康委医政医管局") and texts[1].endswith("：")
    # and its headings are Word headings: level 1 in 黑体, level 2 in 楷体
    h1 = [p for p in paras if p.style.name == "Heading 1"]
    h2 = [p for p in paras if p.style.name == "Heading 2"]
    assert [p.text for p in h1] == ["一、总体情况", "二、年度考核结果", "三、人才培养", "四、下一步工作"]
    assert [p.text for p in h2] == ["（一）考核等次分布", "（二）通报批评", "（三）表扬"]
    assert {_east_asian(p.runs[0]) for p in h1} == {"黑体"}
    assert {_east_asian(p.runs[0]) for p in h2} == {"楷体_GB2312"}
    # and the body is 仿宋 3号 with the province's figures
    body = next(p for p in paras if p.text.startswith("全年共有帮扶关系"))
    assert "全年共有帮扶关系2个" in body.text
    assert _east_asian(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)
    # and 附件说明, 发文机关署名 and 成文日期 close it, the last two on the right
    assert any(t.startswith("附件：2023年度") for t in texts)
    assert texts[-2] == f"{world.province.name}卫生健康委员会" and texts[-1] == "2024年1月15日"
    assert paras[-1].alignment == 2  # WD_ALIGN_PARAGRAPH.RIGHT
    # and the page is A4 with the standard's margins
    section = doc.sections[0]
    sizes = (section.page_width, section.page_height, section.top_margin, section.left_margin)
    assert [round(x.mm) for x in sizes] == [210, 297, 37, 28]
    # and the training table has a row per city
    cities = {row.cells[0].text for row in doc.tables[-1].rows[1:]}
    assert world.city_a.name in cities


def test_word_report_is_a_report_job(world, data):  # noqa: F811
    report = ReportFile.objects.create(program=world.program, kind=ReportKind.PROVINCIAL_DOCX, year=2023)
    report = report_build(report_id=report.pk)
    assert report.status == JobStatus.DONE and report.file.name.endswith(".docx")
    assert Document(report.file.open("rb")).paragraphs[0].text.startswith("关于2023年度")
    assert CONTENT_TYPES[EXTENSIONS[ReportKind.PROVINCIAL_DOCX]].endswith("wordprocessingml.document")
