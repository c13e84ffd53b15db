"""DingTalk attendance imports: raw punches in bulk, matched to staff, attendance records derived set-based.

The path of a million punches: python-calamine (or csv) in blocks of rows, the next block read ahead by a
thread (``core.uploads.iter_row_blocks``; a big sheet's slices of plain inline strings come as COPY text,
made and judged by one regular expression, without calamine) → a 原始记录 block whose cells are all plain
text is COPYed as its cells into a temporary table and converted, checked and matched to staff by one SQL
statement; the rows it does not take (an unusual form, a bad cell), blocks holding numbers or dates, and
每日统计 exports go through the one row parser (``dingtalk.raw_punches`` / ``summary_punches``), which names
every error → per batch one ``INSERT … SELECT`` of the rows a hash anti-join with the stored punches of the
batch's days leaves, run by the server while this process reads the next block (``_Loader``); a punch stored
already that the anti-join let through raises the unique violation, and the import runs again with
``ON CONFLICT (hospital, day, userid, key) DO NOTHING`` → one ``INSERT … ON CONFLICT DO UPDATE`` that
derives AttendanceRecord rows for the days touched. Punches load in one transaction: a file with any
rejected row writes nothing, and a rerun of the same file (or a crashed job) inserts nothing twice because
every punch is keyed. Records derive in a second one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

import psycopg2.errors
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.access import User
from core.permissions import is_commission_staff, is_recipient_coordinator
from core.planner import whole_set_plan
from core.uploads import TextBlock, TextWidth, UploadError, check_upload, header_index, iter_row_blocks
from pairings.choices import HospitalRole
from pairings.models import Hospital
from teams.dingtalk import (
    MAX_ROW_ERRORS,
    NIGHT_SHIFT_CUTOFF,
    RAW_COLUMNS,
    RAW_REQUIRED,
    USERID_MAX_LENGTH,
    Punch,
    RowError,
    find_header,
    plain_text,
    raw_punches,
    summary_punches,
)
from teams.models import AttendancePunch, DingTalkIdentity, ImportJob, Staff

# Slices read as text are converted on a second connection of the import's own (_Converter) while the import's
# connection inserts the slice before: two server processes, one for each of the machine's cores. An import
# of a big sheet then holds two connections, and the database user needs CREATE on the schema (scratch tables
# teams_punch_conv_*). False: the import's connection only, as before.
SECOND_CONNECTION = True

# Punches per batch: stored by the server (COPY + keyed INSERT) while the next batch is read. Two batches are
# held at a time (~10 MB each as tuples and COPY text: the peak RSS stays under 300 MiB).
LOAD_BATCH = 20_000

_STAGING_SQL = """
CREATE TEMPORARY TABLE teams_punch_staging (
    row_no integer, userid text COLLATE "C", name text, department text, work_date date,
    punched_at timestamptz, kind text, result text, location_result text, approval_ref text, staff_id bigint
)
"""
# The (staff, day) pairs of the matched punches read: the days the derive step recomputes.
_TOUCHED_SQL = "CREATE TEMPORARY TABLE teams_punch_touched (staff_id bigint, work_date date)"
_IDENTITIES_SQL = f"""
SELECT i.userid, s.id
  FROM {DingTalkIdentity._meta.db_table} i JOIN {Staff._meta.db_table} s ON s.id = i.staff_id
 WHERE i.hospital_id = %s
   FOR KEY SHARE OF s
"""
# Unknown DingTalk ids and their punches, counted per batch for the summary.
_UNMATCHED_SQL = "CREATE TEMPORARY TABLE teams_punch_unmatched (userid text, n integer)"
# Rows of plain blocks that the SQL conversion does not take (an unusual date or time form, a bad cell):
# parsed afterwards by dingtalk.raw_punches, which names the errors.
_LEFTOVER_SQL = "CREATE TEMPORARY TABLE teams_punch_leftover (row_no integer PRIMARY KEY, cells text[])"
_LEFTOVER_PAGE_SQL = (
    "SELECT row_no, cells FROM teams_punch_leftover WHERE row_no > %s ORDER BY row_no LIMIT %s"
)
_TEMP_TABLES = (
    "teams_punch_staging, teams_punch_touched, teams_punch_unmatched, teams_punch_leftover, teams_punch_raw"
)

# The key is computed in SQL from the punch's identity, not its row number: overlapping exports collide.
# The unique index is (hospital, day, userid, key), so the key only has to tell apart a person's punches of
# one day: the punch time in whole seconds and the check type, packed into a bigint (time × 4 + type; no
# time: a value below every time's). It was md5(hospital, userid, day, type, time) as a uuid, whose text and
# digest cost ~2.8 CPU-seconds a million computed alone (PostgreSQL 15 with OpenSSL 3 fetches the digest on
# every call; this formula ~0.1), for nothing the index's other columns did not say already. Migration
# teams 0017 recomputed every stored punch's key with this formula (the same seconds rounding as the md5's
# text, so the same punches collide). The types are PunchKind's; another type has no key (NOT NULL refuses).
_KEY_SQL = (
    "coalesce(extract(epoch FROM s.punched_at)::bigint * 4, -4611686018427387904)"
    " + CASE s.kind WHEN 'on' THEN 0 WHEN 'off' THEN 1 WHEN 'leave' THEN 2 WHEN 'trip' THEN 3 END"
)

# Of a batch, only punches not stored before reach the unique index: the stored punches of the batch's days
# are read as one range of the day-first unique index and anti-joined with the batch (a re-import of a million
# punches probed the index once per punch: 9 s of its 14.8 s were those probes). The anti-join compares what
# the key holds (day, userid, check type, time: the hospital is the range's), so the key is computed only for
# the punches that are new. It only filters: ON CONFLICT stays behind it as the arbiter, for a row repeated
# inside the file (it conflicts with its first copy, both count as duplicates, no DISTINCT needed), for a
# concurrent import of the same hospital, whose uncommitted punches the anti-join cannot see, and for times
# the key rounds to the same second. ON CONFLICT is only added on a second attempt (``arbiter``): a
# speculative insertion probes the unique index once more per row and marks the row confirmed after (~3 of
# ~11 server CPU-seconds of a first million). The first attempt inserts plainly; a punch it finds stored (one
# of the cases above) raises a unique violation, and the whole import runs again with the arbiter
# (attendance_import).
# Only days up to the hospital's last day stored before the import are read
# (``stored_until``): a first import, or a month after the last one, reads nothing (the anti-join with the
# punches of the import's own earlier batches cost ~4-8 s of a first million). A batch spanning more than
# MAX_SPAN_DAYS (an export sorted by person) skips the anti-join: its days' range could be the hospital's
# whole history, and ON CONFLICT decides alone. staff_id was matched by DingTalk id when the batch was written
# (the hospital's identities, read once at the start). Inserted in the order of the unique index: the pages of
# a batch's days are walked once. The span is two scalar subqueries, computed once (joined, it was recomputed
# for every stored punch of a plan made on stale statistics). Planned without nested loops (_load_punches):
# the staging table has no statistics and the punches' describe the table before the import, on which probing
# the index once per row looks cheap.
MAX_SPAN_DAYS = 62
_INSERT_SQL = f"""
WITH span AS (
  SELECT min(work_date) AS lo, least(max(work_date), %(stored_until)s::date) AS hi FROM teams_punch_staging
  HAVING max(work_date) - min(work_date) <= {MAX_SPAN_DAYS} AND %(stored_until)s::date IS NOT NULL
)
INSERT INTO teams_attendancepunch
    (key, hospital_id, job_id, userid, name, department, work_date, punched_at, kind, result,
     location_result, approval_ref, staff_id)
