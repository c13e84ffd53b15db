"""The streaming XLSX writer (issue 18): the annual workbook holds the same sheets, cells, formats and print
setup as the openpyxl-built workbook of main before issue 18 (``devtools.benchmarks.reports_before``)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from assessments.reports.workbook import build_annual_workbook
from assessments.reports.xlsx import StreamingWorkbook
from assessments.services.appraisals import annual_appraisal_compute
from devtools import factories as f
from devtools.benchmarks.reports_before import build_annual_workbook_before

D = dt.date


@pytest.fixture
def data(world, settings, tmp_path):
    team = f.TeamFactory(
        pairing=world.pairing_a, year=2023, start_date=D(2023, 1, 1), end_date=D(2023, 12, 31)
    )
    dep = f.DeploymentFactory(team=team, role="leader", post="副院长", staff__name='=HYPERLINK("x")')
    f.DeploymentFactory(team=team, role="member", staff__name=" 李 四 ")
    f.AttendanceFactory(deployment=dep, date=D(2023, 1, 3), status="present")
    f.AttendanceFactory(deployment=dep, date=D(2023, 1, 4), status="absent")
    f.TraineeStintFactory(pairing=world.pairing_a, trainee_name="+李四")
    f.MonthlyAssessmentFactory(deployment=dep, month=D(2023, 1, 1), score=85)
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    return dep


def cells(content: bytes) -> dict[str, list[list[tuple]]]:
    """Every cell of every sheet: value, number format, bold, fill."""
    wb = load_workbook(io.BytesIO(content))
    return {
        ws.title: [
            [
                (c.value, c.number_format, bool(c.font.b), c.fill.fgColor.rgb)
                for c in row
                if c.value is not None
            ]
            for row in ws.iter_rows()
        ]
        for ws in wb.worksheets
    }


def layout(content: bytes) -> dict[str, tuple]:
    wb = load_workbook(io.BytesIO(content))
    return {
        ws.title: (
            ws.freeze_panes,
            ws.print_title_rows,
            ws.page_setup.orientation,
            ws.page_setup.paperSize,
            ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight,
            ws.sheet_properties.pageSetUpPr.fitToPage,
            ws.print_options.gridLines,
            {k: d.width for k, d in ws.column_dimensions.items()},
        )
        for ws in wb.worksheets
    }


def test_the_workbook_is_the_same_as_main_built_it(world, data):
    # given the same data, when both writers build the annual workbook
    new, before = io.BytesIO(), io.BytesIO()
    counts = build_annual_workbook(program=world.program, year=2023, out=new)
    assert build_annual_workbook_before(program=world.program, year=2023, out=before) == counts
    # then every sheet, cell value, number format and header style is the same, and so is the print setup
    got, want = cells(new.getvalue()), cells(before.getvalue())
    assert list(got) == list(want)
    assert got == want
    assert layout(new.getvalue()) == layout(before.getvalue())
    assert counts["派驻人员"] == 2 and got["派驻人员"][0][0] == ("受援医院", "General", True, "00DDE7F3")
    # and the workbook's properties
    props = load_workbook(io.BytesIO(new.getvalue())).properties
    assert (props.creator, props.title) == ("pairing-assistance", f"{world.program.name} 2023 年度考核报表")


def test_the_same_data_gives_the_same_bytes(world, data):
    first, second = io.BytesIO(), io.BytesIO()
    build_annual_workbook(program=world.program, year=2023, out=first)
    build_annual_workbook(program=world.program, year=2023, out=second)
    assert first.getvalue() == second.getvalue()


def test_values_read_back_as_written():
    # given values of every kind the reports write, some that XML cannot carry as they are
    buf = io.BytesIO()
    columns = [
        ("文本", 10, None),
        ("数", 8, "0.0"),
        ("率", 8, "0.0%"),
        ("日期", 12, "yyyy-mm-dd"),
        ("真", 6, None),
    ]
    rows = [
        ["a & b <c>", Decimal("85.50"), 0.125, D(2023, 1, 2), True],
        ["  前后空格 ", 7, "未导入", None, False],
        ["控制\x01字符\x0b", 10**6, None, dt.datetime(2023, 6, 30, 12, 0), None],
    ]
    with StreamingWorkbook(buf) as wb:
        assert wb.sheet("它's <表>", columns, rows) == 3
    # when openpyxl reads the file
    ws = load_workbook(io.BytesIO(buf.getvalue()))["它's <表>"]
    got = [tuple(c.value for c in row) for row in ws.iter_rows()]
    # then the values are back (characters XML 1.0 forbids are dropped), dates with their format
    assert got == [
        ("文本", "数", "率", "日期", "真"),
        ("a & b <c>", 85.5, 0.125, dt.datetime(2023, 1, 2), True),
        ("  前后空格 ", 7, "未导入", None, False),
        ("控制字符", 1000000, None, dt.datetime(2023, 6, 30, 12, 0), None),
    ]
    assert ws["D4"].number_format == "yyyy-mm-dd" and ws.print_title_rows == "$1:$1"
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).testzip() is None


def test_a_row_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match="row 2 has 1 values for 2 columns"):
        with StreamingWorkbook(io.BytesIO()) as wb:
            wb.sheet("x", [("a", 5, None), ("b", 5, None)], [["only one"]])
