"""The one safe reader (core/spreadsheets.py): hostile files are refused before any parser allocates them.

Every refusal names the file, the sheet and the limit; a normal file still reads. If a check were missing,
python-calamine would try to allocate the hostile file's range and this test process would abort.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import override_settings

from core import spreadsheets
from core.spreadsheets import (
    CSV,
    XLSX,
    TextBlock,
    TextWidth,
    UploadError,
    inspect_upload,
    iter_row_blocks,
    iter_rows,
    limits,
    sheet_names,
)
from devtools.dingtalk_samples import write_xlsx
from tests import hostile_sheets as hostile


def _refused(content: bytes, name: str = "bad.xlsx") -> str:
    with pytest.raises(UploadError) as info:
        inspect_upload(io.BytesIO(content), name)
    return str(info.value)


def test_the_two_corner_cells_file_is_refused_naming_file_sheet_and_limit() -> None:
    content = hostile.two_corner_cells()
    assert len(content) < 2000
    message = _refused(content, "名单.xlsx")
    assert "名单.xlsx" in message and "名单" in message and "200 列" in message


def test_reading_without_a_prior_check_checks_first() -> None:
    # iter_rows on a file it was never shown runs the checks itself instead of handing it to calamine
    with pytest.raises(UploadError, match="列的上限"):
        list(iter_rows(io.BytesIO(hostile.two_corner_cells()), XLSX))


def test_a_lying_dimension_does_not_hide_the_cells() -> None:
    assert "列的上限" in _refused(hostile.lying_dimension())


def test_a_declared_dimension_alone_is_refused() -> None:
    assert "列的上限" in _refused(hostile.huge_dimension())


def test_cells_without_references_count_by_position() -> None:
    assert "200 列的上限" in _refused(hostile.implied_columns(201))
    found = inspect_upload(io.BytesIO(hostile.implied_columns(200)), "ok.xlsx")
    assert found.extents["名单"] == (1, 200, 200)


@override_settings(SPREADSHEET_LIMITS={"max_rows": 50})
def test_row_limit_from_settings() -> None:
    assert limits().max_rows == 50
    assert "50 行的上限" in _refused(hostile.tall_rows(51))
    assert inspect_upload(io.BytesIO(hostile.tall_rows(50)), "ok.xlsx").extents["名单"] == (50, 1, 50)


@override_settings(SPREADSHEET_LIMITS={"max_cells": 1000})
def test_area_limit_counts_the_bounding_range() -> None:
    # 40 rows by 30 columns is 1,200 cells of range, though only two cells hold data
    body = (
        '<sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="40"><c r="AD40"><v>1</v></c></row></sheetData>'
    )
    assert "1000 个单元格的上限" in _refused(hostile.xlsx(body))


def test_shared_strings_declaring_billions_are_refused() -> None:
    assert "共享字符串" in _refused(hostile.shared_strings_bomb())


def test_a_dtd_is_refused() -> None:
    assert "DTD" in _refused(hostile.with_dtd())


def test_broken_xml_is_a_clear_error() -> None:
    message = _refused(hostile.broken_xml())
    assert "已损坏" in message and "xl/worksheets/sheet1.xml" in message


def test_zip_bomb_is_refused_from_the_directory() -> None:
    content = hostile.zip_bomb()
    assert len(content) < 5 * 2**20
    assert "解压后过大" in _refused(content)


@override_settings(SPREADSHEET_LIMITS={"max_uncompressed_bytes": 10_000})
def test_declared_uncompressed_total_is_bounded(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "a.xlsx", [("s", [["x" * 100] for _i in range(200)])])
    assert "解压后过大" in _refused((tmp_path / "a.xlsx").read_bytes())


def test_xlsb_and_ods_are_refused() -> None:
    xlsb = hostile.xlsx("<sheetData/>").replace(b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheet1.bin")
    assert "xlsb" in _refused(xlsb)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    assert "不是有效的 Excel" in _refused(buf.getvalue(), "a.ods")


def test_formulas_are_refused_naming_the_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "名单"
    wb.active.append(["姓名", "=TODAY()"])
    wb.save(tmp_path / "f.xlsx")
    message = _refused((tmp_path / "f.xlsx").read_bytes(), "f.xlsx")
    assert "公式" in message and "名单" in message


def test_a_normal_workbook_reads_with_its_sheets(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "ok.xlsx", [("医院", [["代码", "名称"], ["H1", "甲医院"]]), ("关系", [["a"]])])
    f = io.BytesIO((tmp_path / "ok.xlsx").read_bytes())
    found = inspect_upload(f, "ok.xlsx")
    assert found.kind == XLSX and found.sheets == ["医院", "关系"]
    assert found.extents == {"医院": (2, 2, 4), "关系": (1, 1, 1)}
    assert sheet_names(f) == ["医院", "关系"]
    assert [list(r) for r in iter_rows(f, XLSX, sheet="医院")] == [["代码", "名称"], ["H1", "甲医院"]]


def test_openpyxl_workbook_with_styles_and_shared_strings_reads(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "身份证号"])
    wb.active.append(["张三", "620102198001012222"])
    wb.active.merge_cells("C1:D1")
    wb.save(tmp_path / "o.xlsx")
    f = io.BytesIO((tmp_path / "o.xlsx").read_bytes())
    assert inspect_upload(f, "o.xlsx").kind == XLSX
    assert [r[:2] for r in iter_rows(f, XLSX)][1] == ["张三", "620102198001012222"]


@override_settings(SPREADSHEET_LIMITS={"max_rows": 3, "max_columns": 2})
def test_csv_rows_and_columns_are_bounded() -> None:
    assert "3 行的上限" in _refused(b"a,b\n" * 4, "a.csv")
    assert "2 列的上限" in _refused(b"a,b,c\n", "a.csv")
    f = io.BytesIO("姓名,UserId\n张三,1\n".encode("gbk"))
    assert inspect_upload(f, "a.csv").kind == CSV
    assert list(iter_rows(f, CSV)) == [["姓名", "UserId"], ["张三", "1"]]


def test_csv_with_a_giant_field_is_a_clear_error() -> None:
    message = _refused(b'a,"' + b"x" * 200_000 + b'"\n', "big.csv")
    assert "big.csv" in message and "第 1 行" in message


# --- big sheets are read in slices (memory of one slice, same rows as one read) ----------------------------


def _read_both(content: bytes, monkeypatch: pytest.MonkeyPatch, *, sheet: int | str = 0) -> tuple[list, list]:
    whole = list(iter_rows(io.BytesIO(content), XLSX, sheet=sheet))
    monkeypatch.setattr(spreadsheets, "CHUNKED_FROM_ROWS", 10)
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", 2_000)  # a few rows a slice
    sliced = list(iter_rows(io.BytesIO(content), XLSX, sheet=sheet))
    # and in blocks, each read ahead by a thread: the same rows, a slice a block
    blocks = list(iter_row_blocks(io.BytesIO(content), XLSX, sheet=sheet))
    assert [row for block in blocks for row in block] == sliced
    return whole, sliced


def test_blocks_read_ahead_stop_their_thread_when_the_caller_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a big sheet read in blocks
    path = tmp_path / "dingtalk.xlsx"
    write_xlsx(path, [("原始记录", [[f"{i}", f"ding{i}", "上班"] for i in range(500)])])
    monkeypatch.setattr(spreadsheets, "CHUNKED_FROM_ROWS", 10)
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", 2_000)
    blocks = iter_row_blocks(io.BytesIO(path.read_bytes()), XLSX)
    # when the caller takes one block and stops (a bad header, too many errors)
    first = next(blocks)
    blocks.close()
    # then the reading thread is gone, and the block was the sheet's first rows
    assert first[0] == ["0", "ding0", "上班"]
    assert not [t for t in threading.enumerate() if t.name == "sheet-reader"]


def test_a_big_openpyxl_sheet_reads_the_same_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Shared strings, a date style (calamine reads dates from styles.xml), blank rows across slice
    # boundaries, an empty last column in most rows, a second sheet before the one read.
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["第一页"])
    ws = wb.create_sheet("原始记录")
    ws.append(["标题"])
    ws.append(["姓名", "UserId", "考勤日期", "打卡时间", "备注"])
    for i in range(300):
        if i % 97 == 0:
            for _blank in range(40):
                ws.append([])
        ws.append(
            [
                f"人{i % 7}",
                f"ding{i:04d}",
                dt.date(2023, 1, 1 + i % 28),
                dt.datetime(2023, 1, 2, 8, i % 60),
                "x" if i == 5 else None,
            ]
        )
    path = tmp_path / "big.xlsx"
    wb.save(path)
    whole, sliced = _read_both(path.read_bytes(), monkeypatch, sheet="原始记录")
    assert len(whole) > 300 and sliced == whole
    assert sliced[42][1] == "ding0000" and isinstance(sliced[42][2], dt.date)


def test_a_big_inline_string_sheet_starting_below_a1_reads_the_same_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dingtalk.xlsx"
    write_xlsx(path, [("原始记录", [[f"{i}", f"ding{i}", "上班"] for i in range(500)])])
    whole, sliced = _read_both(path.read_bytes(), monkeypatch)
    assert sliced == whole and len(whole) == 500


def _shared_strings_xlsx(n: int) -> bytes:
    """A workbook whose cells refer to a shared-strings table (as Excel writes; openpyxl writes inline)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>{r - 1}</v></c><c r="B{r}"><v>{r}</v></c></row>'
        for r in range(1, n + 1)
    )
    strings = "".join(f"<si><t>独一无二的文字{i}</t></si>" for i in range(n))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} xmlns:r="{rel}">'
            '<sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        zf.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet {ns}><dimension ref="A1:B{n}"/><sheetData>{rows}</sheetData></worksheet>',
        )
        zf.writestr("xl/sharedStrings.xml", f'<sst {ns} count="{n}" uniqueCount="{n}">{strings}</sst>')
    return buf.getvalue()