SELECT {_KEY_SQL} AS key, %(hospital)s, %(job)s, s.userid, left(s.name, 40), left(s.department, 80),
       s.work_date, s.punched_at, s.kind, left(s.result, 16), left(s.location_result, 16),
       left(s.approval_ref, 64), s.staff_id
  FROM teams_punch_staging s
 WHERE NOT EXISTS (
   SELECT FROM teams_attendancepunch p
    WHERE p.hospital_id = %(hospital)s
      AND p.work_date BETWEEN (SELECT lo FROM span) AND (SELECT hi FROM span)
      AND p.work_date = s.work_date AND p.userid = s.userid AND p.kind = s.kind
      AND p.punched_at IS NOT DISTINCT FROM s.punched_at
 )
 ORDER BY s.work_date, s.userid, key
"""
_UNIQUE_KEY = "punch_unique_day_key"
_ARBITER_SQL = "\nON CONFLICT (hospital_id, work_date, userid, key) DO NOTHING"
_TOUCH_SQL = """
INSERT INTO teams_punch_touched
SELECT DISTINCT staff_id, work_date FROM teams_punch_staging WHERE staff_id IS NOT NULL
"""
_COUNT_UNMATCHED_SQL = """
INSERT INTO teams_punch_unmatched
SELECT userid, count(*) FROM teams_punch_staging WHERE staff_id IS NULL GROUP BY userid
"""

# --- the SQL conversion of plain 原始记录 blocks ------------------------------------------------------------
#
# A block whose cells are all plain text (dingtalk.plain_text) is copied as it is into teams_punch_raw, one
# text column per sheet column, and converted here in one statement: the Python work per row (reading cells,
# building punches, formatting COPY text) was the import's bottleneck. Only the usual DingTalk forms are taken
# (ISO dates, 'YYYY-MM-DD HH:MM:SS' times, the four punch types, a UserId), each converted exactly as
# dingtalk.raw_punches converts it; every other row goes to teams_punch_leftover and through that parser, so
# what is accepted, how it is read and the errors (row, column, why) stay those of one parser.
# Casts only run inside CASE branches whose pattern has matched: a plain AND may be evaluated in any order.

_ON_KINDS = "('上班', '上班打卡')"
_KINDS = "('上班', '下班', '上班打卡', '下班打卡')"
_NO_TIME = "('', '--')"


_ISO_DATE = "[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_ISO_TIMESTAMP = f"{_ISO_DATE} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"


def _real_day(x: str) -> str:
    """SQL: the first ten characters of ``x`` (already shaped YYYY-MM-DD) name a day that exists."""
    day, dd = f"left({x}, 10)", f"substr({x}, 9, 2)"
    real = f"to_char((left({x}, 8) || '01')::date + ({dd}::int - 1), 'YYYY-MM-DD') = {day}"
    return f"({dd} COLLATE \"C\" <= '28' OR {real})"  # every month has a 28th


def _is_date(x: str) -> str:
    """SQL: ``x`` is an existing day written YYYY-MM-DD (what parse_date reads of that form)."""
    return f"(CASE WHEN {x} ~ '^{_ISO_DATE}$' THEN {_real_day(x)} ELSE false END)"


def _is_timestamp(x: str) -> str:
    """SQL: ``x`` is 'YYYY-MM-DD HH:MM:SS' of an existing day and time (what fromisoformat reads)."""
    return f"(CASE WHEN {x} ~ '^{_ISO_TIMESTAMP}$' THEN {_real_day(x)} ELSE false END)"


# The same forms, judged in Python on a block's distinct values ([0-9]: \\d takes other scripts' digits).
_DATE_RE = re.compile(_ISO_DATE)
_TIMESTAMP_RE = re.compile(_ISO_TIMESTAMP)
_KIND_SET = frozenset({"上班", "下班", "上班打卡", "下班打卡"})

# And as the shapes of a slice read as text (core.spreadsheets.TextWidth.shapes), judged by the expression
# that reads it: a day that exists (the months' lengths, 29 February of leap years) and the rest as above.
# tests/teams/test_attendance_import.py checks them against the Python judgement.
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_YEAR = "(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[13579][26]|[2468][048])00)"
_REAL_DATE = f"(?:[1-9][0-9]{{3}}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_REAL_TIMESTAMP = f"{_REAL_DATE} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_SHAPES = {
    "userid": (f"[^<]{{1,{USERID_MAX_LENGTH}}}+", True),  # bytes: at most as many characters
    "kind": ("|".join(sorted(_KIND_SET, key=len, reverse=True)), True),
    "time": (f"(?:--|{_REAL_TIMESTAMP})?", False),
    "date": (f"(?:{_REAL_DATE})?", False),
}


def _exists(value: str) -> bool:
    """The day of a 'YYYY-MM-DD…' value exists (the form was matched already)."""
    try:
        dt.date(int(value[:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class _RawLane:
    """The statements converting plain blocks of one export (its columns found by the header).

    ``shaped`` accepts a block whose UserId, 打卡类型, 打卡时间 and date cells all have the usual form,
    judged here on their distinct values; such a block is converted by ``convert_shaped``, which checks
    nothing more: the server's regular expressions were a third of its time, and the server is the slower
    side.
    """

    width: int
    c_user: int
    c_kind: int
    c_time: int
    c_dates: tuple[int, ...]
    c_text: tuple[int, ...]  # the columns stored as text (checked for whitespace to strip)
    shapes: dict[int, tuple[bytes, bool]]  # the usual forms of a slice read as text, by column
    convert: str  # INSERT INTO teams_punch_staging … FROM teams_punch_raw WHERE <taken>
    convert_shaped: str  # the same for a block that ``shaped`` accepted
    out: str  # SELECT the rows ``convert`` inserts: a slice converted by _Converter
    out_shaped: str  # the same for a block that ``shaped`` accepted
    leave: str  # INSERT INTO teams_punch_leftover … WHERE NOT <taken>

    @classmethod
    def for_header(cls, header: list[Any]) -> _RawLane:
        cols = header_index(header, RAW_COLUMNS, RAW_REQUIRED)

        def col(field: str) -> str | None:
            return f"r.c{cols[field]}" if field in cols else None

        user, kind, at = f"r.c{cols['userid']}", f"r.c{cols['kind']}", f"r.c{cols['time']}"
        day, work = col("date"), col("work_date")

        def taken(shaped: bool) -> str:
            checks = []
            if not shaped:
                checks = [
                    f"{user} <> ''",
                    f"length({user}) <= {USERID_MAX_LENGTH}",
                    f"{kind} IN {_KINDS}",
                    f"({at} IN {_NO_TIME} OR {_is_timestamp(at)})",
                ]
            dated = [f"{at} NOT IN {_NO_TIME}"]
            for c in (day, work):
                if c is not None:
                    if not shaped:
                        checks.append(f"({c} = '' OR {_is_date(c)})")
                    dated.append(f"{c} <> ''")
            checks.append("(" + " OR ".join(dated) + ")")  # else: 无打卡时间也无日期
            return " AND ".join(checks)

        # 考勤日期 when given; else the punch's day, a 下班 punch before 05:00 (dingtalk.NIGHT_SHIFT_CUTOFF)
        # belonging to the day before; else the 日期 column.
        work_date = (
            ("CASE " + (f"WHEN {work} <> '' THEN {work}::date " if work else ""))
            + f"WHEN {at} NOT IN {_NO_TIME} THEN left({at}, 10)::date - CASE WHEN {kind} NOT IN {_ON_KINDS}"
            f" AND substr({at}, 12) COLLATE \"C\" < '{NIGHT_SHIFT_CUTOFF:%H:%M:%S}' THEN 1 ELSE 0 END "
            + (f"ELSE {day}::date " if day else "")
            + "END"
        )

        def text(field: str) -> str:
            return col(field) or "''"

        # Every value named and cast as its staging column: ``out`` makes a table of its own (_Converter).
        select = f"""
