"""Report jobs: workbook content and determinism, formula-injection escaping, PDF, job row, command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from openpyxl import load_workbook

from assessments.choices import JobStatus, ReportKind
from assessments.models import ReportFile
from assessments.reports.safe import cell
from assessments.reports.workbook import build_annual_workbook, build_evaluation_workbook
from assessments.services.appraisals import annual_appraisal_compute
from assessments.services.reports import report_build, report_request
from devtools import factories as f

D = dt.date


@pytest.fixture
def data(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    team = f.TeamFactory(
        pairing=world.pairing_a, year=2023, start_date=D(2023, 1, 1), end_date=D(2023, 12, 31)
    )
    dep = f.DeploymentFactory(team=team, role="leader", post="副院长", staff__name='=HYPERLINK("x")')
    f.AttendanceFactory(deployment=dep, date=D(2023, 1, 3), status="present")
    f.AttendanceFactory(deployment=dep, date=D(2023, 1, 4), status="absent")
    f.TraineeStintFactory(pairing=world.pairing_a, trainee_name="+李四")
    f.MonthlyAssessmentFactory(deployment=dep, month=D(2023, 1, 1), score=85)
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    return dep


def values(content: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_workbook_has_every_sheet_with_chinese_headers_and_masked_data(world, data):
    out = io.BytesIO()
    counts = build_annual_workbook(program=world.program, year=2023, out=out)
    sheets = values(out.getvalue())
    assert list(sheets) == [
        "考核汇总",
        "派驻人员",
        "问题清单",
        "进修培训",
        "月度考勤",
        "能力建设",
        "县域指标",
        "通报批评",
        "表扬",
    ]
    assert counts["考核汇总"] == 2 and counts["派驻人员"] == 1
    assert sheets["考核汇总"][0][:3] == ("市州", "县区", "受援医院")
    people = sheets["派驻人员"][1]
    assert "*" in people[3] and people[3] != data.staff.national_id  # national ID masked
    assert "*" in people[4]  # phone masked
    month, expected, present, rate = sheets["月度考勤"][1][1:]
    assert (month, present) == ("2023-01", 1) and expected >= 2 and rate == pytest.approx(present / expected)
    summary_b = next(row for row in sheets["考核汇总"][1:] if row[2] == world.recipient_b.name)
    assert summary_b[-1] == "年度考核不合格"
    # supporter B (nobody deployed, 不合格) is named for failing its tasks
    assert world.supporter_b.name in [row[0] for row in sheets["通报批评"][1:]]


def test_cells_starting_a_formula_are_escaped(world, data):
    out = io.BytesIO()
    build_annual_workbook(program=world.program, year=2023, out=out)
    sheets = values(out.getvalue())
    assert sheets["派驻人员"][1][2] == '\'=HYPERLINK("x")'
    assert sheets["进修培训"][1][2] == "'+李四"
    assert [cell(v) for v in ["-1", "@a", "\tx", "\ry", "ok", 5]] == ["'-1", "'@a", "'\tx", "'\ry", "ok", 5]


def test_same_data_gives_the_same_workbook(world, data):
    first, second = io.BytesIO(), io.BytesIO()
    build_annual_workbook(program=world.program, year=2023, out=first)
    build_annual_workbook(program=world.program, year=2023, out=second)
    assert values(first.getvalue()) == values(second.getvalue())


def test_workbook_layout_frozen_header_widths_print_setup(world, data):
    out = io.BytesIO()
    build_annual_workbook(program=world.program, year=2023, out=out)
    ws = load_workbook(io.BytesIO(out.getvalue()))["考核汇总"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width == 26
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert ws["H2"].number_format == "0.0" and ws["J2"].number_format == "0.0%"


def test_evaluation_covers_the_program_years(world, data):
    out = io.BytesIO()
    build_evaluation_workbook(program=world.program, year=2024, out=out)
    sheets = values(out.getvalue())
    assert sheets["历年考核"][0] == ("市州", "受援医院", "2022得分", "2022等次", "2023得分", "2023等次",
                                  "2024得分", "2024等次")  # fmt: skip
    assert [r[0] for r in sheets["历年汇总"][1:]] == ["2022", "2023", "2024"]


def test_report_job_builds_a_file_and_rerun_replaces_it(world, data, django_capture_on_commit_callbacks):
    # given province staff request a workbook (the task is enqueued after commit)
    with django_capture_on_commit_callbacks() as callbacks:
        report = report_request(
            user=world.users["province"], program=world.program, kind=ReportKind.ANNUAL_WORKBOOK, year=2023
        )
    assert len(callbacks) == 1 and report.status == JobStatus.QUEUED
    # when the task body runs (twice: at-least-once delivery)
    report_build(report_id=report.pk, task_id="t1")
    first = ReportFile.objects.get(pk=report.pk)
    report_build(report_id=report.pk, task_id="t1")
    again = ReportFile.objects.get(pk=report.pk)
    # then one row, succeeded, 100 %, the same file name and the same cell values
    assert ReportFile.objects.count() == 1
    assert (again.status, again.progress) == (JobStatus.DONE, 100)
    assert again.file.name == first.file.name
    assert values(again.file.read()) is not None


def test_failed_build_is_recorded(world, data):
    report = ReportFile.objects.create(program=world.program, kind=ReportKind.ANNUAL_WORKBOOK, year=1999)
    with pytest.raises(Exception):  # noqa: B017 - any build error must be recorded
        report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == JobStatus.FAILED and report.error


@pytest.mark.parametrize("who", ["city_a", "county_a", "alice", "charlie", "dashboard", "nobody"])
def test_only_province_staff_request_reports(world, who):
    with pytest.raises(PermissionDenied):
        report_request(
            user=world.users[who], program=world.program, kind=ReportKind.ANNUAL_WORKBOOK, year=2023
        )
    assert not ReportFile.objects.exists()


def test_provincial_pdf_renders(world, data):
    report = ReportFile.objects.create(program=world.program, kind=ReportKind.PROVINCIAL_REPORT, year=2023)
    report = report_build(report_id=report.pk)
    assert report.file.read(4) == b"%PDF"


def test_build_report_command_writes_the_output(world, data, tmp_path):
    out = tmp_path / "gs.xlsx"
    call_command(
        "build_report", program=world.program.code, year=2023, kind="workbook", sync=True, output=str(out)
    )
    assert "考核汇总" in values(out.read_bytes())
