"""The annual report workbook, streamed sheet by sheet (``xlsx.StreamingWorkbook``: memory stays flat).

Sheets: 考核汇总 (summary per pairing), 派驻人员 (teams and deployments, personal data masked), 问题清单
(findings), 进修培训 (training), 月度考勤 (attendance by month), 能力建设 (capacity building), 县域指标
(county outcome indicators against the program's targets), 通报批评
(supporters named for failing their tasks). The evaluation workbook (中期/终期评估) adds the program's years.
Chinese headers, frozen header row, number formats, column widths, landscape print with repeated titles;
every text cell goes through ``safe.cell`` (formula injection).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Protocol

from assessments.reports import data
from assessments.reports.safe import cell
from assessments.reports.xlsx import Column, StreamingWorkbook
from assessments.services.appraisals import grade_review_reasons
from core.collector import collector_paused
from pairings.models import Program

Progress = Callable[[int], None]

PCT, DEC1, INT, DATE = "0.0%", "0.0", "#,##0", "yyyy-mm-dd"

GRADE_LABELS = data.GRADE_LABELS


class SheetWriter(Protocol):
    """Where the sheets go: ``xlsx.StreamingWorkbook`` (the benchmark's baseline writes with openpyxl)."""

    def sheet(self, title: str, columns: list[Column], rows: Iterable[list[Any]]) -> int: ...


def _escaped(rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
    for row in rows:
        yield [cell(value) for value in row]


def _sheet(wb: SheetWriter, title: str, columns: list[Column], rows: Iterable[list[Any]]) -> int:
    """One sheet: header, widths, formats and print setup (``xlsx``), every text cell escaped."""
    return wb.sheet(title, columns, _escaped(rows))


SUMMARY_COLUMNS: list[Column] = [
    ("市州", 10, None),
    ("县区", 10, None),
    ("受援医院", 26, None),
    ("类别", 10, None),
    ("牵头支援医院", 26, None),
    ("全部支援医院", 36, None),
    ("状态", 8, None),
    ("得分", 8, DEC1),
    ("等次", 8, None),
    ("派驻覆盖率", 11, PCT),
    ("满编率", 9, PCT),
    ("出勤率", 9, PCT),
    ("派驻人数", 9, INT),
    ("免费进修达标人数", 10, INT),
    ("培训名额要求", 10, INT),
    ("新技术新业务", 10, INT),
    ("未整改严重问题", 10, INT),
    ("通报批评/等级复核", 24, None),
]


def summary_rows(rows: list[data.PairingRow]) -> Iterable[list[Any]]:
    for r in rows:
        f = r.figures
        yield [
            r.city,
            r.county,
            r.recipient,
            r.recipient_kind,
            r.lead_supporter,
            r.supporters,
            r.status,
            float(r.score),
            str(GRADE_LABELS.get(r.grade, r.grade)),
            data.ratio(f.get("covered_days", 0), f.get("period_days", 0)),
            data.ratio(f.get("full_strength_days", 0), f.get("period_days", 0)),
            data.ratio(f.get("attendance_present", 0), f.get("attendance_expected", 0)),
            f.get("people", 0),
            f.get("trainees", 0),
            f.get("training_quota", 0),
            f.get("new_technologies", 0),
            f.get("open_critical_findings", 0),
            "；".join(grade_review_reasons(r.grade, f)),
        ]


DEPLOYMENT_COLUMNS: list[Column] = [
    ("受援医院", 26, None),
    ("批次", 14, None),
    ("姓名", 10, None),
    ("身份证号", 22, None),
    ("手机号", 14, None),
    ("派出医院", 26, None),
    ("角色", 8, None),
    ("挂职岗位", 10, None),
    ("职称", 8, None),
    ("开始日期", 12, DATE),
    ("结束日期", 12, DATE),
    ("月考核平均分", 10, DEC1),
    ("月考核不合格次数", 10, INT),
    ("期满考核", 10, None),
]
FINDING_COLUMNS: list[Column] = [
    ("规则", 20, None),
    ("严重程度", 12, None),
    ("受援医院", 26, None),
    ("说明", 60, None),
    ("状态", 12, None),
    ("起始日期", 12, DATE),
    ("截止日期", 12, DATE),
    ("首次发现", 12, DATE),
]
TRAINING_COLUMNS: list[Column] = [
    ("受援医院", 26, None),
    ("培训医院", 26, None),
    ("学员", 10, None),
    ("科室", 12, None),
    ("专业", 12, None),
    ("类型", 20, None),
    ("开始日期", 12, DATE),
    ("结束日期", 12, DATE),
    ("天数", 8, INT),
    ("免费", 6, None),
    ("已结业", 6, None),
]
ATTENDANCE_COLUMNS: list[Column] = [
    ("受援医院", 26, None),
    ("月份", 10, None),
    ("应出勤天数", 10, INT),
    ("实际出勤天数", 10, INT),
    ("出勤率", 10, PCT),
]
CAPACITY_FIGURES = [
    ("累计建成中心", "centres_total"),
    ("本年建成中心", "centres_achieved"),
    ("新技术新业务", "new_technologies"),
    ("专科达标", "specialties_achieved"),
    ("远程服务", "remote_services"),
    ("门诊人次", "outpatient_visits"),
    ("手术台次", "surgeries"),
    ("授课", "lectures"),
    ("教学查房", "teaching_rounds"),
    ("病例讨论", "case_discussions"),
    ("专家批次", "expert_batches"),
    ("专家人次", "expert_person_times"),
]
CAPACITY_COLUMNS: list[Column] = [("受援医院", 26, None)] + [
    (label, 10, INT) for label, _k in CAPACITY_FIGURES
]
COUNTY_OUTCOME_COLUMNS: list[Column] = [
    ("市州", 12, None),
    ("县区", 12, None),
    ("县域内就诊率", 10, PCT),
    ("目标", 8, PCT),
    ("县域内住院率", 10, PCT),
    ("目标", 8, PCT),
    ("基层就诊占比", 10, PCT),
    ("目标", 8, PCT),
    ("上转人次", 10, INT),
    ("下转人次", 10, INT),
    ("县外转诊率", 10, PCT),
    ("达标情况", 30, None),
]
REVIEW_COLUMNS: list[Column] = [
    ("支援医院", 28, None),
    ("受援医院", 26, None),
    ("牵头", 6, None),
    ("通报原因", 60, None),
]

COMMENDATION_COLUMNS: list[Column] = [
    ("支援医院", 28, None),
    ("受援医院", 40, None),
    ("表扬理由", 60, None),
]


def _workbook(out: IO[bytes] | str, program: Program, title: str) -> StreamingWorkbook:
    # Fixed metadata so two builds of the same data differ only where the data does.
    return StreamingWorkbook(
        out, title=title, creator="pairing-assistance", created=dt.datetime(program.start_date.year, 1, 1)
    )


def build_annual_workbook(
    *, program: Program, year: int, out: IO[bytes] | str, progress: Progress | None = None
) -> dict[str, int]:
    """Write the annual workbook of ``program``/``year`` to ``out``; returns row counts per sheet."""
    step = progress or (lambda pct: None)
    with collector_paused(), _workbook(out, program, f"{program.name} {year} 年度考核报表") as wb:
        attendance = data.year_attendance(program=program, year=year)
        rows = data.pairing_rows(program=program, year=year, attendance=attendance)
        step(20)
        counts = _annual_sheets(
            wb, program=program, year=year, rows=rows, step=step, base=20, span=75, attendance=attendance
        )
    step(100)
    return counts


def _annual_sheets(
    wb: SheetWriter,
    *,
    program: Program,
    year: int,
    rows: list[data.PairingRow],
    step: Progress,
    base: int,
    span: int,
    attendance: data.PairingMonths | None = None,
) -> dict[str, int]:
    counts: dict[str, int] = {}
    sheets: list[tuple[str, list[Column], Callable[[], Iterable[list[Any]]]]] = [
        ("考核汇总", SUMMARY_COLUMNS, lambda: summary_rows(rows)),
        ("派驻人员", DEPLOYMENT_COLUMNS, lambda: data.deployment_rows(program=program, year=year)),
        ("问题清单", FINDING_COLUMNS, lambda: data.finding_rows(program=program, year=year)),
        ("进修培训", TRAINING_COLUMNS, lambda: data.training_rows(program=program, year=year)),
        (
            "月度考勤",
            ATTENDANCE_COLUMNS,
            lambda: data.attendance_rows(program=program, year=year, attendance=attendance),
        ),
        (
            "能力建设",
            CAPACITY_COLUMNS,
            lambda: ([r.recipient] + [r.figures.get(k, 0) for _l, k in CAPACITY_FIGURES] for r in rows),
        ),
        ("县域指标", COUNTY_OUTCOME_COLUMNS, lambda: data.county_outcome_rows(program=program, year=year)),
        ("通报批评", REVIEW_COLUMNS, lambda: data.review_rows(program=program, year=year, rows=rows)),
        ("表扬", COMMENDATION_COLUMNS, lambda: data.commendation_rows(program=program, year=year, rows=rows)),
    ]
    for i, (title, columns, make_rows) in enumerate(sheets, start=1):
        counts[title] = _sheet(wb, title, columns, make_rows())
        step(base + span * i // len(sheets))
    return counts


def build_evaluation_workbook(
    *, program: Program, year: int | None, out: IO[bytes] | str, progress: Progress | None = None
) -> dict[str, int]:
    """中期/终期评估: every program year up to ``year`` (default: all) side by side, then the annual sheets of
    the last of those years."""
    step = progress or (lambda pct: None)
    years = [y for y in program.years if year is None or y <= year]
    with collector_paused(), _workbook(out, program, f"{program.name} 评估报表") as wb:
        counts = _evaluation_sheets(wb, program=program, years=years, step=step)
    step(100)
    return counts


def _evaluation_sheets(
    wb: SheetWriter, *, program: Program, years: list[int], step: Progress
) -> dict[str, int]:
    per_year = {}
    for i, y in enumerate(years, start=1):
        per_year[y] = data.pairing_rows(program=program, year=y)
        step(40 * i // max(len(years), 1))
    last = years[-1]
    columns: list[Column] = [("市州", 10, None), ("受援医院", 26, None)]
    for y in years:
        columns += [(f"{y}得分", 9, DEC1), (f"{y}等次", 8, None)]
    by_pairing: dict[int, list[Any]] = {}
    for y in years:
        for r in per_year[y]:
            line = by_pairing.setdefault(r.pairing_id, [r.city, r.recipient])
            line += [float(r.score), str(GRADE_LABELS.get(r.grade, r.grade))]
    order = [r.pairing_id for r in per_year[last]]
    counts = {"历年考核": _sheet(wb, "历年考核", columns, (by_pairing[pid] for pid in order))}
    totals_columns: list[Column] = [
        ("年度", 8, None),
        ("帮扶关系数", 10, INT),
        ("平均得分", 10, DEC1),
        ("优秀", 8, INT),
        ("良好", 8, INT),
        ("合格", 8, INT),
        ("不合格", 8, INT),
        ("派驻覆盖率", 11, PCT),
        ("出勤率", 10, PCT),
        ("免费进修人数", 10, INT),
        ("新技术新业务", 10, INT),
        ("建成中心", 10, INT),
    ]
    total_rows = []
    for y in years:
        t = data.province_totals(per_year[y])
        dist = dict(data.grade_distribution(per_year[y]))
        total_rows.append(
            [
                str(y),
                t["pairings"],
                float(t["average_score"]) if t["average_score"] is not None else None,
                dist.get("优秀", 0),
                dist.get("良好", 0),
                dist.get("合格", 0),
                dist.get("不合格", 0),
                t["coverage"],
                t["attendance"],
                t["trainees"],
                t["new_technologies"],
                t["centres_achieved"],
            ]
        )
    counts["历年汇总"] = _sheet(wb, "历年汇总", totals_columns, total_rows)
    counts |= _annual_sheets(wb, program=program, year=last, rows=per_year[last], step=step, base=45, span=50)
    return counts