SELECT (%(first)s + r.n - 1)::integer AS row_no, {user}::text COLLATE "C" AS userid,
       {text("name")}::text AS name, {text("department")}::text AS department,
       ({work_date})::date AS work_date,
       CASE WHEN {at} IN {_NO_TIME} THEN NULL ELSE ({at} || '+08')::timestamptz END AS punched_at,
       (CASE WHEN {kind} IN {_ON_KINDS} THEN 'on' ELSE 'off' END)::text AS kind,
       {text("result")}::text AS result, {text("location")}::text AS location_result,
       {text("approval")}::text AS approval_ref, (%(staff)s::jsonb ->> {user})::bigint AS staff_id
  FROM teams_punch_raw r
 WHERE """
        convert = f"""
INSERT INTO teams_punch_staging
    (row_no, userid, name, department, work_date, punched_at, kind, result, location_result, approval_ref,
     staff_id){select}"""
        cells = ", ".join(f"r.c{i}" for i in range(len(header)))
        leave = f"""
INSERT INTO teams_punch_leftover
SELECT %(first)s + r.n - 1, ARRAY[{cells}] FROM teams_punch_raw r WHERE NOT ({taken(False)})
"""
        dates = tuple(cols[name] for name in ("date", "work_date") if name in cols)
        shapes = {cols[field]: _SHAPES[field] for field in ("userid", "kind", "time")}
        shapes.update({c: _SHAPES["date"] for c in dates})
        stored = ("userid", "name", "department", "result", "location", "approval")
        return cls(
            width=len(header),
            c_user=cols["userid"],
            c_kind=cols["kind"],
            c_time=cols["time"],
            c_dates=dates,
            c_text=tuple(cols[name] for name in stored if name in cols),
            shapes={c: (shape.encode(), required) for c, (shape, required) in shapes.items()},
            convert=convert + taken(False),
            convert_shaped=convert + taken(True),
            out=select + taken(False),
            out_shaped=select + taken(True),
            leave=leave,
        )

    def shaped(self, block: list[list[str]]) -> bool:
        """Whether every UserId (not empty, not too long), 打卡类型, 打卡时间 and date cell of a plain
        block has the usual form (and its day exists), judged on the block's distinct values: a few hundred,
        where the rows are thousands."""
        users = {row[self.c_user] for row in block}
        if "" in users or max(map(len, users)) > USERID_MAX_LENGTH:
            return False
        if not {row[self.c_kind] for row in block} <= _KIND_SET:
            return False
        for at in {row[self.c_time] for row in block} - {"", "--"}:
            if not (_TIMESTAMP_RE.fullmatch(at) and _exists(at)):
                return False
        for c in self.c_dates:
            for day in {row[c] for row in block} - {""}:
                if not (_DATE_RE.fullmatch(day) and _exists(day)):
                    return False
        return True

    def create_sql(self) -> str:
        cells = ", ".join(f"c{i} text" for i in range(self.width))
        return f"CREATE TEMPORARY TABLE teams_punch_raw (n integer GENERATED BY DEFAULT AS IDENTITY, {cells})"

    def copy_sql(self, *, numbered: bool = False) -> str:
        """COPY of a block's cells: numbered by the table (row n of the block), or by the text (the row's
        number as its first field: a TextBlock)."""
        cells = ", ".join(f"c{i}" for i in range(self.width))
        return f"COPY teams_punch_raw ({'n, ' if numbered else ''}{cells}) FROM STDIN"


# One record per deployment and day: first punch = check-in, last = check-out; approvals kept. Only days
# touched by ``touched`` are recomputed; a manual record is never overwritten by an import.
_DERIVE_SQL = """
WITH touched AS MATERIALIZED ({touched}),
agg AS (
  SELECT d.id AS deployment_id, p.work_date,
         min(p.punched_at) FILTER (WHERE p.kind IN ('on', 'off')) AS first_at,
         max(p.punched_at) FILTER (WHERE p.kind IN ('on', 'off')) AS last_at,
         count(p.punched_at) FILTER (WHERE p.kind IN ('on', 'off')) AS n,
         bool_or(p.kind = 'leave') AS on_leave,
         bool_or(p.kind = 'trip') AS on_trip,
         bool_or(p.result IN ('迟到', '严重迟到')) AS late,
         bool_or(p.result = '早退') AS early,
         string_agg(DISTINCT NULLIF(p.approval_ref, ''), ',') AS refs
    FROM teams_attendancepunch p
    JOIN touched t ON t.staff_id = p.staff_id AND t.work_date = p.work_date
    JOIN teams_deployment d ON d.staff_id = p.staff_id AND d.period @> p.work_date
    JOIN teams_team tm ON tm.id = d.team_id
    JOIN pairings_pairing pr ON pr.id = tm.pairing_id AND pr.recipient_id = p.hospital_id
   WHERE p.hospital_id = %(hospital)s
     AND p.staff_id IS NOT NULL  -- implied by the join; said so that the partial index punch_staff_day serves
   GROUP BY d.id, p.work_date
)
INSERT INTO teams_attendancerecord
    (deployment_id, date, check_in, check_out, status, source, approval_ref, note, created_at, updated_at)
