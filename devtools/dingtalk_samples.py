"""Realistic DingTalk attendance exports for tests, demos and the benchmark.

``manage.py make_dingtalk_sample`` writes them. The raw-punch export (原始记录) looks like DingTalk's:
a title line, then 姓名 / UserId / 部门 / 考勤日期 / 打卡时间 / 打卡类型 / 打卡结果 / 位置结果 / 审批单,
with late arrivals, missing punches (缺卡), approved make-up punches (补卡)
and night shifts whose 下班 punch falls after midnight. Output is deterministic for a seed.

xlsx files are written directly as SpreadsheetML with inline strings: a million rows take seconds, where a
general-purpose writer takes minutes.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

RAW_HEADER = ["姓名", "UserId", "部门", "考勤日期", "打卡时间", "打卡类型", "打卡结果", "位置结果", "审批单"]
SUMMARY_HEADER = [
    "姓名",
    "UserId",
    "部门",
    "日期",
    "上班1打卡时间",
    "上班1打卡结果",
    "下班1打卡时间",
    "下班1打卡结果",
    "请假",
    "出差",
]
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志文"
_DEPTS = ["帮扶队", "内科", "外科", "妇产科", "儿科", "急诊科", "麻醉科", "影像科", "检验科"]


def userid_for(i: int) -> str:
    return f"ding{i:06d}"


def people(n: int, seed: int = 1) -> list[tuple[str, str, str]]:
    """(userid, name, department) of ``n`` people."""
    rnd = random.Random(seed)
    return [
        (
            userid_for(i),
            rnd.choice(_SURNAMES) + rnd.choice(_GIVEN) + rnd.choice(["", *_GIVEN]),
            rnd.choice(_DEPTS),
        )
        for i in range(n)
    ]


def working_days(start: dt.date, n: int) -> list[dt.date]:
    days, d = [], start
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def raw_rows(
    rows: int, *, start: dt.date = dt.date(2023, 1, 2), n_people: int | None = None, seed: int = 1
) -> Iterator[list[Any]]:
    """Exactly ``rows`` punch rows (after the header) of a 原始记录 export."""
    n_people = n_people or max(1, rows // 500)
    per_person_days = -(-rows // (2 * n_people))
    days = working_days(start, per_person_days)
    staff = people(n_people, seed)
    rnd = random.Random(seed)
    made = 0
    for day in days:
        for userid, name, dept in staff:
            if made >= rows:
                return
            night = rnd.random() < 0.03
            r = rnd.random()
            if night:
                on = dt.datetime.combine(day, dt.time(16, rnd.randint(30, 59)))
                off = dt.datetime.combine(
                    day + dt.timedelta(days=1), dt.time(rnd.randint(0, 3), rnd.randint(0, 59))
                )
            else:
                on = dt.datetime.combine(day, dt.time(rnd.choice([7, 8, 8, 8]), rnd.randint(0, 59)))
                off = dt.datetime.combine(day, dt.time(rnd.choice([17, 17, 18]), rnd.randint(0, 59)))
            on_result = "迟到" if on.time() > dt.time(8, 30) and not night else "正常"
            ref = ""
            off_time: str = off.strftime("%Y-%m-%d %H:%M:%S")
            off_result = "正常"
            if r < 0.02:  # forgot to punch out
                off_time, off_result = "", "缺卡"
            elif r < 0.04:  # forgot, then an approved make-up punch
                off_result, ref = "补卡", f"BK{day:%Y%m%d}{userid[-4:]}"
            yield [
                name,
                userid,
                dept,
                day.isoformat(),
                on.strftime("%Y-%m-%d %H:%M:%S"),
                "上班",
                on_result,
                "范围内",
                "",
            ]
            made += 1
            if made >= rows:
                return
            yield [
                name,
                userid,
                dept,
                day.isoformat(),
                off_time,
                "下班",
                off_result,
                "范围内" if off_time else "",
                ref,
            ]
            made += 1


def summary_rows(
    rows: int, *, start: dt.date = dt.date(2023, 1, 2), n_people: int | None = None, seed: int = 1
) -> Iterator[list[Any]]:
    """``rows`` person-days of a 每日统计 export (one leave day in about fifty)."""
    n_people = n_people or max(1, rows // 250)
    days = working_days(start, -(-rows // n_people))
    rnd = random.Random(seed)
    made = 0
    for day in days:
        for userid, name, dept in people(n_people, seed):
            if made >= rows:
                return
            made += 1
            if rnd.random() < 0.02:
                yield [name, userid, dept, day.isoformat(), "", "", "", "", "事假1天", ""]
                continue
            on = dt.time(8, rnd.randint(0, 40))
            off = dt.time(17, rnd.randint(30, 59))
            yield [
                name,
                userid,
                dept,
                day.isoformat(),
                on.strftime("%H:%M"),
                "迟到" if on > dt.time(8, 30) else "正常",
                off.strftime("%H:%M"),
                "正常",
                "",
                "",
            ]


def _cell(ref: str, v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'


def _col_letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        s, j = "", i + 1
        while j:
            j, rem = divmod(j - 1, 26)
            s = chr(65 + rem) + s
        out.append(s)
    return out


def write_xlsx(path: Path | str, sheets: Iterable[tuple[str, Iterable[list[Any]]]]) -> None:
    """A minimal valid .xlsx (inline strings, no styles) streamed row by row."""
    sheets = list(sheets)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        sheet_xml = "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (name, _rows) in enumerate(sheets, 1)
        )
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<sheets>{sheet_xml}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>",
        )
        for i, (_name, rows) in enumerate(sheets, 1):
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as out:
                out.write(
                    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                letters = _col_letters(30)
                chunk: list[str] = []
                for r, row in enumerate(rows, 1):
                    if len(row) > len(letters):
                        letters = _col_letters(len(row))
                    cells = "".join(_cell(f"{letters[c]}{r}", v) for c, v in enumerate(row))
                    chunk.append(f'<row r="{r}">{cells}</row>')
                    if len(chunk) >= 5000:
                        out.write("".join(chunk).encode())
                        chunk = []
                out.write("".join(chunk).encode())
                out.write(b"</sheetData></worksheet>")


def write_sample(
    path: Path | str,
    rows: int,
    *,
    kind: str = "raw",
    n_people: int | None = None,
    seed: int = 1,
    start: dt.date = dt.date(2023, 1, 2),
) -> Path:
    """Write a sample export to ``path`` (.xlsx or .csv by extension); ``kind`` is raw or summary."""
    path = Path(path)
    if kind == "summary":
        header, body = SUMMARY_HEADER, summary_rows(rows, start=start, n_people=n_people, seed=seed)
        title = "每日统计"
    else:
        header, body = RAW_HEADER, raw_rows(rows, start=start, n_people=n_people, seed=seed)
        title = "原始记录"

    def all_rows() -> Iterator[list[Any]]:
        yield [f"{title} 统计日期：{start.isoformat()} 起"]
        yield header
        yield from body

    if path.suffix.lower() == ".csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            csv.writer(fh).writerows(all_rows())
    else:
        write_xlsx(path, [(title, all_rows())])
    return path
