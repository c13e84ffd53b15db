"""DingTalk (钉钉) attendance exports: the accepted columns and the row normaliser.

Two exports are accepted (docs/attendance-import.md lists every column):

* 原始记录 (raw punches): one row per punch — 姓名, UserId/工号, 部门, 考勤日期, 日期, 打卡时间,
  打卡类型 (上班/下班), 打卡结果 (正常/迟到/早退/缺卡/补卡), 位置结果 (范围内/范围外), 审批单/补卡申请.
* 每日统计 (daily summary): one row per person and day — 姓名, UserId, 日期, 上班1打卡时间, 下班1打卡时间,
  上班1打卡结果, 下班1打卡结果, 请假, 出差. Each row becomes up to two punches plus a leave/trip marker.

Both normalise to ``Punch`` tuples that the import service streams into a staging table with COPY.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from core.uploads import UploadError, column_letter, header_index, parse_date

# Row errors reported before the check stops (the import reports them all, then refuses the file).
MAX_ROW_ERRORS = 200

# A 下班 punch before this hour, without a 考勤日期 column, belongs to the previous day (night shift).
NIGHT_SHIFT_CUTOFF = dt.time(5, 0)

RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "userid": ("UserId", "userid", "用户ID", "工号"),
    "department": ("部门",),
    "work_date": ("考勤日期",),
    "date": ("日期", "打卡日期"),
    "time": ("打卡时间",),
    "kind": ("打卡类型",),
    "result": ("打卡结果",),
    "location": ("位置结果",),
    "approval": ("审批单", "补卡申请", "关联的审批单"),
}
RAW_REQUIRED = {"userid", "time", "kind"}

SUMMARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "userid": ("UserId", "userid", "用户ID", "工号"),
    "department": ("部门",),
    "date": ("日期", "考勤日期"),
    "on_time": ("上班1打卡时间",),
    "off_time": ("下班1打卡时间",),
    "on_result": ("上班1打卡结果",),
    "off_result": ("下班1打卡结果",),
    "leave": ("请假",),
    "trip": ("出差",),
}
SUMMARY_REQUIRED = {"userid", "date", "on_time", "off_time"}

# The longest UserId stored (AttendancePunch.userid, DingTalkIdentity.userid): a longer one is a row error,
# not a database error.
USERID_MAX_LENGTH = 64

KINDS = {"上班": "on", "下班": "off", "上班打卡": "on", "下班打卡": "off"}
RESULTS = frozenset({"正常", "迟到", "早退", "缺卡", "补卡", "严重迟到", "旷工迟到", "外勤", "未打卡", ""})


@dataclasses.dataclass
class RowError:
    row: int  # 1-based spreadsheet row number
    column: str  # header text (and letter) of the offending cell, "" for the whole row
    message: str

    def __str__(self) -> str:
        where = _("第 %(row)d 行") % {"row": self.row}
        if self.column:
            where += _("，%(col)s 列") % {"col": self.column}
        return f"{where}：{self.message}"


# (row_no, userid, name, department, work_date, punched_at or None, kind, result, location, approval)
Punch = tuple[int, str, str, str, dt.date, dt.datetime | None, str, str, str, str]


def _text(v: Any) -> str:
    if type(v) is str:
        return v.strip()
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _parse_time(value: Any, day: dt.date | None) -> dt.datetime | None:
    """打卡时间: a datetime, 'YYYY-MM-DD HH:MM[:SS]', or 'HH:MM[:SS]' on ``day``; '' / '--' means none."""
    if value is None or value == "" or value == "--":
        return None
    if isinstance(value, str) and len(value) == 19 and value[4] == "-" and value[10] == " ":
        try:  # the usual DingTalk form, parsed in C
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.time):
        if day is None:
            raise ValueError(_("只有时间没有日期"))
        return dt.datetime.combine(day, value)
    if isinstance(value, float):  # an Excel serial date-time
        base = dt.datetime(1899, 12, 30) + dt.timedelta(days=value)
        return base.replace(microsecond=0)
    text = str(value).strip()
    if len(text) >= 16 and text[4] in "-/" and " " in text:
        d_part, t_part = text.split(" ", 1)
        d = parse_date(d_part)
        return dt.datetime.combine(d, _hms(t_part))
    if ":" in text and len(text) <= 8:
        if day is None:
            raise ValueError(_("只有时间没有日期"))
        return dt.datetime.combine(day, _hms(text))
    raise ValueError(_("时间格式错误：“%(v)s”") % {"v": text[:30]})


def _hms(text: str) -> dt.time:
    parts = text.strip().split(":")
    try:
        h, m = int(parts[0]), int(parts[1])
        s = int(parts[2]) if len(parts) > 2 else 0
        return dt.time(h, m, s)
    except (ValueError, IndexError) as exc:
        raise ValueError(_("时间格式错误：“%(v)s”") % {"v": text[:30]}) from exc


def find_header(rows: Iterator[list[Any]]) -> tuple[int, list[Any], str]:
    """Skip DingTalk's title lines: the header is the first of the first 6 rows naming a UserId column."""
    ids = set(RAW_COLUMNS["userid"])
    for i, row in enumerate(rows, start=1):
        cells = {str(c).strip().replace(" ", "") for c in row if c not in (None, "")}
        if cells & ids:
            kind = "summary" if "上班1打卡时间" in cells else "raw"
            return i, row, kind
        if i >= 6:
            break
    raise UploadError(
        _("未找到表头：前 6 行中没有 UserId/工号 列。请上传钉钉“原始记录”或“每日统计”导出文件。")
    )