SELECT deployment_id, work_date, first_at, CASE WHEN n > 1 THEN last_at END,
       CASE WHEN on_leave AND n < 2 THEN 'leave'
            WHEN on_trip AND n < 2 THEN 'business_trip'
            WHEN n < 2 THEN 'missing_punch'
            WHEN late THEN 'late'
            WHEN early THEN 'early_leave'
            ELSE 'present' END,
       'dingtalk', left(coalesce(refs, ''), 64), '', now(), now()
  FROM agg
ON CONFLICT (deployment_id, date) DO UPDATE
   SET check_in = EXCLUDED.check_in, check_out = EXCLUDED.check_out, status = EXCLUDED.status,
       approval_ref = EXCLUDED.approval_ref, updated_at = now()
 WHERE teams_attendancerecord.source = 'dingtalk'
   AND (teams_attendancerecord.check_in, teams_attendancerecord.check_out, teams_attendancerecord.status,
        teams_attendancerecord.approval_ref)
       IS DISTINCT FROM (EXCLUDED.check_in, EXCLUDED.check_out, EXCLUDED.status, EXCLUDED.approval_ref)
"""

# Days to recompute: (staff, day) pairs of the punches read whose DingTalk id is known (collected batch by
# batch, not read back from the million punches); MATERIALIZED keeps the planner from re-planning it per row.
_TOUCHED_BY_IMPORT = "SELECT DISTINCT staff_id, work_date FROM teams_punch_touched"

_TOUCHED_BY_USERID = """
  SELECT DISTINCT p.staff_id, p.work_date FROM teams_attendancepunch p
   WHERE p.hospital_id = %(hospital)s AND p.userid = %(userid)s AND p.staff_id IS NOT NULL
"""


@dataclasses.dataclass
class ImportSummary:
    rows_read: int = 0
    inserted: int = 0
    duplicates: int = 0
    unmatched: int = 0
    unmatched_users: int = 0
    rejected: int = 0
    records: int = 0
    dry_run: bool = False
    errors: list[str] = dataclasses.field(default_factory=list)
    # Wall seconds per phase (checks, load = read + parse + store, of which waiting for the server, analyze,
    # commit, derive): what the benchmark reports.
    timings: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ("errors", "timings")}


def check_can_import_attendance(*, user: User, hospital: Hospital) -> None:
    """Recipient coordinators import their own hospital's export; commission staff any recipient in scope."""
    if hospital.role != HospitalRole.RECIPIENT:
        raise PermissionDenied(_("只能为受援医院导入考勤。"))
    if is_recipient_coordinator(user, hospital_id=hospital.pk):
        return
    if is_commission_staff(user) and Hospital.objects.for_user(user).filter(pk=hospital.pk).exists():
        return
    raise PermissionDenied(_("无权为该医院导入考勤。"))


def _copy_value(v: Any) -> str:
    if v is None:
        return "\\N"
    s = v if isinstance(v, str) else v.isoformat()
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def _copy_text(batch: list[Punch], staff: list[int | None], days: dict[dt.date, str]) -> str:
    """COPY text lines of ``batch`` (with each punch's matched staff), escaped only in the rare batch that
    needs it: a tab, newline or backslash inside a cell makes one of the counts on the whole text differ.

    Dates and times are formatted once each (``days`` for the whole import, times per batch): an export
    repeats the same days and minutes, and isoformat() costs ~0.5-0.9 µs a call.
    """
    nul = "\\N"
    times: dict[dt.datetime, str] = {}
    day = [days.get(p[4]) or days.setdefault(p[4], p[4].isoformat()) for p in batch]
    at = [
        nul if p[5] is None else times.get(p[5]) or times.setdefault(p[5], p[5].isoformat(" ") + "+08")
        for p in batch
    ]
    text = "".join(
        f"{p[0]}\t{p[1]}\t{p[2]}\t{p[3]}\t{d}\t{t}\t{p[6]}\t{p[7]}\t{p[8]}\t{p[9]}\t"
        f"{nul if s is None else s}\n"
        for p, d, t, s in zip(batch, day, at, staff, strict=True)
    )
    n = len(batch)
    nulls = at.count(nul) + staff.count(None)  # one backslash each
    if text.count("\\") != nulls or "\r" in text or text.count("\t") != 10 * n or text.count("\n") != n:
        text = "".join(
            f"{p[0]}\t{_copy_value(p[1])}\t{_copy_value(p[2])}\t{_copy_value(p[3])}\t{d}\t{t}\t{p[6]}\t"
            f"{_copy_value(p[7])}\t{_copy_value(p[8])}\t{_copy_value(p[9])}\t{nul if s is None else s}\n"
            for p, d, t, s in zip(batch, day, at, staff, strict=True)
        )
    return text


