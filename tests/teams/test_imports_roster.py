"""Roster Excel import: template, preview (nothing saved), all-or-nothing confirm, errors by cell."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.imports.spec import ERROR_HEADER
from core.uploads import UploadError
from devtools import factories as f
from devtools.demo.names import national_id
from devtools.dingtalk_samples import write_xlsx
from pairings.models import Membership
from teams.choices import RosterStatus, Title
from teams.models import RosterEntry, Staff
from teams.resources import ROSTER_HEADERS
from teams.services import rosters as svc
from teams.services.imports import (
    CHANGED,
    ERROR,
    NEW,
    UNCHANGED,
    roster_error_file,
    roster_import,
    roster_template,
)

HEADER = [h for h, _r, _h in ROSTER_HEADERS]


def _row(world: Any, name: str, nid: str, role: str = "队员", **over: Any) -> list[Any]:
    values = {
        "姓名": name,
        "身份证号": nid,
        "执业证书编号": "",
        "性别": "男",
        "手机号": "13800000000",
        "工作单位": world.supporter_a.name,
        "职称": "中级",
        "专业": "内科",
        "科室": "内科",
        "从事临床工作起始": "2010-07-01",
        "从事管理工作起始": "",
        "角色": role,
        "挂职岗位": "副院长" if role == "队长" else "医师",
        "计划开始": "2023-03-01",
        "计划结束": "2023-08-31",
    }
    values.update(over)
    return [values[h] for h in HEADER]


def _file(tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> io.BytesIO:
    path = tmp_path / "roster.xlsx"
    write_xlsx(path, [("名单", [header, *rows])])
    return io.BytesIO(path.read_bytes())


@pytest.fixture
def roster(world: Any) -> Any:
    team = f.TeamFactory(pairing=world.pairing_a, start_date=dt.date(2023, 3, 1))
    return svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)


def _good_rows(world: Any) -> list[list[Any]]:
    return [
        _row(world, "王队长", "620102197001011111", "队长", 职称="正高", 计划结束="2024-02-28"),
        _row(world, "李医生", "620102198001012223", 计划开始="2023/3/1"),
        _row(world, "赵医生", "620102198001013330", 计划开始="2023年3月1日"),
    ]


def test_preview_saves_nothing_and_confirm_saves_all(world: Any, roster: Any, tmp_path: Path) -> None:
    # given a valid upload of three new people (three date formats)
    rows = _good_rows(world)
    # when previewed
    preview = roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows))
    # then every row is new and nothing is stored
    assert [r.status for r in preview.rows] == [NEW, NEW, NEW] and not preview.has_errors
    assert not Staff.objects.filter(name="李医生").exists() and roster.entries.count() == 0
    # when confirmed, then staff (employer = coordinator's hospital) and entries are saved
    done = roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False)
    assert done.applied and roster.entries.count() == 3
    assert Staff.objects.get(name="李医生").employer == world.supporter_a
    # when the same file is uploaded again, then every row is unchanged and nothing changes
    again = roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False)
    assert [r.status for r in again.rows] == [UNCHANGED] * 3 and roster.entries.count() == 3


def test_changed_and_removed_rows(world: Any, roster: Any, tmp_path: Path) -> None:
    rows = _good_rows(world)
    roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False)
    rows[1] = _row(world, "李医生", "620102198001012223", 计划结束="2023-09-30")
    preview = roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows[:2]))
    assert [r.status for r in preview.rows] == [UNCHANGED, CHANGED]
    assert [e.staff.name for e in preview.removed] == ["赵医生"]
    assert roster.entries.count() == 3  # preview only


def test_confirming_changes_and_removals_writes_them(world: Any, roster: Any, tmp_path: Path) -> None:
    rows = _good_rows(world)
    roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False)
    rows[1] = _row(world, "李医生", "620102198001012223", 计划结束="2023-09-30")
    rows[2] = _row(
        world, "钱医生", national_id("620102", dt.date(1981, 2, 3), 7)
    )  # 赵医生 leaves, 钱医生 joins
    done = roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False)
    assert done.applied and [r.status for r in done.rows] == [UNCHANGED, CHANGED, NEW]
    entries = {e.staff.name: e for e in roster.entries.select_related("staff")}
    assert sorted(entries) == ["李医生", "王队长", "钱医生"]
    assert entries["李医生"].planned_end == dt.date(2023, 9, 30)
    assert Staff.objects.get(name="钱医生").employer == world.supporter_a
    assert Staff.objects.filter(name="赵医生").exists()  # off the roster, still on the hospital's staff


def test_a_person_deployed_elsewhere_at_the_same_time_is_refused_on_the_row(
    world: Any, roster: Any, tmp_path: Path
) -> None:
    # given 李医生 already deployed by the same hospital to another pairing from May to October 2023
    busy = f.StaffFactory(employer=world.supporter_a, name="李医生", national_id="620102198001012223")
    other_team = f.TeamFactory(pairing=f.PairingFactory(program=world.program, supporter=world.supporter_a))
    f.DeploymentFactory(
        team=other_team,
        supporter=world.supporter_a,
        staff=busy,
        planned_start=dt.date(2023, 5, 1),
        planned_end=dt.date(2023, 10, 31),
    )
    rows = _good_rows(world)
    # when the roster lists him from March to August, then that row is refused by name and nothing is written
    done = roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False)
    assert not done.applied and roster.entries.count() == 0
    assert [bool(r.errors) for r in done.rows] == [False, True, False]
    assert any("与已有派驻重叠" in m for _c, m in done.rows[1].errors)
    # when his row ends before May, then the file goes through
    rows[1] = _row(world, "李医生", "620102198001012223", 计划结束="2023-04-30")
    done = roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False)
    assert done.applied and roster.entries.count() == 3


def test_confirm_takes_the_same_number_of_queries_for_3_or_40_rows(
    world: Any, roster: Any, tmp_path: Path
) -> None:
    # Set-based: a handful of statements for the whole file, not a few per row.
    def confirm(rows: list[list[Any]], target: Any) -> int:
        with CaptureQueriesContext(connection) as q:
            done = roster_import(
                user=world.users["charlie"], roster=target, f=_file(tmp_path, rows), dry_run=False
            )
        assert done.applied, done.error_lines()[:3]
        return len(q)

    few = confirm(_good_rows(world), roster)
    team = f.TeamFactory(
        pairing=world.pairing_a, year=2024, start_date=dt.date(2024, 3, 1), end_date=dt.date(2025, 2, 28)
    )
    other = svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)
    many = [
        _row(
            world,
            "王队长",
            "620102197001011111",
            "队长",
            职称="正高",
            计划开始="2024-03-01",
            计划结束="2025-02-28",
        )
    ]
    many += [
        _row(
            world,
            f"医生{i}",
            national_id("620102", dt.date(1985, 1, 1), i),
            计划开始="2024-03-01",
            计划结束="2024-08-31",
        )
        for i in range(39)
    ]
    # One more: the deployments of the people already registered (王队长), which the first file had none of.
    assert confirm(many, other) == few + 1
    assert other.entries.count() == 40


def test_each_bad_row_is_named_and_nothing_is_written(world: Any, roster: Any, tmp_path: Path) -> None:
    # given a file with one problem per row
    f.HospitalFactory(province=world.province, name="其他医院")
    busy = f.StaffFactory(employer=world.supporter_a, national_id="620102198001019994")
    f.DeploymentFactory(
        staff=busy,
        team=f.TeamFactory(pairing=world.pairing_a),
        planned_start=dt.date(2023, 5, 1),
        planned_end=dt.date(2023, 12, 31),
    )
    rows = [
        _row(world, "王队长", "620102197001011111", "队长", 职称="正高"),
        _row(world, "甲", "620102198001010017", 工作单位="不存在医院"),
        _row(world, "乙", "620102198001010025", 工作单位="其他医院"),
        _row(world, "丙", "620102198001010033", 职称="初级"),
        _row(world, "丁", "620102198001019994"),
        _row(world, "戊", "62010219800101005X", 计划开始="2023-09-01", 计划结束="2023-08-01"),
        _row(world, "己", "620102198001010068", 计划开始="03/01/2023"),
        _row(world, "庚", "620102198001010068"),
        _row(world, "辛", ""),
    ]
    # when confirmed
    preview = roster_import(
        user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False
    )
    # then every problem names its row and column, and nothing is saved
    text = {r.row_no: r.error_text for r in preview.rows}
    assert text[2] == ""
    assert "未知医院" in text[3] and "工作单位 (F)" in text[3]
    assert "不是您所在的医院" in text[4]
    assert "职称低于要求" in text[5]
    assert "重叠" in text[6]
    assert "结束日期早于开始日期" in text[7]
    assert "日期格式错误" in text[8] and "计划开始 (N)" in text[8]
    assert "与第 8 行是同一人员" in text[9]
    assert "至少填一项" in text[10]
    assert [r.status for r in preview.rows].count(ERROR) == 8
    assert not preview.applied and roster.entries.count() == 0
    assert not Staff.objects.filter(name__in=["甲", "乙", "丙"]).exists()


def test_missing_leader_is_a_general_error(world: Any, roster: Any, tmp_path: Path) -> None:
    preview = roster_import(
        user=world.users["charlie"], roster=roster, f=_file(tmp_path, _good_rows(world)[1:]), dry_run=False
    )
    assert preview.has_errors and "缺少队长" in preview.general_errors[0]
    assert roster.entries.count() == 0


def test_error_file_adds_an_escaped_error_column(world: Any, roster: Any, tmp_path: Path) -> None:
    # given a row with a bad date and a name that looks like a formula
    rows = [*_good_rows(world), _row(world, '=HYPERLINK("x")', "620102198001010092", 计划开始="tomorrow")]
    # when the error file is downloaded
    data = roster_error_file(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    values = list(ws.iter_rows(values_only=True))
    # then it is the upload with an error column, and the formula-like cell is neutralised
    assert values[0][-1] == ERROR_HEADER
    assert values[4][0] == '\'=HYPERLINK("x")' and "日期格式错误" in values[4][-1]
    assert values[1][-1] in (None, "")


def _error_sheet(data: bytes) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_error_file_masks_personal_data_for_a_coordinator_without_the_right(
    world: Any, roster: Any, tmp_path: Path
) -> None:
    # given an upload with one bad row, and charlie (supporter coordinator, no personal-data right)
    rows = [*_good_rows(world), _row(world, "王五", "620102198001010009", 计划开始="tomorrow")]
    nid_col, phone_col = HEADER.index("身份证号"), HEADER.index("手机号")
    # when charlie downloads the error file
    data = roster_error_file(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows))
    values = _error_sheet(data)
    # then no full national ID or phone is in it, and the error column still names the problem
    body = values[1:]
    assert [r[nid_col] for r in body][-1] == "620102********0009"
    assert all(r[phone_col] == "138****0000" for r in body)
    assert not any("620102198001010009" in str(cell) for r in values for cell in r)
    assert "日期格式错误" in body[-1][-1]


def test_error_file_is_in_full_for_a_member_who_may_see_personal_data(
    world: Any, roster: Any, tmp_path: Path
) -> None:
    # given charlie's membership is granted the personal-data right
    world.users["charlie"].membership.can_see_personal_data = True
    world.users["charlie"].membership.save()
    charlie = type(world.users["charlie"]).objects.get(pk=world.users["charlie"].pk)
    rows = [*_good_rows(world), _row(world, "王五", "620102198001010009", 计划开始="tomorrow")]
    # when charlie downloads the error file, then the cells are as uploaded
    values = _error_sheet(roster_error_file(user=charlie, roster=roster, f=_file(tmp_path, rows)))
    assert values[-1][HEADER.index("身份证号")] == "620102198001010009"


@pytest.mark.parametrize("who", ["alice", "city_a", "province", "dana"])
def test_error_file_is_refused_to_anyone_who_may_not_import_the_roster(
    world: Any, roster: Any, tmp_path: Path, who: str
) -> None:
    with pytest.raises(PermissionDenied):
        roster_error_file(user=world.users[who], roster=roster, f=_file(tmp_path, _good_rows(world)))


def test_missing_or_renamed_column_is_refused(world: Any, roster: Any, tmp_path: Path) -> None:
    header = [h if h != "计划开始" else "开始时间" for h in HEADER]
    with pytest.raises(UploadError, match="缺少必需的列：计划开始"):
        roster_import(
            user=world.users["charlie"], roster=roster, f=_file(tmp_path, _good_rows(world), header)
        )


def test_empty_sheet_is_refused(world: Any, roster: Any, tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="没有人员数据|为空"):
        roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, []))


def test_excel_serial_dates_are_accepted(world: Any, roster: Any, tmp_path: Path) -> None:
    rows = _good_rows(world)
    rows[1] = _row(
        world, "李医生", "620102198001012223", 计划开始=44986, 计划结束=45169
    )  # 2023-03-01 / 08-31
    preview = roster_import(user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows))
    assert not preview.has_errors and preview.rows[1].values["planned_start"] == dt.date(2023, 3, 1)


@pytest.mark.parametrize("who", ["dana", "alice", "province"])
def test_only_the_supporter_coordinator_imports(world: Any, roster: Any, tmp_path: Path, who: str) -> None:
    with pytest.raises(PermissionDenied):
        roster_import(
            user=world.users[who], roster=roster, f=_file(tmp_path, _good_rows(world)), dry_run=False
        )
    assert RosterEntry.objects.count() == 0


def test_submitted_roster_cannot_be_reimported(world: Any, roster: Any, tmp_path: Path) -> None:
    roster_import(
        user=world.users["charlie"], roster=roster, f=_file(tmp_path, _good_rows(world)), dry_run=False
    )
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    with pytest.raises(PermissionDenied):
        roster_import(
            user=world.users["charlie"],
            roster=roster,
            f=_file(tmp_path, _good_rows(world)[:2]),
            dry_run=False,
        )
    assert roster.entries.count() == 3 and roster.status == RosterStatus.SUBMITTED


def test_template_has_instructions_and_allowed_values(roster: Any) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(roster_template(roster=roster)))
    assert wb.sheetnames == ["名单", "说明"]
    assert [c.value for c in wb["名单"][1]] == HEADER
    notes = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "初级 / 中级 / 副高 / 正高" in notes and str(Title(2).label) in notes and "2022-04-05" in notes


def test_template_of_a_new_version_is_prefilled_and_reimports_unchanged(
    world: Any, roster: Any, tmp_path: Path
) -> None:
    # given a filed roster of three people and its new version
    roster_import(
        user=world.users["charlie"], roster=roster, f=_file(tmp_path, _good_rows(world)), dry_run=False
    )
    Staff.objects.filter(name="王队长").update(licence_no="110000000000001")
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    svc.roster_file(user=world.users["province"], roster=roster)
    new = svc.roster_new_version(user=world.users["charlie"], roster=roster)
    # when the coordinator (who may not see full national IDs) downloads the template
    wb = openpyxl.load_workbook(io.BytesIO(roster_template(roster=new, user=world.users["charlie"])))
    rows = [[c.value or "" for c in row] for row in wb["名单"].iter_rows(min_row=2)]
    # then it holds the current roster, leader first, personal data as the role may see it
    assert [r[0] for r in rows] == ["王队长", "李医生", "赵医生"]
    by_name = {r[0]: dict(zip(HEADER, r, strict=True)) for r in rows}
    assert by_name["王队长"]["身份证号"] == "" and by_name["王队长"]["执业证书编号"] == "110000000000001"
    li = Staff.objects.get(name="李医生").national_id  # the test data's ID carries a valid check character
    assert by_name["李医生"]["身份证号"] == f"{li[:6]}********{li[-4:]}"
    assert by_name["李医生"]["手机号"] == "138****0000"
    assert by_name["王队长"]["角色"] == "队长" and by_name["王队长"]["计划结束"] == "2024-02-28"
    # and a coordinator who may see personal data gets the IDs in full, so the file re-imports as unchanged
    Membership.objects.filter(user=world.users["charlie"]).update(can_see_personal_data=True)
    charlie = type(world.users["charlie"]).objects.get(pk=world.users["charlie"].pk)  # no cached membership
    wb = openpyxl.load_workbook(io.BytesIO(roster_template(roster=new, user=charlie)))
    rows = [[c.value or "" for c in row] for row in wb["名单"].iter_rows(min_row=2)]
    assert rows[1][1] == li
    rows = [[*r[:4], "13800000000", *r[5:]] for r in rows]
    preview = roster_import(user=world.users["charlie"], roster=new, f=_file(tmp_path, rows))
    assert not preview.has_errors and [r.status for r in preview.rows] == [UNCHANGED] * 3