def test_shared_strings_read_the_same_in_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    whole, sliced = _read_both(_shared_strings_xlsx(300), monkeypatch)
    assert sliced == whole and len(whole) == 300
    assert sliced[299] == ["独一无二的文字299", 300.0]


def test_a_huge_shared_strings_table_is_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # Slicing would parse the shared strings again per slice; past the limit the sheet is read in one go.
    monkeypatch.setattr(spreadsheets, "CHUNKED_MAX_SHARED_BYTES", 100)
    calls: list[int] = []
    monkeypatch.setattr(spreadsheets, "_slices", lambda *a: calls.append(1) or iter(()))
    whole, sliced = _read_both(_shared_strings_xlsx(200), monkeypatch)
    assert sliced == whole and len(whole) == 200 and not calls


# --- big worksheets of the usual form are checked by one regular expression (same figures, same refusals) ---


def _both_scans(content: bytes) -> tuple[tuple[int, int, int] | None, tuple[int, int, int]]:
    """(fast scan or None when it hands over, reference expat scan) of the first worksheet."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        lim = limits()
        fast = spreadsheets._scan_sheet_fast(zf, info, "f.xlsx", "名单", lim)
        reference = spreadsheets._scan_part_expat(zf, info, "f.xlsx", "名单", lim, formulas_refused=True)
    return fast, reference


@pytest.fixture
def fast_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every worksheet takes the fast scan, in slices of a few rows (the figures add up across slices)."""
    monkeypatch.setattr(spreadsheets, "FAST_SCAN_FROM_BYTES", 0)
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", 300)