class _Loader:
    """Stores batches of punches through the import's connection from a second thread.

    The server copies a batch into the staging table (as punches, or as a plain block's cells that one
    statement converts), inserts it keyed into the punches and notes its matched days and unknown ids, while
    this process reads the next block: psycopg2 releases the GIL while it waits for the server, so both
    cores work. One batch at a time (``submit`` first waits for the one before), and the connection is only
    used by the thread while it runs. Same transaction, same statements as one big batch.
    """

    def __init__(
        self,
        cur: Any,
        params: dict[str, Any],
        identities: dict[str, int],
        lane: _RawLane | None = None,
        *,
        arbiter: bool = False,
        scratch: str = "",
    ) -> None:
        self.conn = cur.cursor.connection  # the psycopg2 connection under Django's wrapper
        self.params = params
        self.insert_sql = _INSERT_SQL + _ARBITER_SQL if arbiter else _INSERT_SQL
        self.lane = lane
        # The hospital's DingTalk ids (read once) as one jsonb value: a plain block's punches find their
        # staff by a key lookup in it, no join for the planner to misjudge on a staging table without stats.
        self.staff = json.dumps(identities)
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.staged = 0  # punches read (staged) so far
        self.inserted = 0
        self.waited = 0.0  # seconds this process waited for the server
        self.server: dict[str, float] = {}  # seconds per statement kind, summed over the batches
        # Slices read as text are converted on a second connection first (_Converter), when there is one.
        self.converter: _Converter | None = None
        self.prefix = scratch

    def submit(self, text: str, *, punches: int) -> None:
        """Store ``punches`` punches given as COPY text of the staging table."""
        self.flush()
        self._start(self._store_punches, text, punches)

    def submit_plain(self, text: str, *, first_row: int, rows: int, shaped: bool) -> None:
        """Store a plain block (dingtalk.plain_text) whose first row is spreadsheet row ``first_row``."""
        self.flush()
        self._start(self._store_plain, text, first_row, rows, shaped)

    def submit_text(self, block: TextBlock) -> None:
        """Store a slice read as text (its lines carry their row numbers); the server checks its forms
        unless every cell had its shape (_RawLane.shapes).

        With a converter, the slice is converted on its connection while this one stores the slice before
        (three stages: this process reads slice n + 2, the converter converts n + 1, the import's connection
        inserts n)."""
        if self.converter is None and SECOND_CONNECTION and self.lane is not None and self.prefix:
            self.converter = _Converter(self.lane, self.staff, self.prefix)
        if self.converter is None:
            self._start(self._store_plain, block.text, 1, block.rows, block.shaped, True)
            return
        done = self.converter.take()
        self.converter.start(block)
        if done is not None:
            self._store_converted(*done)

    def _store_converted(self, block: TextBlock, rows: str | None) -> None:
        if rows is None:  # a row the conversion does not take: the slice as a whole, the usual way
            self._start(self._store_plain, block.text, 1, block.rows, block.shaped, True)
        else:
            self._start(self._store_converted_table, rows, block.rows)

    def flush(self) -> None:
        """Hand the slice being converted to the loader: before anything else is stored (row order kept)."""
        if self.converter is not None and (done := self.converter.take()) is not None:
            self._store_converted(*done)

    def _start(self, target: Callable[..., str | None], *args: Any) -> None:
        self._join_loader()
        self.thread = threading.Thread(
            target=self._run, args=(target, *args), name="punch-loader", daemon=True
        )
        self.thread.start()

    def join(self) -> None:
        """Wait for every batch given to be stored; raise what storing (or converting) it raised."""
        self.flush()
        self._join_loader()

    def _join_loader(self) -> None:
        self._wait_loader()
        if self.error is not None:
            raise self.error

    def wait(self) -> None:
        """Wait for the batch being converted and the one being stored (before the connection is used or
        the transaction ends), raising nothing."""
        if self.converter is not None:
            self.converter.wait()
        self._wait_loader()

    def close(self) -> None:
        """Wait as ``wait`` does and close the converter's connection (its temporary table goes with it)."""
        self.wait()
        if self.converter is not None:
            self.server.update(self.converter.server)
            self.converter.close()

    def _wait_loader(self) -> None:
        if self.thread is not None:
            clock = time.perf_counter()
            self.thread.join()
            self.waited += time.perf_counter() - clock
            self.thread = None

    def _run(self, target: Callable[..., str | None], *args: Any) -> None:
        try:
            with self.conn.cursor() as c:
                # The staging table, or the table a converter made of the slice.
                source = target(c, *args)

                def sql(text: str) -> str:
                    return text if source is None else text.replace("teams_punch_staging", source)

                self._timed("insert", c, sql(self.insert_sql), self.params)
                self.inserted += c.rowcount
                self._timed("touch", c, sql(_TOUCH_SQL))
                self._timed("unmatched", c, sql(_COUNT_UNMATCHED_SQL))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread by join()
            self.error = exc

    def _timed(self, step: str, c: Any, sql: str, params: Any = None) -> None:
        """Run one statement, adding its seconds to ``server[step]`` (the benchmark prints them)."""
        clock = time.perf_counter()
        c.execute(sql, params)
        self.server[step] = self.server.get(step, 0.0) + time.perf_counter() - clock

    def _copy(self, c: Any, sql: str, text: str) -> None:
        clock = time.perf_counter()
        # One read of the whole batch: each read needs the GIL, which the parsing thread holds.
        c.copy_expert(sql, io.StringIO(text), size=len(text) + 1)
        self.server["copy"] = self.server.get("copy", 0.0) + time.perf_counter() - clock

    def _store_punches(self, c: Any, text: str, punches: int) -> None:
        c.execute("TRUNCATE teams_punch_staging")
        self._copy(c, "COPY teams_punch_staging FROM STDIN", text)
        self.staged += punches

    def _store_converted_table(self, c: Any, table: str, punches: int) -> str:
        self.staged += punches
        return table

    def _store_plain(
        self, c: Any, text: str, first_row: int, rows: int, shaped: bool, numbered: bool = False
    ) -> None:
        assert self.lane is not None
        params = {**self.params, "first": first_row, "staff": self.staff}
        c.execute("TRUNCATE teams_punch_staging, teams_punch_raw RESTART IDENTITY")
        self._copy(c, self.lane.copy_sql(numbered=numbered), text)
        self._timed("convert", c, self.lane.convert_shaped if shaped else self.lane.convert, params)
        taken = c.rowcount
        self.staged += taken
        if taken < rows:
            self._timed("leftover", c, self.lane.leave, params)


