"""The provincial annual report as an editable Word document in the official layout (公文格式).

Officers edit the text before sending it upward, so this is a .docx, not a PDF. The layout follows the
main points of GB/T 9704-2012: A4 with margins 37 / 35 / 28 / 26 mm (top, bottom, left, right); the
title in 方正小标宋简体 2号 (22 pt), centred; 主送机关 flush left; the body in 仿宋_GB2312 3号 (16 pt)
with a two-character first-line indent and a fixed 28 pt line pitch; first-level headings (一、) in
黑体, second-level ones ((一)) in 楷体_GB2312; 附件说明 after the body; 发文机关署名 and 成文日期 at
the right. Font names are written to the East-Asian slot (``w:eastAsia``) as well as the Latin ones:
Word picks the East-Asian font for Chinese text, and python-docx's ``font.name`` sets only the Latin
slots. Word substitutes the reader's fonts when these are missing. The figures are the same ones the
PDF report shows (``provincial_context``).
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from assessments.reports.area import ReportArea
from assessments.reports.provincial import provincial_context
from pairings.models import Program

TITLE_FONT = "方正小标宋简体"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
SIZE_TITLE = Pt(22)  # 2号
SIZE_BODY = Pt(16)  # 3号
LINE_PITCH = Pt(28)
# Sent to the national bodies named in the PDF report (SPEC §2 step 8).
ADDRESSEES = "国家卫生健康委医政医管局、国家中医药管理局医政司、军队后勤保障部卫生局："
CN_NUMBERS = "一二三四五六七八九十"


def set_font(target: Any, name: str, size: Pt | None = None, *, bold: bool | None = None) -> None:
    """Name ``name`` in every font slot of a run or style (Latin and East-Asian), with size and weight."""
    font = target.font
    font.name = name
    rpr = target.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(slot), name)
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)


def _styles(doc: Any) -> None:
    normal = doc.styles["Normal"]
    set_font(normal, BODY_FONT, SIZE_BODY)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = fmt.space_after = Pt(0)
    for name, font in (("Heading 1", HEADING1_FONT), ("Heading 2", HEADING2_FONT)):
        style = doc.styles[name]
        set_font(style, font, SIZE_BODY, bold=False)
        style.font.italic = False
        pf = style.paragraph_format
        pf.first_line_indent = Pt(32)
        pf.space_before = pf.space_after = Pt(0)
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = LINE_PITCH
    if "公文标题" not in [s.name for s in doc.styles]:
        title = doc.styles.add_style("公文标题", WD_STYLE_TYPE.PARAGRAPH)
        title.base_style = normal
        set_font(title, TITLE_FONT, SIZE_TITLE)
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.line_spacing = Pt(36)


def _para(doc: Any, text: str, *, indent: bool = True, align: Any = None) -> Paragraph:
    p = doc.add_paragraph()
    run = p.add_run(text)
    set_font(run, BODY_FONT, SIZE_BODY)
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)  # two characters of 16 pt
    if align is not None:
        p.alignment = align
    return p


def _heading(doc: Any, text: str, level: int) -> None:
    p = doc.add_heading(level=level)
    set_font(p.add_run(text), HEADING1_FONT if level == 1 else HEADING2_FONT, SIZE_BODY, bold=False)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _table(doc: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        set_font(cell.paragraphs[0].add_run(text), HEADING1_FONT, Pt(12))
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            set_font(cell.paragraphs[0].add_run(str(value)), BODY_FONT, Pt(12))


def build_provincial_docx(
    *,
    program: Program,
    year: int,
    out: IO[bytes] | str,
    progress: Any = None,
    issued_on: dt.date | None = None,
    area: ReportArea | None = None,
) -> dict[str, int]:
    """Write the report to ``out``; the text is a draft the province edits before sending it.

    With ``area`` it is the city's or county's report of its own pairings, addressed to the level above
    and signed by the area's health commission (bureau)."""
    step = progress or (lambda pct: None)
    ctx = provincial_context(program=program, year=year, area=area)
    where = area.name if area is not None else ""
    step(40)
    totals = ctx["totals"]
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _styles(doc)

    title = doc.add_paragraph(style="公文标题")
    set_font(
        title.add_run(f"关于{year}年度{where}{program.name}对口帮扶工作情况的报告"), TITLE_FONT, SIZE_TITLE
    )
    _para(doc, "", indent=False)
    _para(doc, ADDRESSEES if area is None else area.addressee, indent=False)
    _para(
        doc,
        f"现将{year}年度{where}{program.name}三级医院对口帮扶县级医院工作情况报告如下。",
    )

    _heading(doc, "一、总体情况", 1)
    _para(
        doc,
        f"全年共有帮扶关系{totals['pairings']}个，派驻人员{totals['people']}人；派驻覆盖率{_pct(totals['coverage'])}，"
        f"满编率{_pct(totals['full_strength'])}，出勤率{_pct(totals['attendance'])}。"
        f"免费进修达标{totals['trainees']}人（全部{totals['trainees_all']}人），开展新技术新业务{totals['new_technologies']}项，"
        f"建成中心{totals['centres_achieved']}个，远程服务{totals['remote_services']}次；"
        f"未整改的严重问题{totals['open_critical_findings']}个。",
    )

    _heading(doc, "二、年度考核结果", 1)
    _heading(doc, "（一）考核等次分布", 2)
    dist = ctx["distribution"]
    _para(doc, "；".join(f"{label}{n}个" for label, n in dist) + "。" if dist else "本年度尚无考核结果。")
    if dist:
        _table(doc, [str(label) for label, _n in dist], [[n for _label, n in dist]])
    _heading(doc, "（二）通报批评", 2)
    review = ctx["review"]
    if review:
        for supporter, recipient, lead, reasons in review:
            _para(doc, f"{supporter}（帮扶{recipient}{'，牵头' if lead else ''}）：{reasons}。")
    else:
        _para(doc, "本年度无通报批评的支援医院。")
    _heading(doc, "（三）表扬", 2)
    commended = ctx["commended"]
    if commended:
        for supporter, recipients, reason in commended:
            _para(doc, f"{supporter}（帮扶{recipients}）：{reason}。")
    else:
        _para(doc, "本年度无表扬的支援医院。")

    _heading(doc, "三、人才培养", 1)
    _table(
        doc,
        [ctx["area_label"], "帮扶关系", "免费进修达标人数", "名额要求", "不合格"],
        [[city, v["pairings"], v["trainees"], v["quota"], v["fail"]] for city, v in ctx["by_city"]],
    )
    outcomes = ctx["county_outcomes"]
    next_heading = "四、下一步工作"
    if outcomes["rows"]:
        _heading(doc, "四、县域医疗服务指标", 1)
        a, b, c = outcomes["targets"]
        _para(doc, f"本项目目标：县域内就诊率{a}，县域内住院率{b}，基层就诊占比{c}。")
        _table(
            doc,
            [
                "市州",
                "县区",
                "县域内就诊率",
                "县域内住院率",
                "基层就诊占比",
                "上转人次",
                "下转人次",
                "县外转诊率",
                "达标情况",
            ],
            outcomes["rows"],
        )
        next_heading = "五、下一步工作"
    step(80)

    _heading(doc, next_heading, 1)
    _para(doc, "（请在此填写下一步工作安排。）")
    _para(doc, "", indent=False)
    _para(doc, f"附件：{year}年度对口帮扶关系考核明细表", indent=True)
    _para(doc, "", indent=False)
    sender = f"{program.province.name}卫生健康委员会" if area is None else area.sender
    _para(doc, sender, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    day = issued_on or dt.date.today()
    _para(doc, f"{day.year}年{day.month}月{day.day}日", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.save(out)
    step(100)
    return {"pairings": int(totals["pairings"])}
