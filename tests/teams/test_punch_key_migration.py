"""Migration teams 0017: every stored punch's key recomputed as the import now computes it, so an export
imported before the migration adds nothing when imported again."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from devtools.dingtalk_samples import RAW_HEADER, SUMMARY_HEADER, write_xlsx
from teams.models import AttendancePunch
from teams.resources import AttendancePunchResource
from teams.services.attendance import attendance_import

BEFORE = [("teams", "0016_punch_no_per_row_checks")]

# One person's punches that differ only in what the key holds: the check type at the same second, a missed
# punch (no time) of each type on one day, a night shift's check-out after midnight.
RAW = [
    ["张三", "ding000001", "内科", "", "2023-03-01 08:01:00", "上班", "正常", "范围内", ""],
    ["张三", "ding000001", "内科", "", "2023-03-01 18:00:00", "下班", "正常", "范围内", ""],
    ["张三", "ding000001", "内科", "2023-03-02", "2023-03-02 12:00:00", "上班", "正常", "", ""],
    ["张三", "ding000001", "内科", "2023-03-02", "2023-03-02 12:00:00", "下班", "早退", "", ""],
    ["张三", "ding000001", "内科", "2023-03-03", "--", "上班", "缺卡", "", ""],
    ["张三", "ding000001", "内科", "2023-03-03", "--", "下班", "缺卡", "", ""],
    ["张三", "ding000001", "内科", "2023-03-04", "--", "上班", "缺卡", "", ""],
    ["张三", "ding000001", "内科", "", "2023-03-05 02:10:00", "下班", "补卡", "", "BK001"],
    ["李四", "ding000002", "外科", "", "2023-03-01 08:01:00", "上班", "正常", "", ""],
]
# And a 每日统计 export's leave and business-trip days (punches without a time, of their own types).
SUMMARY = [
    ["张三", "ding000001", "内科", "2023-03-06", "", "", "", "", "事假1天", ""],
    ["张三", "ding000001", "内科", "2023-03-07", "", "", "", "", "", "出差"],
    ["张三", "ding000001", "内科", "2023-03-08", "08:40", "迟到", "17:40", "正常", "", ""],
]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _md5_key(hospital_id: int, userid: str, day: dt.date, kind: str, at: dt.datetime | None) -> uuid.UUID:
    """The key the import computed before the migration (its _KEY_SQL, written here in Python)."""
    epoch = "" if at is None else str(round(at.timestamp()))
    text = "|".join([str(hospital_id), userid, day.isoformat(), kind, epoch])
    return uuid.UUID(hashlib.md5(text.encode()).hexdigest())


def _punches() -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, hospital_id, userid, work_date, kind, punched_at, key, name, result, approval_ref"
            " FROM teams_attendancepunch ORDER BY id"
        )
        return cur.fetchall()


@pytest.mark.django_db(transaction=True)
def test_keys_recomputed_by_the_migration_are_the_imports_so_a_reimport_adds_nothing(
    world: Any, tmp_path: Path
) -> None:
    raw = tmp_path / "raw.xlsx"
    summary = tmp_path / "summary.xlsx"
    write_xlsx(raw, [("原始记录", [["原始记录"], RAW_HEADER, *RAW])])
    write_xlsx(summary, [("每日统计", [["每日统计"], SUMMARY_HEADER, *SUMMARY])])
    hospital, user = world.recipient_a, world.users["alice"]
    for path in (raw, summary):
        assert attendance_import(user=user, hospital=hospital, f=io.BytesIO(path.read_bytes())).ok
    imported = _punches()
    assert len(imported) == 13 and {p[4] for p in imported} == {"on", "off", "leave", "trip"}
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # given the punches as they were stored before the migration (its reverse recomputes the md5 keys:
        # exactly those the import computed then)
        _migrate(BEFORE)
        before = _punches()
        assert [p[6] for p in before] == [_md5_key(*p[1:6]) for p in before]
        assert [p[:6] + p[7:] for p in before] == [p[:6] + p[7:] for p in imported]
    finally:
        # when migrating forward
        _migrate(leaves)
    # then every key is the one the import computes for that punch (and the bench baseline's row by row),
    # distinct, and nothing else changed
    after = _punches()
    assert after == imported
    assert [p[6] for p in after] == [AttendancePunchResource.key_for(p[4], p[5]) for p in after]
    # and both exports imported again add nothing; a new punch is still inserted
    for path in (raw, summary):
        again = attendance_import(user=user, hospital=hospital, f=io.BytesIO(path.read_bytes()))
        assert again.ok and again.inserted == 0 and again.duplicates > 0
    write_xlsx(
        raw,
        [("原始记录", [["原始记录"], RAW_HEADER, *RAW, RAW[0][:4] + ["2023-03-01 08:01:01", *RAW[0][5:]]])],
    )
    more = attendance_import(user=user, hospital=hospital, f=io.BytesIO(raw.read_bytes()))
    assert (more.inserted, more.duplicates) == (1, len(RAW))
    assert AttendancePunch.objects.count() == 14