class _Converter:
    """Converts slices read as text on a second connection while the import's connection inserts the slice
    before: the server was the import's slower side, and it worked on one core (issue 18).

    The slice is COPYed into this connection's own temporary table and converted into an unlogged table of
    its own (``CREATE UNLOGGED TABLE … AS`` the rows the conversion would stage: _RawLane.out), committed at
    once; the import's connection inserts from that table as it did from its staging table, in its one
    transaction, so the import's connection no longer copies or converts these slices. Nothing the import
    keeps is written here: a failure here (raised in the import's thread by ``take``) or a rolled-back
    import leaves only these scratch tables, which ``drop_converted`` removes after the import's transaction
    ends (and, for an import whose process died, the next import). A slice with a row the conversion does
    not take comes back as None and is stored the usual way (its leftover rows go through the row parser).
    """

    def __init__(self, lane: _RawLane, staff: str, prefix: str) -> None:
        self.conn = connection.get_new_connection(connection.get_connection_params())
        self.conn.autocommit = True
        with self.conn.cursor() as c:
            # Scratch tables: no flush to disk awaited at each commit (the import's own commit flushes the
            # log up to its end), no JIT for statements this small.
            c.execute("SET synchronous_commit = off")
            c.execute("SET jit = off")
            c.execute(lane.create_sql())
            # A text slice's lines carry their row numbers: ``first`` is 1.
            params = {"first": 1, "staff": staff}
            self.out = c.mogrify(lane.out, params).decode()
            self.out_shaped = c.mogrify(lane.out_shaped, params).decode()
        self.copy_in = lane.copy_sql(numbered=True)
        self.prefix = prefix
        self.made = 0
        self.thread: threading.Thread | None = None
        self.result: tuple[TextBlock, str | None] | None = None
        self.error: BaseException | None = None
        self.server: dict[str, float] = {}

    def start(self, block: TextBlock) -> None:
        assert self.thread is None
        self.thread = threading.Thread(target=self._run, args=(block,), name="punch-converter", daemon=True)
        self.thread.start()

    def take(self) -> tuple[TextBlock, str | None] | None:
        """The slice converted last and its table (None: convert it the usual way); raise what converting
        it raised."""
        clock = time.perf_counter()
        self.wait()
        self.server["second_waited"] = self.server.get("second_waited", 0.0) + time.perf_counter() - clock
        if self.error is not None:
            raise self.error
        done, self.result = self.result, None
        return done

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None

    def close(self) -> None:
        self.wait()
        self.conn.close()

    def _run(self, block: TextBlock) -> None:
        try:
            table = f"{self.prefix}{self.made}"
            self.made += 1
            with self.conn.cursor() as c:
                c.execute("TRUNCATE teams_punch_raw")
                clock = time.perf_counter()
                c.copy_expert(self.copy_in, io.StringIO(block.text), size=len(block.text) + 1)
                self.server["second_copy"] = self.server.get("second_copy", 0.0) + time.perf_counter() - clock
                clock = time.perf_counter()
                c.execute(f"CREATE UNLOGGED TABLE {table} AS {self.out_shaped if block.shaped else self.out}")
                taken = c.rowcount
                if taken != block.rows:
                    c.execute(f"DROP TABLE {table}")
                self.server["second_convert"] = (
                    self.server.get("second_convert", 0.0) + time.perf_counter() - clock
                )
            self.result = (block, table if taken == block.rows else None)
        except BaseException as exc:  # noqa: BLE001 - raised again in the import's thread by take()
            self.error = exc


# The converters' tables of an import's attempt (teams_punch_conv_<the import's backend pid>_<attempt>_<n>),
# and, with %(orphans)s, those of imports whose connection is gone (a process that died mid-import).
_CONVERTED_TABLES_SQL = r"""
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
   AND c.relname LIKE 'teams\_punch\_conv\_%%'
   AND (left(c.relname, length(%(prefix)s)) = %(prefix)s
        OR %(orphans)s AND split_part(c.relname, '_', 4) NOT IN (
             SELECT pid::text FROM pg_stat_activity WHERE pid IS NOT NULL))
"""


def _scratch_prefix(cur: Any) -> str:
    """Scratch tables of one attempt are named by the import's backend (whose end makes them orphans) and
    the attempt: its tables are dropped only when its transaction ends."""
    cur.execute("SELECT pg_backend_pid()")
    return f"teams_punch_conv_{cur.fetchone()[0]}_{secrets.token_hex(4)}_"


def drop_converted(cur: Any, *, prefix: str) -> None:
    """Drop the converters' scratch tables (_Converter) of an attempt, once its transaction has ended (its
    reads hold their locks until then), and those left by a dead import. Not the dead's inside a transaction
    (an import called in one, as by the tests): a drop rolled back there would bring them back, and each
    later import would lock them all again."""
    orphans = not connection.in_atomic_block
    cur.execute(_CONVERTED_TABLES_SQL, {"prefix": prefix, "orphans": orphans})
    tables = [name for (name,) in cur.fetchall()]
    # A few tables a statement: each dropped table is locked (with its TOAST table and index) until the
    # statement's transaction ends, and the lock table is shared (max_locks_per_transaction per connection).
    for i in range(0, len(tables), _DROP_AT_ONCE):
        cur.execute(
            "DROP TABLE IF EXISTS " + ", ".join(f'"{name}"' for name in tables[i : i + _DROP_AT_ONCE])
        )


