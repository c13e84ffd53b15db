"""DingTalk attendance import: idempotent punches, night shifts, unmatched queue, derived records."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils.timezone import localtime

from core import spreadsheets
from core.uploads import UploadError
from devtools import factories as f
from devtools.dingtalk_samples import RAW_HEADER, SUMMARY_HEADER, write_sample, write_xlsx
from teams.models import AttendancePunch, AttendanceRecord, DingTalkIdentity
from teams.services import attendance
from teams.services.attendance import attendance_import, unmatched_assign


def _xlsx(tmp_path: Path, rows: list[list[Any]], header: list[str] = RAW_HEADER) -> io.BytesIO:
    path = tmp_path / "export.xlsx"
    write_xlsx(path, [("原始记录", [["原始记录 统计日期"], header, *rows])])
    return io.BytesIO(path.read_bytes())


def _deployed(world: Any, userid: str = "ding000001") -> Any:
    team = f.TeamFactory(pairing=world.pairing_a)
    dep = f.DeploymentFactory(team=team, planned_start=dt.date(2023, 3, 1), planned_end=dt.date(2023, 8, 31))
    DingTalkIdentity.objects.create(hospital=world.recipient_a, userid=userid, staff=dep.staff)
    return dep


def test_raw_export_derives_first_and_last_punch_and_night_shift(world: Any, tmp_path: Path) -> None:
    # given a deployed person known by DingTalk id, with a normal day and a night shift ending after midnight
    dep = _deployed(world)
    rows = [
        ["张三", "ding000001", "内科", "", "2023-03-01 08:01:00", "上班", "正常", "范围内", ""],
        ["张三", "ding000001", "内科", "", "2023-03-01 12:00:00", "下班", "正常", "范围内", ""],
        ["张三", "ding000001", "内科", "", "2023-03-01 17:45:00", "下班", "正常", "范围内", ""],
        ["张三", "ding000001", "内科", "", "2023-03-02 16:50:00", "上班", "正常", "范围内", ""],
        ["张三", "ding000001", "内科", "", "2023-03-03 02:10:00", "下班", "补卡", "范围内", "BK001"],
    ]
    # when the recipient coordinator imports it
    summary = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=_xlsx(tmp_path, rows)
    )
    # then every punch is stored and one record per day is derived; the 02:10 punch belongs to 03-02
    assert summary.ok and summary.inserted == 5 and summary.unmatched == 0
    recs = {r.date: r for r in AttendanceRecord.objects.filter(deployment=dep)}
    assert set(recs) == {dt.date(2023, 3, 1), dt.date(2023, 3, 2)}
    assert (
        localtime(recs[dt.date(2023, 3, 1)].check_out).hour == 17
        and recs[dt.date(2023, 3, 1)].status == "present"
    )
    night = recs[dt.date(2023, 3, 2)]
    assert localtime(night.check_out).date() == dt.date(2023, 3, 3) and night.approval_ref == "BK001"


def test_reimport_same_or_overlapping_file_adds_nothing(world: Any, tmp_path: Path) -> None:
    # given an export imported once
    _deployed(world)
    sample = write_sample(tmp_path / "s.xlsx", 400, n_people=4)
    first = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(sample.read_bytes())
    )
    punches, records = AttendancePunch.objects.count(), AttendanceRecord.objects.count()
    # when the same file is imported again
    again = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(sample.read_bytes())
    )
    # then nothing is added and every row counts as a duplicate
    assert first.inserted == 400 and records > 0
    # (a first import of a file without repeats inserts plainly, once)
    assert "first_attempt" not in first.timings
    assert again.inserted == 0 and again.duplicates == 400
    assert AttendancePunch.objects.count() == punches and AttendanceRecord.objects.count() == records


def test_unmatched_rows_are_queued_then_resolved(world: Any, tmp_path: Path) -> None:
    # given a deployed person without a DingTalk mapping yet
    team = f.TeamFactory(pairing=world.pairing_a)
    dep = f.DeploymentFactory(team=team, planned_start=dt.date(2023, 3, 1), planned_end=dt.date(2023, 8, 31))
    rows = [
        ["李四", "ding000009", "外科", "2023-03-01", "2023-03-01 08:20:00", "上班", "正常", "范围内", ""],
        ["李四", "ding000009", "外科", "2023-03-01", "2023-03-01 17:20:00", "下班", "正常", "范围内", ""],
    ]
    # when imported, the rows are kept but unmatched
    summary = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=_xlsx(tmp_path, rows)
    )
    assert summary.unmatched == 2 and summary.unmatched_users == 1 and summary.records == 0
    assert AttendancePunch.objects.filter(staff__isnull=True).count() == 2
    # and when the coordinator assigns the id to the staff member
    written = unmatched_assign(
        user=world.users["alice"], hospital=world.recipient_a, userid="ding000009", staff=dep.staff
    )
    # then the punches are matched and the record derived
    assert written == 1
    assert AttendancePunch.objects.filter(staff__isnull=True).count() == 0
    assert AttendanceRecord.objects.get(deployment=dep).status == "present"


def test_daily_summary_export_with_leave(world: Any, tmp_path: Path) -> None:
    # given a 每日统计 export with one worked day and one leave day
    dep = _deployed(world)
    rows = [
        ["张三", "ding000001", "内科", "2023/3/6", "08:40", "迟到", "17:40", "正常", "", ""],
        ["张三", "ding000001", "内科", "2023年3月7日", "", "", "", "", "事假1天", ""],
    ]
    # when imported
    summary = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=_xlsx(tmp_path, rows, SUMMARY_HEADER)
    )
    # then the late day and the approved leave are both kept
    assert summary.ok
    recs = {r.date: r.status for r in AttendanceRecord.objects.filter(deployment=dep)}
    assert recs == {dt.date(2023, 3, 6): "late", dt.date(2023, 3, 7): "leave"}


def test_bad_date_rejects_whole_file_naming_the_cell(world: Any, tmp_path: Path) -> None:
    # given an export with one good row and one bad date
    _deployed(world)
    rows = [
        ["张三", "ding000001", "内科", "2023-03-01", "2023-03-01 08:01:00", "上班", "正常", "范围内", ""],
        ["张三", "ding000001", "内科", "03.01.2023", "2023-03-01 17:00:00", "下班", "正常", "范围内", ""],
    ]
    # when imported
    summary = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=_xlsx(tmp_path, rows)
    )
    # then nothing is written and the error names row 4, column 考勤日期 (D)
    assert not summary.ok and summary.rejected == 1
    assert "第 4 行" in summary.errors[0] and "考勤日期 (D)" in summary.errors[0]
    assert AttendancePunch.objects.count() == 0


@pytest.mark.parametrize("export", ["raw", "summary"])
def test_a_userid_longer_than_the_column_is_a_row_error(world: Any, tmp_path: Path, export: str) -> None:
    # given an export whose third data row has a UserId of 65 characters (the column holds 64), the rows
    # around it in the usual form (a raw export's plain block goes to the SQL conversion)
    long_id = "d" * 65
    if export == "raw":
        rows = [
            ["张三", uid, "内科", "2023-03-01", f"2023-03-01 08:0{i}:00", "上班", "正常", "范围内", ""]
            for i, uid in enumerate(["ding000001", "ding000002", long_id, "d" * 64])
        ]
        f_in = _xlsx(tmp_path, rows)
    else:
        rows = [
            ["张三", uid, "内科", "2023-03-01", "08:00", "正常", "17:30", "正常", "", ""]
            for uid in ["ding000001", "ding000002", long_id, "d" * 64]
        ]
        f_in = _xlsx(tmp_path, rows, SUMMARY_HEADER)
    # when imported
    summary = attendance_import(user=world.users["alice"], hospital=world.recipient_a, f=f_in)
    # then that row is refused by row, column and why (not a database error), and nothing is stored
    assert not summary.ok and summary.rejected == 1
    assert summary.errors == ["第 5 行，UserId (B) 列：UserId 超过 64 个字符"]
    assert AttendancePunch.objects.count() == 0


def test_dry_run_writes_nothing(world: Any, tmp_path: Path) -> None:
    _deployed(world)
    sample = write_sample(tmp_path / "s.csv", 50, n_people=2)
    summary = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(sample.read_bytes()), dry_run=True
    )
    assert summary.inserted == 50 and AttendancePunch.objects.count() == 0


@pytest.mark.parametrize("who", ["bob", "charlie", "city_b", "nobody"])
def test_refused_importers_change_nothing(world: Any, tmp_path: Path, who: str) -> None:
    # given a valid export for recipient A
    sample = write_sample(tmp_path / "s.xlsx", 10, n_people=1)
    # when someone outside recipient A's scope imports it, then it is refused and nothing stored
    with pytest.raises(PermissionDenied):
        attendance_import(
            user=world.users[who], hospital=world.recipient_a, f=io.BytesIO(sample.read_bytes())
        )
    assert AttendancePunch.objects.count() == 0


def test_assigning_to_staff_not_deployed_here_is_refused(world: Any) -> None:
    stranger = f.StaffFactory(employer=world.supporter_b)
    with pytest.raises(PermissionDenied):
        unmatched_assign(user=world.users["alice"], hospital=world.recipient_a, userid="x", staff=stranger)
    assert not DingTalkIdentity.objects.exists()


def test_job_rerun_after_a_crash_imports_exactly_once(world: Any, tmp_path: Path) -> None:
    # given a job that crashed mid-way (status still running) after part of the file had been imported
    from django.core.files.base import ContentFile

    from teams.models import ImportJob
    from teams.services.jobs import import_job_run
    from teams.tasks import run_import_job

    sample = write_sample(tmp_path / "s.xlsx", 100, n_people=2)
    attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(sample.read_bytes())
    )
    job = ImportJob(kind="attendance", hospital=world.recipient_a, status="running", original_name="s.xlsx")
    job.file.save("s.xlsx", ContentFile(sample.read_bytes()))
    # when the task is delivered again (and once more)
    assert run_import_job(job.pk) == "done"
    import_job_run(job_id=job.pk)
    # then each punch exists once and the job reports the duplicates
    job.refresh_from_db()
    assert AttendancePunch.objects.count() == 100
    assert job.counts["inserted"] == 0 and job.counts["duplicates"] == 100 and job.progress == 100


def test_duplicated_rows_inside_one_file_count_once(world: Any, tmp_path: Path) -> None:
    row = ["张三", "ding000001", "内科", "", "2023-03-01 08:01:00", "上班", "正常", "范围内", ""]
    summary = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=_xlsx(tmp_path, [row, row])
    )
    assert summary.inserted == 1 and summary.duplicates == 1 and AttendancePunch.objects.count() == 1
    # (the plain insert met the repeat, and the import ran again with ON CONFLICT: the first kept nothing)
    assert "first_attempt" in summary.timings


def test_cells_with_tabs_newlines_and_backslashes_are_stored_as_written(world: Any, tmp_path: Path) -> None:
    # given punches whose text cells hold COPY's own special characters, and a missed punch
    rows = [
        ["张\t三", "ding000001", "内\\科", "", "2023-03-01 08:01:00", "上班", "正常", "范围\n内", "\\N"],
        ["李四", "ding000002", "外科", "", "2023-03-01 08:02:00", "上班", "正常", "范围内", ""],
        ["王五", "ding000003", "外科", "2023-03-01", "", "下班", "缺卡", "", "BK\\1"],
    ]
    # when imported
    summary = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=_xlsx(tmp_path, rows)
    )
    # then every cell is stored exactly as written, the missing punch time as NULL
    assert summary.ok and summary.inserted == 3
    stored = {p.userid: p for p in AttendancePunch.objects.all()}
    assert (stored["ding000001"].name, stored["ding000001"].department) == ("张\t三", "内\\科")
    assert (stored["ding000001"].location_result, stored["ding000001"].approval_ref) == ("范围\n内", "\\N")
    assert stored["ding000003"].punched_at is None and stored["ding000003"].approval_ref == "BK\\1"


def test_too_many_bad_rows_stop_the_check_and_store_nothing(world: Any, tmp_path: Path) -> None:
    # given an export whose 250 rows all have an unknown 打卡类型
    rows = [
        ["张三", "ding000001", "内科", "", f"2023-03-01 08:{i % 60:02d}:00", "签到", "正常", "", ""]
        for i in range(250)
    ]
    # when imported
    summary = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=_xlsx(tmp_path, rows)
    )
    # then checking stops at 200 errors, each naming its row and column, and nothing is stored
    assert not summary.ok and len(summary.errors) == 200 and summary.rejected == 200
    assert "第 3 行" in summary.errors[0] and "打卡类型 (F)" in summary.errors[0]
    assert AttendancePunch.objects.count() == 0


def test_small_batches_store_what_one_batch_stores(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an export of 4 people, one of them deployed and known by DingTalk id
    _deployed(world)
    sample = write_sample(tmp_path / "s.xlsx", 400, n_people=4)
    one = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(sample.read_bytes())
    )
    fields = ("deployment_id", "date", "check_in", "check_out", "status")
    records = sorted(AttendanceRecord.objects.values_list(*fields))
    AttendanceRecord.objects.all().delete()
    AttendancePunch.objects.all().delete()
    # when it is imported again from scratch in blocks and batches of 7 (stored while the next is read)
    monkeypatch.setattr(attendance, "LOAD_BATCH", 7)
    monkeypatch.setattr(spreadsheets, "BLOCK_ROWS", 7)
    batched = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(sample.read_bytes())
    )
    # then the punches, the counts and the derived records are the same
    assert batched.as_dict() == one.as_dict() and batched.inserted == 400 and batched.records > 0
    assert batched.unmatched == 300 == AttendancePunch.objects.filter(staff__isnull=True).count()
    assert batched.unmatched_users == 3
    assert records == sorted(AttendanceRecord.objects.values_list(*fields))
    # and a rerun in batches finds every punch stored
    again = attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(sample.read_bytes())
    )
    assert (again.inserted, again.duplicates) == (0, 400)


# Rows in the usual DingTalk forms (converted in SQL) and in others (left to the row parser), in blocks of 3
# rows: a cell with a space or a number sends its whole block to the parser.
_MIXED = [
    ["张三", "ding000001", "内科", "2023-03-01", "2023-03-01 08:01:00", "上班", "正常", "范围内", ""],
    ["张三", "ding000001", "内科", "", "2023-03-02 02:10:00", "下班", "补卡", "范围内", "BK001"],
    ["张三", "ding000001", "内科", "2023-03-02", "2023-03-03 04:59:59", "下班打卡", "正常", "", ""],
    ["李四", "ding000002", "外科", "", "2023-03-03 03:00:00", "上班打卡", "正常", "", ""],
    ["李四", "ding000002", "外科", "2023-03-03", "--", "下班", "缺卡", "", ""],
    ["王五", "ding000003", "外科", "", "2023/03/04 08:05:00", "上班", "正常", "范围内", ""],
    ["王五", "ding000003", "外科", "2024-02-29", "2024-02-29 08:00:00", "上班", "正常", "", ""],
    ["", "", "", "", "", "", "", "", ""],
    ["王五", "ding000003", "外科", "", "2023-03-31 18:00:00", "下班", "早退", "范围外", ""],
    ["赵六\u3000", " ding000004", "内科", "2023-03-05", "2023-03-05 08:00:00", "上班", "正常", "", ""],
    ["赵六", "ding000004", "内科", "2023-03-05", "2023-03-05 17:00:00", "下班", "正常", "", ""],
    ["赵六", "ding000004", "内科", "2023-03-05", "2023-03-05 17:00:00", "下班", "正常", "", ""],
    ["钱七", 12345, "内科", "2023-03-06", "2023-03-06 08:00:00", "上班", "正常", "", ""],
]
_BAD = [
    ["张三", "ding000001", "内科", "2023-02-29", "2023-03-01 08:01:00", "上班", "正常", "范围内", ""],
    ["张三", "ding000001", "内科", "", "2023-03-01 24:00:00", "下班", "正常", "", ""],
    ["张三", "ding000001", "内科", "", "2023-03-01 18:00:00", "签到", "正常", "", ""],
    ["", "", "内科", "", "2023-03-01 18:00:00", "下班", "正常", "", ""],
    ["张三", "ding000001", "内科", "", "", "下班", "缺卡", "", ""],
    ["张三", "ding000001", "内科", "2023-03-01", "2023-02-30 08:00:00", "上班", "正常", "", ""],
    ["张三", "d" * 65, "内科", "2023-03-01", "2023-03-01 08:00:00", "上班", "正常", "", ""],
]


def _stored() -> list[tuple[Any, ...]]:
    fields = ("key", "userid", "name", "department", "work_date", "punched_at", "kind", "result")
    return sorted(AttendancePunch.objects.values_list(*fields, "location_result", "approval_ref", "staff_id"))


@pytest.mark.parametrize("rows", [_MIXED, _MIXED + _BAD], ids=["good", "with-bad-rows"])
def test_sql_conversion_stores_and_refuses_what_the_row_parser_does(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[list[Any]]
) -> None:
    # given an export mixing the usual forms with others, read in blocks of 3 rows
    _deployed(world)
    _deployed(world, "ding000004")
    monkeypatch.setattr(spreadsheets, "BLOCK_ROWS", 3)
    data = _xlsx(tmp_path, rows).getvalue()
    # when it is imported with plain blocks converted in SQL, and again with every row parsed in Python
    fast = attendance_import(user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(data))
    punches, records = _stored(), sorted(AttendanceRecord.objects.values_list("date", "status", "check_out"))
    AttendanceRecord.objects.all().delete()
    AttendancePunch.objects.all().delete()
    monkeypatch.setattr(attendance, "plain_text", lambda *args: None)
    slow = attendance_import(user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(data))
    # then both store the same punches and records, count the same, and refuse with the same errors
    assert fast.as_dict() == slow.as_dict() and fast.errors == slow.errors
    assert punches == _stored()
    assert records == sorted(AttendanceRecord.objects.values_list("date", "status", "check_out"))
    if rows is _MIXED:
        assert fast.ok and fast.inserted == 11 and fast.duplicates == 1 and len(records) == 3
        # (and the first run did convert blocks in SQL and leave it some rows)
        assert {"server_convert", "server_leftover"} <= set(fast.timings)
        assert "server_convert" not in slow.timings
        assert ("ding000004", "赵六") in {(p[1], p[2]) for p in punches}  # stripped like the parser strips
    else:
        assert not fast.ok and punches == [] and fast.rejected == 7
        assert [e.split("：")[0] for e in fast.errors] == [
            "第 16 行，考勤日期 (D) 列",
            "第 17 行，打卡时间 (E) 列",
            "第 18 行，打卡类型 (F) 列",
            "第 19 行，UserId (B) 列",
            "第 20 行，打卡时间 (E) 列",
            "第 21 行，打卡时间 (E) 列",
            "第 22 行，UserId (B) 列",
        ]


@pytest.mark.parametrize("rows", [_MIXED, _MIXED + _BAD], ids=["good", "with-bad-rows"])
def test_slices_read_as_text_store_and_refuse_what_the_row_parser_does(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[list[Any]]
) -> None:
    # given a big sheet (here: every sheet) checked as it is read, in slices of a few rows, its plain slices
    # read as text
    _deployed(world)
    _deployed(world, "ding000004")
    monkeypatch.setattr(spreadsheets, "STREAMED_FROM_BYTES", 0)
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", 1_200)
    made: list[tuple[int, bool]] = []
    text_block = spreadsheets._text_block
    monkeypatch.setattr(
        spreadsheets,
        "_text_block",
        lambda *a: (b := text_block(*a)) and (made.append((b.rows, b.shaped)) or b),
    )
    # (the first 64 KB of a sheet are read as one slice: 300 rows of others' punches first)
    others = [
        ["某人", f"ding1{i:05d}", "内科", "2023-03-01", "2023-03-01 08:00:00", "上班", "正常", "范围内", ""]
        for i in range(300)
    ]
    data = _xlsx(tmp_path, others + rows * 3).getvalue()
    # when it is imported, and again with every row parsed in Python
    before = _scratch_tables()
    fast = attendance_import(user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(data))
    punches, records = _stored(), sorted(AttendanceRecord.objects.values_list("date", "status", "check_out"))
    AttendanceRecord.objects.all().delete()
    AttendancePunch.objects.all().delete()
    monkeypatch.setattr(spreadsheets, "_text_block", lambda *a: None)
    monkeypatch.setattr(attendance, "plain_text", lambda *args: None)
    slow = attendance_import(user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(data))
    # then text slices were read, and both runs store the same, count the same and refuse the same
    # (slices whose cells all have the usual forms, converted unchecked, and others, checked by the server;
    # the file repeats punches: read twice, the plain insert's attempt given up at the first repeat)
    reads = 2 if "first_attempt" in fast.timings else 1
    assert sum(rows for rows, _shaped in made) < (fast.rows_read + fast.rejected) * reads
    assert {shaped for _rows, shaped in made} == {True, False}
    assert fast.as_dict() == slow.as_dict() and fast.errors == slow.errors
    assert punches == _stored()
    assert records == sorted(AttendanceRecord.objects.values_list("date", "status", "check_out"))
    # (none of the second connection's scratch tables is left)
    assert _scratch_tables() == before
    if rows is _MIXED:
        assert fast.ok and fast.inserted == 311 and fast.duplicates == 25
        # (the text slices were converted on the import's second connection)
        assert "server_second_convert" in fast.timings and "server_second_convert" not in slow.timings
    else:
        assert not fast.ok and punches == [] and fast.rejected == 21


def _scratch_tables() -> list[str]:
    """The second connection's scratch tables (a test's transaction rolls back the drops of its own: those of
    earlier tests on the connection come back, and are compared with what was there before)."""
    with connection.cursor() as cur:
        cur.execute(r"SELECT relname FROM pg_class WHERE relname LIKE 'teams\_punch\_conv\_%'")
        return sorted(name for (name,) in cur.fetchall())


def test_a_failure_of_the_second_connection_leaves_nothing_behind(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a big sheet read in slices as text, converted on the import's second connection, whose server
    # process is ended (as by an administrator or a crash) when the third slice is handed to it
    _deployed(world)
    monkeypatch.setattr(spreadsheets, "STREAMED_FROM_BYTES", 0)
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", 1_200)
    rows = [
        ["某人", f"ding{i:06d}", "内科", "2023-03-01", "2023-03-01 08:00:00", "上班", "正常", "范围内", ""]
        for i in range(600)
    ]
    data = _xlsx(tmp_path, rows).getvalue()
    started: list[int] = []
    start = attendance._Converter.start

    def start_then_end_its_server(self: Any, block: Any) -> None:
        started.append(block.rows)
        if len(started) == 3:
            with psycopg2.connect(**connection.get_connection_params()) as other, other.cursor() as c:
                c.execute("SELECT pg_terminate_backend(%s)", [self.conn.get_backend_pid()])
        start(self, block)

    monkeypatch.setattr(attendance._Converter, "start", start_then_end_its_server)
    before = _scratch_tables()
    # when it is imported
    with pytest.raises(psycopg2.OperationalError):
        attendance_import(user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(data))
    # then the import failed as a whole: no punch, no record, no scratch table (two slices had been converted)
    assert len(started) == 3
    assert not AttendancePunch.objects.exists() and not AttendanceRecord.objects.exists()
    assert _scratch_tables() == before
    # and the same file imports whole afterwards
    monkeypatch.setattr(attendance._Converter, "start", start)
    done = attendance_import(user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(data))
    assert done.ok and done.inserted == 600 == AttendancePunch.objects.count()
    assert "server_second_convert" in done.timings and _scratch_tables() == before


def test_the_shapes_of_a_text_slice_are_the_forms_the_sql_conversion_takes() -> None:
    # the expressions judging a slice read as text take exactly the values _RawLane.shaped takes
    def shape(name: str) -> Any:
        return re.compile(attendance._SHAPES[name][0].encode()).fullmatch

    days = [
        f"{y}-{m:02d}-{d:02d}"
        for y in (1900, 1999, 2000, 2023, 2024, 2100, 2400)
        for m in range(0, 14)
        for d in range(0, 33)
    ]
    python_day = {d: bool(attendance._DATE_RE.fullmatch(d) and attendance._exists(d)) for d in days}
    assert {d: bool(shape("date")(d.encode())) for d in days} == python_day
    assert sum(python_day.values()) == 7 * 365 + 3  # 2000, 2024 and 2400 are leap years
    times = [
        f"{d} {t}" for d in days[::7] for t in ("00:00:00", "23:59:59", "24:00:00", "08:60:00", "8:00:00")
    ]
    python_time = {t: bool(attendance._TIMESTAMP_RE.fullmatch(t) and attendance._exists(t)) for t in times}
    assert {t: bool(shape("time")(t.encode())) for t in times} == python_time and any(python_time.values())
    assert shape("time")(b"") and shape("time")(b"--") and shape("date")(b"")
    kinds = ["上班", "下班", "上班打卡", "下班打卡", "签到", "上班 ", "", "下班打卡打卡"]
    assert [bool(shape("kind")(k.encode())) for k in kinds] == [k in attendance._KIND_SET for k in kinds]
    assert shape("userid")(b"d" * 64) and not shape("userid")(b"d" * 65) and not shape("userid")(b"")


def test_a_big_sheet_refused_while_read_is_refused_as_a_whole_after_row_errors(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a big sheet (here: every sheet) checked as it is read: a bad row first (in a block the row parser
    # reads at once: a number cell), a formula far below
    monkeypatch.setattr(spreadsheets, "STREAMED_FROM_BYTES", 0)
    monkeypatch.setattr(spreadsheets, "CHUNK_BYTES", 1_200)
    good = ["某人", "ding000009", "内科", "", "2023-03-01 08:00:00", "上班", "正常", "", ""]
    write_xlsx(
        tmp_path / "e.xlsx",
        [
            (
                "原始记录",
                [
                    ["原始记录"],
                    RAW_HEADER,
                    [good[0], good[1], 12345, *good[3:5], "签到", *good[6:]],
                    *[good] * 400,
                ],
            )
        ],
    )
    with zipfile.ZipFile(tmp_path / "e.xlsx") as old, zipfile.ZipFile(tmp_path / "bad.xlsx", "w") as new:
        for info in old.infolist():
            part = old.read(info)
            if info.filename.endswith("sheet1.xml"):
                part = part.replace(b'<c r="A400" ', b'<c r="K400"><f>1+1</f><v>2</v></c><c r="A400" ')
            new.writestr(info.filename, part)
    # when it is imported
    with pytest.raises(UploadError, match="公式"):
        attendance_import(
            user=world.users["alice"],
            hospital=world.recipient_a,
            f=io.BytesIO((tmp_path / "bad.xlsx").read_bytes()),
        )
    # then the file is refused as a whole (not reported as its one bad row), and nothing is stored
    assert AttendancePunch.objects.count() == 0


@pytest.mark.parametrize("order", ["by_day", "by_person"])
def test_a_reimport_restores_deleted_punches_and_adds_nothing_else(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: str
) -> None:
    # given 3 people's punches over 300 days, listed day by day (a batch holds a few days: stored punches
    # are anti-joined) or person by person (a batch spans more than MAX_SPAN_DAYS: ON CONFLICT alone)
    days = [dt.date(2023, 1, 1) + dt.timedelta(days=3 * i) for i in range(100)]
    people = [f"ding{p:06d}" for p in range(3)]
    pairs = (
        [(d, u) for d in days for u in people]
        if order == "by_day"
        else [(d, u) for u in people for d in days]
    )
    rows = [["某人", u, "内科", "", f"{d:%Y-%m-%d} 08:00:00", "上班", "正常", "", ""] for d, u in pairs]
    monkeypatch.setattr(attendance, "LOAD_BATCH", 40)
    monkeypatch.setattr(spreadsheets, "BLOCK_ROWS", 40)
    first = attendance_import(user=world.users["alice"], hospital=world.recipient_a, f=_xlsx(tmp_path, rows))
    stored = _stored()
    # when one person's March punches are deleted and the file is imported again
    march = AttendancePunch.objects.filter(userid="ding000001", work_date__month=3)
    deleted, _kinds = march.delete()
    again = attendance_import(user=world.users["alice"], hospital=world.recipient_a, f=_xlsx(tmp_path, rows))
    # then exactly the deleted punches come back, as they were, and the rest count as duplicates
    in_march = sum(d.month == 3 for d in days)
    assert first.inserted == 300 and deleted == in_march > 0
    assert (again.inserted, again.duplicates) == (in_march, 300 - in_march)
    assert _stored() == stored