_USUAL = {
    "inline strings": (
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>原始记录</t></is></c></row>'
        + "".join(
            f'<row r="{r}" spans="1:3"><c r="A{r}" t="inlineStr"><is><t>张&amp;三</t></is></c>'
            f'<c r="C{r}" s="1" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c></row>'
            for r in range(2, 60)
        )
        + "</sheetData>"
    ),
    # Excel's form: shared strings, numbers, styled empty cells, a dimension, pretty-printed, merges after
    "excel": (
        '<dimension ref="B3:D40"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>\n<sheetData>\n'
        + "".join(
            f'  <row r="{r}" spans="2:4" x14ac:dyDescent="0.25">\n'
            f'    <c r="B{r}" s="2" t="s"><v>{r}</v></c>\n    <c r="C{r}"><v>4492{r % 10}</v></c>\n'
            f'    <c r="D{r}" s="3"/>\n  </row>\n'
            for r in range(3, 41)
        )
        + '</sheetData>\n<mergeCells count="1"><mergeCell ref="B1:D1"/></mergeCells>'
    ),
    # a wider column first seen in a later slice, rows without cells, a gap of rows
    "widening": (
        "<sheetData>"
        + "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(1, 30))
        + '<row r="30"/><row r="31"></row>'
        + "".join(
            f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="AB{r}"><v>2</v></c></row>' for r in range(90, 99)
        )
        + "</sheetData>"
    ),
    "no rows": "<sheetData></sheetData>",
    "a prefix": "<x:sheetData>"
    + "".join(f'<x:row r="{r}"><x:c r="B{r}"><x:v>1</x:v></x:c></x:row>' for r in range(1, 40))
    + "</x:sheetData>",
}