_DROP_AT_ONCE = 16


def derive_records(*, hospital_id: int, userid: str | None = None) -> int:
    """(Re)compute attendance records of the days touched by the import, or of one DingTalk user."""
    touched = _TOUCHED_BY_USERID if userid is not None else _TOUCHED_BY_IMPORT
    # Planned without nested loops (core.planner): with statistics of small tables taken at the wrong moment
    # the join of the punches with the deployments was estimated at one row and the touched days scanned
    # once for each of its 20,000 rows (17-20 s instead of ~1 s for a million-punch import's 10,000 days).
    with whole_set_plan() as cur:
        cur.execute(_DERIVE_SQL.format(touched=touched), {"hospital": hospital_id, "userid": userid})
        return int(cur.rowcount)


def attendance_import(
    *,
    user: User | None,
    hospital: Hospital,
    f: IO[bytes],
    name: str = "",
    dry_run: bool = False,
    job_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    check_permission: bool = True,
) -> ImportSummary:
    """Import a DingTalk export (原始记录 or 每日统计) for a recipient hospital.

    All or nothing for the punches: a file with any rejected row stores none. Records are derived right
    after, in a second transaction (rerunning the import completes it).

    Feeds ATTENDANCE_RATE (RuleParams.attendance_threshold) through the derived AttendanceRecord rows.
    File-level problems raise UploadError; row problems come back in ``summary.errors``.
    """
    if check_permission:
        if user is None:
            raise PermissionDenied(_("无权导入考勤。"))
        check_can_import_attendance(user=user, hospital=hospital)
    clock = time.perf_counter()
    kind = check_upload(f, name)
    checks = time.perf_counter() - clock
    with connection.cursor() as cur:
        # Session temp tables (not ON COMMIT DROP): the touched days outlive the punch transaction for the
        # derive one.
        cur.execute(f"DROP TABLE IF EXISTS {_TEMP_TABLES}")
        cur.execute(_STAGING_SQL)
        cur.execute(_TOUCHED_SQL)
        cur.execute(_UNMATCHED_SQL)
        cur.execute(_LEFTOVER_SQL)
        try:
            # Plainly inserted first; when a punch proves stored already (a file repeating a punch, a
            # re-import of an export sorted by person, a concurrent import of the hospital), once more from
            # the start with the arbiter, the first attempt rolled back (_INSERT_SQL).
            retried = 0.0
            for arbiter in (False, True):
                summary = ImportSummary(dry_run=dry_run)
                summary.timings["checks"] = checks
                if arbiter:
                    summary.timings["first_attempt"] = retried  # the seconds the plain attempt ran
                errors: list[RowError] = []
                clock = time.perf_counter()
                scratch = _scratch_prefix(cur)
                try:
                    with transaction.atomic():
                        done = _load_punches(
                            cur,
                            summary,
                            errors,
                            f,
                            kind,
                            hospital,
                            job_id,
                            progress,
                            dry_run,
                            arbiter,
                            scratch,
                        )
                        clock = time.perf_counter()
                except psycopg2.errors.UniqueViolation as exc:
                    if arbiter or exc.diag.constraint_name != _UNIQUE_KEY:
                        raise
                    retried = time.perf_counter() - clock
                    continue
                finally:
                    drop_converted(cur, prefix=scratch)  # once the attempt's transaction has ended
                break
            summary.timings["commit"] = time.perf_counter() - clock
            if done and not dry_run:
                # Its own transaction: the audit trigger on AttendanceRecord (pghistory) costs ~50x more per
                # row inside the transaction that just inserted a million punches. A crash in between is
                # harmless: the rerun finds every punch already stored and derives the records.
                clock = time.perf_counter()
                with transaction.atomic():
                    summary.records = derive_records(hospital_id=hospital.pk)
                summary.timings["derive"] = time.perf_counter() - clock
        finally:
            cur.execute(f"DROP TABLE IF EXISTS {_TEMP_TABLES}")
    return summary


def _blocks_after_header(
    blocks: Iterator[list[list[Any]] | TextBlock],
) -> tuple[int, list[Any], str, Iterator[tuple[int, list[list[Any]] | TextBlock]]]:
    """The header (row number, cells, export kind) and the blocks of rows after it, each with the spreadsheet
    row number of its first row (a TextBlock's lines carry their own)."""
    head: list[list[Any]] = []
    for block in blocks:
        # Text blocks are asked for only once the header is known.
        assert not isinstance(block, TextBlock)
        head.extend(block)
        if len(head) >= 6:
            break
    header_row, header, export = find_header(iter(head))

    def numbered() -> Iterator[tuple[int, list[list[Any]] | TextBlock]]:
        first = header_row + 1
        if rest := head[header_row:]:
            yield first, rest
            first += len(rest)
        for block in blocks:
            yield first, block
            first = block.last_row + 1 if isinstance(block, TextBlock) else first + len(block)

    return header_row, header, export, numbered()


