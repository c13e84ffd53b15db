"""Monthly activity figures per deployment (SPEC §2 step 5): Excel/CSV import, all or nothing.

Columns: 身份证号 or 执业证书编号 (the person, never by name), 月份 (2023-03, 2023-03-01,
2023年3月 …), and the six figures
门诊人次, 手术台次, 授课次数, 教学查房, 病例讨论, 远程会诊
(non-negative integers; empty = 0).
Each row is matched to the person's deployment at the hospital covering that month; re-importing updates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import IO, Any

from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Q
from django.utils.translation import gettext as _

from core.dates import month_end
from core.identifiers import normalize_licence, normalize_national_id
from core.uploads import UploadError, check_upload, column_letter, header_index, iter_rows, parse_date
from pairings.models import Hospital
from teams.models import Deployment, MonthlyActivity

FIGURES = {
    "outpatient_visits": ("门诊人次",),
    "surgeries": ("手术台次",),
    "lectures": ("授课次数",),
    "teaching_rounds": ("教学查房",),
    "case_discussions": ("病例讨论",),
    "remote_consultations": ("远程会诊",),
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": ("身份证号",),
    "licence_no": ("执业证书编号",),
    "month": ("月份",),
    **FIGURES,
}
# The figures are PositiveIntegerField columns (PostgreSQL integer): a bigger cell is a row error.
_MAX_FIGURE = 2**31 - 1
_MONTH = re.compile(r"^(\d{4})[-/年](\d{1,2})月?$")


@dataclasses.dataclass
class ActivitySummary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)


def _month(value: Any) -> dt.date:
    text = str(value).strip() if isinstance(value, str) else value
    if isinstance(text, str) and (m := _MONTH.match(text)):
        return dt.date(int(m[1]), int(m[2]), 1)
    return parse_date(value).replace(day=1)


def activity_import(
    *, hospital: Hospital, f: IO[bytes], name: str = "", dry_run: bool = False
) -> ActivitySummary:
    """Import monthly activity figures of the people deployed to ``hospital`` (a recipient)."""
    kind = check_upload(f, name)
    rows = iter_rows(f, kind)
    header = next(rows, None)
    if not header:
        raise UploadError(_("工作表为空。"))
    cols = header_index([str(h or "") for h in header], COLUMNS, {"month"})
    if "national_id" not in cols and "licence_no" not in cols:
        raise UploadError(_("缺少必需的列：身份证号 或 执业证书编号。"))
    label = {k: f"{header[i]} ({column_letter(i)})" for k, i in cols.items()}
    summary = ActivitySummary()
    parsed: list[tuple[int, Deployment, dt.date, dict[str, int]]] = []
    seen: dict[tuple[int, dt.date], int] = {}
    for row_no, row in enumerate(rows, start=2):
        if not any(str(c).strip() for c in row if c is not None):
            continue
        summary.rows += 1
        row = list(row) + [""] * (len(header) - len(row))
        err = summary.errors.append
        # Stored keys are normalised (core.identifiers); a full-width cell must find the same person.
        nid = normalize_national_id(row[cols["national_id"]]) if "national_id" in cols else ""
        lic = normalize_licence(row[cols["licence_no"]]) if "licence_no" in cols else ""
        try:
            month = _month(row[cols["month"]])
        except ValueError as exc:
            err(_("第 %(r)d 行，%(c)s：%(m)s") % {"r": row_no, "c": label["month"], "m": exc})
            continue
        figures: dict[str, int] = {}
        for field in FIGURES:
            if field not in cols:
                continue
            raw = row[cols[field]]
            try:
                value = 0 if raw in ("", None) else int(float(raw))
                if value < 0 or float(raw or 0) != value or value > _MAX_FIGURE:
                    raise ValueError
            except (TypeError, ValueError, OverflowError):  # OverflowError: "1e400" is inf
                err(_("第 %(r)d 行，%(c)s：应为非负整数") % {"r": row_no, "c": label[field]})
                continue
            figures[field] = value
        key = Q(staff__national_id=nid) if nid else Q(staff__licence_no=lic) if lic else None
        if key is None:
            err(_("第 %(r)d 行：身份证号与执业证书编号至少填一项") % {"r": row_no})
            continue
        last_day = month_end(month)
        dep = (
            Deployment.objects.filter(key, team__pairing__recipient=hospital)
            .filter(period__overlap=DateRange(month, last_day, "[]"))
            .first()
        )
        if dep is None:
            err(_("第 %(r)d 行：该人员 %(m)s 未派驻在本院") % {"r": row_no, "m": month.strftime("%Y-%m")})
            continue
        if (dep.pk, month) in seen:
            err(_("第 %(r)d 行：与第 %(n)d 行重复") % {"r": row_no, "n": seen[(dep.pk, month)]})
            continue
        seen[(dep.pk, month)] = row_no
        parsed.append((row_no, dep, month, figures))
    if summary.rows == 0:
        raise UploadError(_("工作表中没有数据行。"))
    if summary.errors:
        return summary
    with transaction.atomic():
        for _row_no, dep, month, figures in parsed:
            _obj, created = MonthlyActivity.objects.update_or_create(
                deployment=dep, month=month, defaults=figures
            )
            summary.created += created
            summary.updated += not created
        if dry_run:
            transaction.set_rollback(True)
    return summary
