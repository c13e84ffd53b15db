"""Operator commands: same validation and summary as the pages, non-zero exit (and no writes) on errors."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from devtools import factories as f
from devtools.dingtalk_samples import write_sample, write_xlsx
from pairings.models import Hospital, Pairing, PairingSupporter
from teams.models import AttendancePunch, DingTalkIdentity, MonthlyActivity, Roster
from tests.teams.test_imports_roster import HEADER, _good_rows


def test_make_sample_then_import_attendance_twice(world: Any, tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    call_command(
        "make_dingtalk_sample", "--rows", "120", "--out", str(out), "--people", "3", stdout=StringIO()
    )
    stdout = StringIO()
    call_command("import_attendance", str(out), "--hospital", world.recipient_a.code, stdout=stdout)
    assert '"inserted": 120' in stdout.getvalue()
    stdout = StringIO()
    call_command("import_attendance", str(out), "--hospital", world.recipient_a.code, stdout=stdout)
    assert '"inserted": 0' in stdout.getvalue() and '"duplicates": 120' in stdout.getvalue()


def test_import_attendance_with_errors_exits_non_zero_and_writes_nothing(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    write_xlsx(path, [("s", [["UserId", "打卡时间", "打卡类型"], ["d1", "2023-03-01 08:00:00", "午休"]])])
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_attendance", str(path), "--hospital", world.recipient_a.code, stderr=StringIO())
    assert AttendancePunch.objects.count() == 0


def test_import_attendance_dry_run(world: Any, tmp_path: Path) -> None:
    out = write_sample(tmp_path / "s.csv", 30, n_people=1)
    call_command(
        "import_attendance", str(out), "--hospital", world.recipient_a.code, "--dry-run", stdout=StringIO()
    )
    assert AttendancePunch.objects.count() == 0 and not DingTalkIdentity.objects.exists()


def test_import_roster_command(world: Any, tmp_path: Path) -> None:
    team = f.TeamFactory(pairing=world.pairing_a)
    path = tmp_path / "r.xlsx"
    write_xlsx(path, [("名单", [HEADER, *_good_rows(world)])])
    args = [str(path), "--team", str(team.pk), "--supporter", world.supporter_a.code]
    call_command("import_roster", *args, "--dry-run", stdout=StringIO())
    assert Roster.objects.get(team=team).entries.count() == 0
    stdout = StringIO()
    call_command("import_roster", *args, stdout=stdout)
    assert "new 3" in stdout.getvalue() and Roster.objects.get(team=team).entries.count() == 3
    write_xlsx(path, [("名单", [HEADER, *_good_rows(world)[1:]])])
    with pytest.raises(CommandError):
        call_command("import_roster", *args, stdout=StringIO(), stderr=StringIO())
    assert Roster.objects.get(team=team).entries.count() == 3


def test_import_activity_command(world: Any, tmp_path: Path) -> None:
    team = f.TeamFactory(pairing=world.pairing_a)
    dep = f.DeploymentFactory(team=team, planned_start=dt.date(2023, 1, 1), planned_end=dt.date(2023, 6, 30))
    header = ["身份证号", "月份", "门诊人次", "手术台次", "授课次数", "教学查房", "病例讨论", "远程会诊"]
    path = tmp_path / "a.xlsx"
    write_xlsx(path, [("s", [header, [dep.staff.national_id, "2023-03", 120, 8, 2, 4, 3, 1]])])
    call_command("import_activity", str(path), "--hospital", world.recipient_a.code, stdout=StringIO())
    call_command("import_activity", str(path), "--hospital", world.recipient_a.code, stdout=StringIO())
    act = MonthlyActivity.objects.get()
    assert act.month == dt.date(2023, 3, 1) and act.outpatient_visits == 120 and act.deployment == dep
    write_xlsx(path, [("s", [header, [dep.staff.national_id, "2023-09", -1, 0, 0, 0, 0, 0]])])
    with pytest.raises(CommandError):
        call_command(
            "import_activity",
            str(path),
            "--hospital",
            world.recipient_a.code,
            stderr=StringIO(),
            stdout=StringIO(),
        )
    assert MonthlyActivity.objects.count() == 1


def test_import_pairings_command(world: Any, tmp_path: Path) -> None:
    hospitals = [
        ["机构代码", "医院名称", "角色", "类别", "等级", "来源", "所在省市", "市州", "县区", "住培基地"],
        ["TJ001", "天津医科大学总医院", "支援", "综合", "三级甲等", "省外", "天津市", "兰州市", "", "是"],
        ["R001", "榆中县中医医院", "受援", "中医", "二级", "省内", "", "兰州市", "榆中县", "否"],
    ]
    pairs = [
        ["受援医院", "支援医院", "牵头", "帮扶开始", "帮扶结束"],
        ["R001", "天津医科大学总医院", "是", "2022-01-01", "2025-12-31"],
    ]
    path = tmp_path / "p.xlsx"
    write_xlsx(path, [("医院", hospitals), ("对口帮扶关系", pairs)])
    args = [str(path), "--program", world.program.code]
    call_command("import_pairings", *args, stdout=StringIO())
    call_command("import_pairings", *args, stdout=StringIO())
    pairing = Pairing.objects.get(recipient__code="R001")
    assert PairingSupporter.objects.get(pairing=pairing).hospital.origin == "other_province"
    assert Hospital.objects.filter(code__in=["TJ001", "R001"]).count() == 2
    hospitals.append(["R002", "某县医院", "受援", "综合", "", "省内", "", "不存在市", "", ""])
    write_xlsx(path, [("医院", hospitals), ("对口帮扶关系", pairs)])
    with pytest.raises(CommandError):
        call_command("import_pairings", *args, stdout=StringIO(), stderr=StringIO())
    assert not Hospital.objects.filter(code="R002").exists()