def _load_punches(
    cur: Any,
    summary: ImportSummary,
    errors: list[RowError],
    f: IO[bytes],
    kind: str,
    hospital: Hospital,
    job_id: int | None,
    progress: Callable[[int], None] | None,
    dry_run: bool,
    arbiter: bool,
    scratch: str,
) -> bool:
    """Read + COPY + keyed INSERT in one transaction; False (and rolled back) when rows were rejected.

    Without ``arbiter`` a punch already stored raises the unique violation (see _INSERT_SQL)."""
    # Hash aggregates over the staging rows stay in memory instead of spilling.
    cur.execute("SET LOCAL work_mem = '64MB'")
    # The loader's anti-join (_INSERT_SQL) is planned without nested loops, and without JIT: the cost of a
    # plan with a nested loop switched off passes jit_above_cost, and compiling it took ~0.75 s a batch.
    # Both restored before the derive step.
    cur.execute("SELECT current_setting('enable_nestloop'), current_setting('jit')")
    planner = cur.fetchone()
    cur.execute("SET LOCAL enable_nestloop = off")
    cur.execute("SET LOCAL jit = off")
    # The hospital, the job and the staff are not checked per punch (no constraint: AttendancePunch): held
    # instead, with the lock a foreign-key check takes, until the punches commit.
    for model, pk in ((Hospital, hospital.pk), (ImportJob, job_id)):
        if pk is not None:
            cur.execute(f"SELECT 1 FROM {model._meta.db_table} WHERE id = %s FOR KEY SHARE", [pk])
            if cur.fetchone() is None:  # gone since the import started: what the check would have refused
                raise model.DoesNotExist
    clock = time.perf_counter()
    cur.execute("SELECT max(work_date) FROM teams_attendancepunch WHERE hospital_id = %s", [hospital.pk])
    params = {"hospital": hospital.pk, "job": job_id, "stored_until": cur.fetchone()[0]}
    # The hospital's DingTalk identities: the only staff ids a punch of this import is given (in Python and,
    # as one jsonb value, in SQL). Their staff rows are locked FOR KEY SHARE, as the staff foreign key's
    # trigger locked each punch's: none can be deleted (nor its id changed) before the punches commit, so
    # every staff id written names a staff row, checked once per person rather than once per punch. A person
    # deleted before this read is not among them: their punches wait unmatched.
    cur.execute(_IDENTITIES_SQL, [hospital.pk])
    identities: dict[str, int] = dict(cur.fetchall())
    days: dict[dt.date, str] = {}
    loader: _Loader | None = None
    text = TextWidth()
    blocks = iter_row_blocks(f, kind, text=text)
    try:
        header_row, header, export, numbered = _blocks_after_header(blocks)
        lane = _RawLane.for_header(header) if export == "raw" else None
        if lane is not None:
            cur.execute(lane.create_sql())
            # From here a big sheet's plain slices come as text, COPYed as they are.
            text.shapes, text.width = lane.shapes, lane.width
        loader = _Loader(cur, params, identities, lane, arbiter=arbiter, scratch=scratch)

        def store(punches: list[Punch]) -> None:
            staff = [identities.get(p[1]) for p in punches]
            loader.submit(_copy_text(punches, staff, days), punches=len(punches))  # type: ignore[union-attr]

        if lane is None:
            rows = (row for _first, block in numbered for row in block)  # type: ignore[union-attr]
            punches = summary_punches(rows, header_row, header, errors)
            while batch := list(itertools.islice(punches, LOAD_BATCH)):
                store(batch)
                if progress:
                    progress(loader.staged)
        else:
            read = 0
            for first, block in numbered:
                if isinstance(block, TextBlock):
                    loader.submit_text(block)
                    read += block.rows
                    if progress:
                        progress(read)
                    continue
                copy_text = plain_text(block, lane.width, lane.c_text)
                if copy_text is not None:
                    shaped = lane.shaped(block)
                    loader.submit_plain(copy_text, first_row=first, rows=len(block), shaped=shaped)
                elif batch := list(raw_punches(enumerate(block, start=first), header, errors)):
                    store(batch)
                read += len(block)
                if progress:
                    progress(read)
            loader.join()
            # The rows the SQL conversion left, parsed (and judged) by the one row parser, in row order.
            last = 0
            while True:
                loader.join()  # the connection is the loader thread's while it stores a batch
                cur.execute(_LEFTOVER_PAGE_SQL, [last, LOAD_BATCH])
                left = cur.fetchall()
                if not left:
                    break
                last = left[-1][0]
                if batch := list(raw_punches(left, header, errors)):
                    store(batch)
    except UploadError:
        # Only the stop after too many row errors ends the reading with row errors to report; a file refused
        # while read (a big sheet past a limit: core.spreadsheets) is refused as a whole.
        if len(errors) < MAX_ROW_ERRORS:
            raise
    finally:
        blocks.close()  # type: ignore[attr-defined]
        if loader is not None:
            loader.close()
    assert loader is not None
    loader.join()
    cur.execute("SELECT set_config('enable_nestloop', %s, true), set_config('jit', %s, true)", planner)
    summary.rows_read = loader.staged
    if summary.rows_read == 0 and not errors:
        raise UploadError(_("文件中没有考勤数据行。"))
    if errors:
        # Blocks parsed here and rows left by the SQL conversion report in row order.
        errors.sort(key=lambda e: e.row)
        summary.rejected = len({e.row for e in errors})
        summary.errors = [str(e) for e in errors]
        transaction.set_rollback(True)
        return False
    cur.execute("SELECT count(DISTINCT userid), coalesce(sum(n), 0) FROM teams_punch_unmatched")
    summary.unmatched_users, summary.unmatched = cur.fetchone()
    summary.inserted = loader.inserted
    summary.duplicates = summary.rows_read - summary.inserted
    # Read, parsed and stored together; "waiting" is the part this process waited for the server.
    summary.timings["load"] = time.perf_counter() - clock
    summary.timings["waiting"] = loader.waited
    summary.timings.update({f"server_{step}": seconds for step, seconds in loader.server.items()})
    clock = time.perf_counter()
    if summary.inserted > 10_000:
        # Statistics still describe the table before this insert; a planner that thinks it is
        # empty joins it with nested loops over a million rows.
        cur.execute("ANALYZE teams_attendancepunch")
    summary.timings["analyze"] = time.perf_counter() - clock
    if dry_run:
        # What the derive step would write, then nothing kept.
        summary.records = derive_records(hospital_id=hospital.pk)
        transaction.set_rollback(True)
    return True


def unmatched_assign(*, user: User, hospital: Hospital, userid: str, staff: Staff) -> int:
    """Resolve an unmatched DingTalk user id: remember it as ``staff`` and match and derive its punches.

    Only someone who may import the hospital's attendance may resolve, and only to a person deployed to it.
    Returns the number of attendance records written.
    """
    check_can_import_attendance(user=user, hospital=hospital)
    if not Staff.objects.filter(pk=staff.pk, deployments__team__pairing__recipient=hospital).exists():
        raise PermissionDenied(_("该人员未派驻到本院。"))
    with transaction.atomic():
        DingTalkIdentity.objects.update_or_create(hospital=hospital, userid=userid, defaults={"staff": staff})
        AttendancePunch.objects.filter(hospital=hospital, userid=userid).update(staff=staff)
        return derive_records(hospital_id=hospital.pk, userid=userid)