def normalise(
    rows: Iterable[list[Any]], errors: list[RowError], *, max_errors: int = MAX_ROW_ERRORS
) -> Iterator[Punch]:
    """Punches of an export (raw or daily summary); bad cells go to ``errors`` with row and column."""
    it = iter(rows)
    header_row, header, kind = find_header(it)
    if kind == "summary":
        yield from _summary(it, header_row, header, errors, max_errors)
    else:
        yield from _raw(it, header_row, header, errors, max_errors)


def plain_text(rows: list[list[Any]], width: int, stripped: Iterable[int]) -> str | None:
    """The block as COPY text (a tab between cells, a newline after each row) when every row has ``width``
    cells that are all text needing no escaping, and the ``stripped`` columns (those stored as text) hold no
    cell with whitespace around it; else None (the block is parsed here, row by row).

    The checks run on the whole block by C code (a join, counts) or on a column's distinct values: the per-row
    Python work is what made the import slow.
    """
    n = len(rows)
    if not n or set(map(len, rows)) != {width}:
        return None  # blank rows ([] from calamine) or a ragged csv
    try:
        text = "\n".join(map("\t".join, rows)) + "\n"
    except TypeError:
        return None  # a number, date or time cell
    if text.count("\n") != n or text.count("\t") != (width - 1) * n or "\\" in text or "\r" in text:
        return None  # a tab, newline, carriage return or backslash inside a cell
    for c in stripped:
        if any(v != v.strip() for v in {row[c] for row in rows}):
            return None
    return text


class _DateCache(dict[Any, dt.date]):
    """parse_date memoised: an export repeats the same few hundred dates a million times."""

    def parse(self, value: Any) -> dt.date:
        try:
            return self[value]
        except KeyError:
            d = self[value] = parse_date(value)
            return d
        except TypeError:  # unhashable cell value
            return parse_date(value)


def _col(header: list[Any], idx: int) -> str:
    return f"{_text(header[idx])} ({column_letter(idx)})"


def _raw(
    it: Iterator[list[Any]], header_row: int, header: list[Any], errors: list[RowError], max_errors: int
) -> Iterator[Punch]:
    yield from raw_punches(enumerate(it, start=header_row + 1), header, errors, max_errors)