@pytest.mark.parametrize("name", list(_USUAL))
def test_the_fast_scan_finds_what_the_reference_scan_finds(name: str, fast_scan: None) -> None:
    fast, reference = _both_scans(hostile.xlsx(_USUAL[name]))
    assert fast == reference
    assert reference[2] > 0 or name == "no rows"


def test_the_fast_scan_agrees_on_openpyxl_and_dingtalk_workbooks(tmp_path: Path, fast_scan: None) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "名单"
    for i in range(120):
        wb.active.append([f"人{i}", i, dt.date(2023, 1, 1 + i % 28), None, "x" if i % 9 else None])
    wb.save(tmp_path / "o.xlsx")
    write_xlsx(tmp_path / "d.xlsx", [("名单", [["标题"], *[[f"ding{i}", "上班", ""] for i in range(200)]])])
    for path in (tmp_path / "o.xlsx", tmp_path / "d.xlsx"):
        fast, reference = _both_scans(path.read_bytes())
        assert fast is not None and fast == reference


_UNUSUAL = {
    "a cell without r": '<sheetData><row r="1"><c><v>1</v></c></row></sheetData>',
    "a row without r": '<sheetData><row><c r="A1"><v>1</v></c></row></sheetData>',
    "a cell on another row": '<sheetData><row r="1"><c r="A9"><v>1</v></c></row></sheetData>',
    "r not first": '<sheetData><row r="1"><c t="n" r="A1"><v>1</v></c></row></sheetData>',
    "a second r": '<sheetData><row r="1"><c r="A1" r="XFD1"><v>1</v></c></row></sheetData>',
    "lower-case letters": '<sheetData><row r="1"><c r="a1"><v>1</v></c></row></sheetData>',
    "a formula": '<sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row></sheetData>',
    "a comment": '<sheetData><row r="1"><c r="A1"><v>1</v></c><!-- x --></row></sheetData>',
    "rich text": (
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c></row></sheetData>'
    ),
    "an entity without a DTD": '<sheetData><row r="1"><c r="A1"><v>&lol;</v></c></row></sheetData>',
    "a prefix": '<x:sheetData><x:row r="1"><c r="A1"><v>1</v></c></x:row></x:sheetData>',
    "a cell after the rows": '<sheetData><row r="1"><c r="A1"><v>1</v></c></row><c r="B1"/></sheetData>',
}


# Hostile sheets and the limit each one breaks: refused the same by the fast scan and by the checks made while
# a big sheet is read.
_HOSTILE_SHEETS: list[tuple[Callable[[], bytes], str]] = [
    (hostile.two_corner_cells, "200 列的上限"),
    (hostile.lying_dimension, "列的上限"),
    (hostile.huge_dimension, "列的上限"),
    (lambda: hostile.implied_columns(201), "200 列的上限"),
    (hostile.with_dtd, "DTD"),
    (hostile.broken_xml, "已损坏"),
    (
        lambda: hostile.xlsx(
            '<sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
            '<row r="1048577"><c r="A1048577"><v>1</v></c></row></sheetData>'
        ),
        "1048576 行的上限",
    ),
    (
        lambda: hostile.xlsx(
            '<sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
            '<row r="900000"><c r="Z900000"><v>1</v></c></row></sheetData>'
        ),
        "15000000 个单元格的上限",
    ),
]