def raw_punches(
    numbered: Iterable[tuple[int, list[Any]]],
    header: list[Any],
    errors: list[RowError],
    max_errors: int = MAX_ROW_ERRORS,
) -> Iterator[Punch]:
    """Punches of 原始记录 rows given with their spreadsheet row numbers (the import hands over a block at
    a time, and the rows its SQL conversion left to this parser)."""
    cols = header_index(header, RAW_COLUMNS, RAW_REQUIRED)
    c_user, c_time, c_kind = cols["userid"], cols["time"], cols["kind"]
    c_name, c_dept = cols.get("name"), cols.get("department")
    c_wd, c_date = cols.get("work_date"), cols.get("date")
    c_res, c_loc, c_appr = cols.get("result"), cols.get("location"), cols.get("approval")
    width = len(header)
    dates = _DateCache()
    for row_no, row in numbered:
        if len(row) < width:
            row = list(row) + [""] * (width - len(row))
        userid = _text(row[c_user])
        if not userid:
            if not any(_text(c) for c in row):
                continue  # blank line
            _err(errors, max_errors, row_no, _col(header, c_user), _("UserId 为空"))
            continue
        if len(userid) > USERID_MAX_LENGTH:
            _err(errors, max_errors, row_no, _col(header, c_user), _userid_too_long())
            continue
        kind_text = row[c_kind]
        kind_text = kind_text.strip() if isinstance(kind_text, str) else _text(kind_text)
        kind = KINDS.get(kind_text)
        if kind is None:
            _err(
                errors,
                max_errors,
                row_no,
                _col(header, c_kind),
                _("打卡类型应为“上班”或“下班”：“%(v)s”") % {"v": kind_text},
            )
            continue
        try:
            day = dates.parse(row[c_date]) if c_date is not None and row[c_date] not in ("", None) else None
        except ValueError as exc:
            _err(errors, max_errors, row_no, _col(header, c_date), str(exc))  # type: ignore[arg-type]
            continue
        try:
            at = _parse_time(row[c_time], day)
        except ValueError as exc:
            _err(errors, max_errors, row_no, _col(header, c_time), str(exc))
            continue
        result = _text(row[c_res]) if c_res is not None else ""
        if c_wd is not None and row[c_wd] not in ("", None):
            try:
                work_date = dates.parse(row[c_wd])
            except ValueError as exc:
                _err(errors, max_errors, row_no, _col(header, c_wd), str(exc))
                continue
        elif at is not None:
            work_date = at.date()
            if kind == "off" and at.time() < NIGHT_SHIFT_CUTOFF:
                work_date -= dt.timedelta(days=1)
        elif day is not None:
            work_date = day
        else:
            _err(errors, max_errors, row_no, _col(header, c_time), _("无打卡时间也无日期"))
            continue
        yield (
            row_no,
            userid,
            _text(row[c_name]) if c_name is not None else "",
            _text(row[c_dept]) if c_dept is not None else "",
            work_date,
            at,
            kind,
            result,
            _text(row[c_loc]) if c_loc is not None else "",
            _text(row[c_appr]) if c_appr is not None else "",
        )


def _summary(
    it: Iterator[list[Any]], header_row: int, header: list[Any], errors: list[RowError], max_errors: int
) -> Iterator[Punch]:
    return summary_punches(it, header_row, header, errors, max_errors)


def summary_punches(
    it: Iterator[list[Any]],
    header_row: int,
    header: list[Any],
    errors: list[RowError],
    max_errors: int = MAX_ROW_ERRORS,
) -> Iterator[Punch]:
    """Punches of 每日统计 rows (the rows after the header, numbered from ``header_row`` + 1)."""
    cols = header_index(header, SUMMARY_COLUMNS, SUMMARY_REQUIRED)
    width = len(header)
    row_no = header_row
    get = cols.get
    for row in it:
        row_no += 1
        if len(row) < width:
            row = list(row) + [""] * (width - len(row))
        userid = _text(row[cols["userid"]])
        if not userid:
            if any(_text(c) for c in row):
                _err(errors, max_errors, row_no, _col(header, cols["userid"]), _("UserId 为空"))
            continue
        if len(userid) > USERID_MAX_LENGTH:
            _err(errors, max_errors, row_no, _col(header, cols["userid"]), _userid_too_long())
            continue
        try:
            day = parse_date(row[cols["date"]])
        except ValueError as exc:
            _err(errors, max_errors, row_no, _col(header, cols["date"]), str(exc))
            continue
        name = _text(row[get("name")]) if get("name") is not None else ""  # type: ignore[index]
        dept = _text(row[get("department")]) if get("department") is not None else ""  # type: ignore[index]
        for kind, c_time, c_res in (("on", "on_time", "on_result"), ("off", "off_time", "off_result")):
            try:
                at = _parse_time(row[cols[c_time]], day)
            except ValueError as exc:
                _err(errors, max_errors, row_no, _col(header, cols[c_time]), str(exc))
                continue
            # A check-out after midnight on a summary row still belongs to the row's date.
            if at is not None and kind == "off" and at.date() == day and at.time() < NIGHT_SHIFT_CUTOFF:
                at += dt.timedelta(days=1)
            result = _text(row[cols[c_res]]) if c_res in cols else ""
            if at is None and not result:
                continue
            yield (row_no, userid, name, dept, day, at, kind, result, "", "")
        for kind, col in (("leave", "leave"), ("trip", "trip")):
            if col in cols and _text(row[cols[col]]) not in ("", "0", "--"):
                yield (row_no, userid, name, dept, day, None, kind, "", "", _text(row[cols[col]])[:64])


def _userid_too_long() -> str:
    return _("UserId 超过 %(n)d 个字符") % {"n": USERID_MAX_LENGTH}


def _err(errors: list[RowError], max_errors: int, row: int, column: str, message: str) -> None:
    errors.append(RowError(row, column, message))
    if len(errors) >= max_errors:
        raise UploadError(
            _("错误过多（已超过 %(n)d 处），已停止检查。请核对文件后重新上传。") % {"n": max_errors}
        )