@pytest.mark.parametrize("name", list(_UNUSUAL))
def test_anything_unusual_goes_to_the_reference_scan(name: str, fast_scan: None) -> None:
    with zipfile.ZipFile(io.BytesIO(hostile.xlsx(_UNUSUAL[name]))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        assert spreadsheets._scan_sheet_fast(zf, info, "f.xlsx", "名单", limits()) is None


@pytest.mark.parametrize(("build", "message"), _HOSTILE_SHEETS)
def test_hostile_sheets_are_refused_the_same_by_the_fast_scan(
    build: Callable[[], bytes], message: str, fast_scan: None
) -> None:
    assert message in _refused(build())


@pytest.mark.parametrize("name", list(_USUAL))
def test_the_fast_scan_gives_inspect_upload_the_same_extents(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = hostile.xlsx(_USUAL[name])
    reference = inspect_upload(io.BytesIO(content), "f.xlsx").extents
    monkeypatch.setattr(spreadsheets, "FAST_SCAN_FROM_BYTES", 0)
    assert inspect_upload(io.BytesIO(content), "f.xlsx").extents == reference


# --- a file that passed is remembered by its content ------------------------------------------------------


def test_the_same_bytes_are_not_scanned_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "INSPECTION_CACHE_FROM_BYTES", 0)
    write_xlsx(tmp_path / "a.xlsx", [("名单", [["姓名"], ["张三"]])])
    content = (tmp_path / "a.xlsx").read_bytes()
    spreadsheets.forget_inspection(io.BytesIO(content))
    first = inspect_upload(io.BytesIO(content), "a.xlsx")
    scans: list[int] = []
    scan = spreadsheets._inspect_xlsx
    monkeypatch.setattr(spreadsheets, "_inspect_xlsx", lambda *a: scans.append(1) or scan(*a))
    # the same content under another name: remembered
    assert inspect_upload(io.BytesIO(content), "b.xlsx") == first and scans == []
    # under other limits, or one byte different: scanned
    with override_settings(SPREADSHEET_LIMITS={"max_rows": 50}):
        assert inspect_upload(io.BytesIO(content), "a.xlsx") == first
    other = hostile.xlsx('<sheetData><row r="1"><c r="A1"><v>2</v></c></row></sheetData>')
    inspect_upload(io.BytesIO(other), "c.xlsx")
    assert scans == [1, 1]
    # a refused file is not remembered: refused again
    assert "列的上限" in _refused(hostile.two_corner_cells())
    assert "列的上限" in _refused(hostile.two_corner_cells())


# --- slices of plain inline strings read as text (what calamine reads, without calamine) ------------------


def _positional(blocks: list[Any]) -> list[list[Any]]:
    """Blocks (row lists and TextBlocks) as the rows of a whole read: a TextBlock's lines at their rows."""
    rows: list[list[Any]] = []
    for block in blocks:
        if isinstance(block, TextBlock):
            for number, cells in block.numbered_rows():
                rows.extend([] for _gap in range(number - 1 - len(rows)))
                rows.append(cells)
        else:
            rows.extend(block)
    return rows


def _text_read(content: bytes, width: int) -> list[Any]:
    text = TextWidth()
    text.width = width
    return list(iter_row_blocks(io.BytesIO(content), XLSX, text=text))


# Cells a text block must leave to calamine (each sends its slice there), and what calamine reads of them.
_NOT_PLAIN = [
    " 前后空格 ",
    "全角空格\u3000",
    "a&b",
    "a_x000D_b",
    "制表\t符",
    "换\n行",
    "反\\斜杠",
    12345,
    "x]y",
]


@pytest.mark.parametrize("streamed", [False, True], ids=["scanned", "streamed"])
def test_plain_slices_come_as_text_holding_what_calamine_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    # given a sheet of inline strings (DingTalk's form) with empty cells, blank rows, a row wider than the
    # header, and here and there a cell that is not plain
    body: list[list[Any]] = [["原始记录"], ["姓名", "UserId", "备注"]]
    for i in range(2000):  # the first 64 KB of the sheet are read as one slice
        body.append([f"人{i % 7}", f"ding{i:04d}", "" if i % 3 else "备注\"'"])
        if i % 200 == 0:
            body.append(["", "", ""])  # a row of empty cells: calamine reads a blank row
            body.append([_NOT_PLAIN[i // 200 - 1], "ding", ""])
    body[1500] = ["人", "ding", "x", "第四列"]
    write_xlsx(tmp_path / "t.xlsx", [("原始记录", body)])
    content = (tmp_path / "t.xlsx").read_bytes()
    whole = list(iter_rows(io.BytesIO(content), XLSX))
    monkeypatch.setattr(spreadsheets, "CHUNKED_FROM_ROWS", 10)
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", 3_000)
    if streamed:
        monkeypatch.setattr(spreadsheets, "STREAMED_FROM_BYTES", 0)
    # when it is read in blocks, text asked for
    blocks = _text_read(content, 3)
    # then some slices come as text, the others as rows, and together they hold what one read holds
    texts = [b for b in blocks if isinstance(b, TextBlock)]
    assert texts and len(texts) < len(blocks)
    assert all(b.width == 3 and "\\" not in b.text for b in texts)
    rows = _positional(blocks)
    assert len(rows) == len(whole)
    for got, want in zip(rows, whole, strict=True):
        assert got + [""] * (len(want) - len(got)) == want or (not any(got) and not any(want))


def test_the_whitespace_a_text_cell_may_not_start_or_end_with_is_pythons(tmp_path: Path) -> None:
    # (the ASCII controls among them are refused as controls)
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace() and c > 0x1F]
    rows = [*[[f"{s}x", "y"] for s in spaces], *[["x", f"y{s}"] for s in spaces]]
    write_xlsx(tmp_path / "s.xlsx", [("s", rows)])
    body = zipfile.ZipFile(tmp_path / "s.xlsx").read("xl/worksheets/sheet1.xml")
    body = body[body.index(b"<row ") : body.rindex(b"</row>")]
    lines = body.split(b"</row>")
    assert len(lines) == 2 * len(spaces) > 20
    for line in lines:
        assert spreadsheets._text_block(line + b"</row>", 2) is None, line
    inside = '<row r="9"><c r="A9" t="inlineStr"><is><t>p\u3000q r</t></is></c></row>'.encode()
    assert spreadsheets._text_block(inside, 2) == TextBlock("9\tp\u3000q r\t\n", 1, 2, 9)


# --- big worksheets are checked while they are read, not scanned before ------------------------------------


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every worksheet is checked as it is read, in slices of a few rows."""
    monkeypatch.setattr(spreadsheets, "STREAMED_FROM_BYTES", 0)
    monkeypatch.setattr(spreadsheets, "CHUNKED_FROM_ROWS", 10)
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", 300)


def test_a_big_sheet_is_not_scanned_before_it_is_read(
    tmp_path: Path, streamed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_xlsx(tmp_path / "d.xlsx", [("名单", [["标题"], *[[f"ding{i}", "上班", ""] for i in range(200)]])])
    content = (tmp_path / "d.xlsx").read_bytes()
    scans: list[int] = []
    scan = spreadsheets._scan_part
    monkeypatch.setattr(spreadsheets, "_scan_part", lambda *a, **k: scans.append(1) or scan(*a, **k))
    f = io.BytesIO(content)
    found = inspect_upload(f, "d.xlsx")
    # only the small parts were scanned; the sheet is read (and checked) once, as it is read
    assert found.streamed == {"名单"} and len(scans) == 2  # [Content_Types].xml and workbook.xml
    assert len(list(iter_rows(f, XLSX))) == 201 and len(scans) == 2


@pytest.mark.parametrize(
    ("build", "message"),
    [
        *_HOSTILE_SHEETS,
        (
            lambda: hostile.xlsx(
                "<sheetData>"
                + "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(1, 40))
                + '<row r="40"><c r="A40"><f>1+1</f><v>2</v></c></row></sheetData>'
            ),
            "公式",
        ),
        (
            lambda: hostile.xlsx(
                '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
                '<mergeCells count="1"><mergeCell ref="A1:XFD2"/></mergeCells>'
            ),
            "列的上限",
        ),
    ],
)
def test_hostile_sheets_are_refused_while_read_before_calamine_sees_them(
    build: Callable[[], bytes], message: str, streamed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a hostile sheet checked as it is read; calamine would abort this process on the big ones
    calamine: list[bytes] = []
    read_slice = spreadsheets._slice_block
    monkeypatch.setattr(
        spreadsheets, "_slice_block", lambda xml, *a: calamine.append(xml) or read_slice(xml, *a)
    )
    # when it is checked and read
    with pytest.raises(UploadError, match=message) as refused:
        f = io.BytesIO(build())
        inspect_upload(f, "坏.xlsx")
        list(iter_rows(f, XLSX))
    # then it is refused, naming the file, and no slice past the limits reached calamine
    assert "坏.xlsx" in str(refused.value) or message in ("DTD", "已损坏")
    assert all(b"XFD" not in xml and b"1048577" not in xml and b"Z900000" not in xml for xml in calamine)


def _inline_rows(rows: list[tuple[int, str]]) -> str:
    return "".join(f'<row r="{r}">{cells.format(r=r)}</row>' for r, cells in rows)


@pytest.mark.parametrize(
    "deep",
    [
        '<c r="B{r}" t="inlineStr"><is><t>x</t></is></c>',  # a value: the text block's own row numbers
        '<c r="B{r}" t="inlineStr"/>',  # no value, yet a cell: the rows holding cells found in the XML
        "",  # no cell: a row the limits do not count
    ],
    ids=["value", "empty-cell", "no-cell"],
)
def test_text_slices_checked_while_read_count_the_rows_holding_cells(
    deep: str, streamed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a streamed sheet of plain inline strings read as text (past the first 64 KB, read with the head),
    # one row past the limit, out of order
    texts: list[TextBlock] = []
    text_block = spreadsheets._text_block
    monkeypatch.setattr(
        spreadsheets, "_text_block", lambda *a: (b := text_block(*a)) and (texts.append(b) or b)
    )
    low = [(r, '<c r="A{r}" t="inlineStr"><is><t>a{r}</t></is></c>') for r in range(1, 1500)]
    body = _inline_rows([*low[:1200], (1048577, deep), *low[1200:]])
    # when it is read as text, then it is refused by the row limit when the row holds a cell, as the
    # reference scan refuses it (and read when it holds none)
    content = hostile.xlsx(f"<sheetData>{body}</sheetData>")
    if deep:
        with pytest.raises(UploadError, match="1048576 行的上限"):
            _text_read(content, 2)
    else:
        assert sum(b.rows if isinstance(b, TextBlock) else len(b) for b in _text_read(content, 2)) == 1500
    assert any(b.top_row is not None for b in texts)
    assert any(b.top_row is None for b in texts) == ("<t>" not in deep)  # a line without a value
    # and the same sheet within the limit is read whole, as text, with the same extents as the scan finds
    ok = hostile.xlsx(f"<sheetData>{_inline_rows([*low[:1200], (1048576, deep), *low[1200:]])}</sheetData>")
    blocks = _text_read(ok, 2)
    assert any(isinstance(b, TextBlock) for b in blocks)
    assert sum(b.rows if isinstance(b, TextBlock) else len(b) for b in blocks) == 1500
    monkeypatch.setattr(spreadsheets, "STREAMED_FROM_BYTES", 1 << 30)
    assert inspect_upload(io.BytesIO(ok), "ok.xlsx").extents["名单"][0] == (1048576 if deep else 1499)
