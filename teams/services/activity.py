"""Monthly activity figures per deployment (SPEC §2 step 5): Excel/CSV import, all or nothing.

Columns: 身份证号 or 执业证书编号 (the person, never by name), 月份 (2023-03, 2023-03-01,
2023年3月 …), and the six figures
门诊人次, 手术台次, 授课次数, 教学查房, 病例讨论, 远程会诊
(non-negative integers; empty = 0).
Each row is matched to the person's deployment at the hospital covering that month; re-importing updates.
The page and the command share the roster import's machinery: an ImportJob keeps the upload, the
preview lists each row new / changed / unchanged / error (row, column, reason), the error file is the
upload with an error column, and confirming writes every row or none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import User
from core.identifiers import normalize_licence, normalize_national_id
from core.permissions import is_recipient_coordinator
from core.uploads import UploadError, check_upload, column_letter, header_index, iter_rows, parse_date
from pairings.models import Hospital
from teams.choices import ReportStatus
from teams.models import Deployment, MonthlyActivity
from teams.resources import error_file
from teams.services.imports import CHANGED, ERROR, NEW, UNCHANGED, PreviewRow

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


@dataclasses.dataclass
class ActivityPreview:
    """The upload row by row (the roster import's ``PreviewRow``: new / changed / unchanged / error with
    column and reason), the shape the shared preview page and error file take."""

    header: list[Any]
    rows: list[PreviewRow]
    general_errors: list[str] = dataclasses.field(default_factory=list)
    applied: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.general_errors) or any(r.errors for r in self.rows)

    def counts(self) -> dict[str, int]:
        out = {NEW: 0, CHANGED: 0, UNCHANGED: 0, ERROR: 0}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def error_lines(self) -> list[str]:
        lines = list(self.general_errors)
        for r in self.rows:
            for col, msg in r.errors:
                lines.append(_("第 %(r)d 行，%(c)s：%(m)s") % {"r": r.row_no, "c": col or "—", "m": msg})
        return lines


def _month(value: Any) -> dt.date:
    text = str(value).strip() if isinstance(value, str) else value
    if isinstance(text, str) and (m := _MONTH.match(text)):
        return dt.date(int(m[1]), int(m[2]), 1)
    return parse_date(value).replace(day=1)


def may_record_activity(user: User, hospital_id: int) -> bool:
    """The recipient hospital's coordinator records the workload of the people deployed to it."""
    return is_recipient_coordinator(user, hospital_id=hospital_id)


def activity_preview(
    *, hospital: Hospital, f: IO[bytes], name: str = "", apply: bool = False, user: User | None = None
) -> ActivityPreview:
    """Parse an upload of monthly workload for ``hospital`` (a recipient); with ``apply`` and no error,
    write every row in one transaction (all or nothing). ``user`` None is the command line (operator)."""
    if user is not None and not may_record_activity(user, hospital.pk):
        raise PermissionDenied(_("只有受援医院联络员可以导入工作量。"))
    kind = check_upload(f, name)
    rows = iter_rows(f, kind)
    header = next(rows, None)
    if not header:
        raise UploadError(_("工作表为空。"))
    header = list(header)
    cols = header_index([str(h or "") for h in header], COLUMNS, {"month"})
    if "national_id" not in cols and "licence_no" not in cols:
        raise UploadError(_("缺少必需的列：身份证号 或 执业证书编号。"))
    label = {k: f"{header[i]} ({column_letter(i)})" for k, i in cols.items()}
    preview = ActivityPreview(header=header, rows=[])
    parsed: list[tuple[PreviewRow, dict[str, Any]]] = []
    for row_no, raw in enumerate(rows, start=2):
        if not any(str(c).strip() for c in raw if c is not None):
            continue
        raw = list(raw) + [""] * (len(header) - len(raw))
        row = PreviewRow(row_no=row_no, raw=raw, values={})
        preview.rows.append(row)
        # Stored keys are normalised (core.identifiers); a full-width cell must find the same person.
        nid = normalize_national_id(raw[cols["national_id"]]) if "national_id" in cols else ""
        lic = normalize_licence(raw[cols["licence_no"]]) if "licence_no" in cols else ""
        if not nid and not lic:
            row.errors.append(("", _("身份证号与执业证书编号至少填一项")))
        try:
            row.values["month"] = _month(raw[cols["month"]])
        except ValueError as exc:
            row.errors.append((label["month"], str(exc)))
        figures: dict[str, int] = {}
        for field in FIGURES:
            if field not in cols:
                continue
            value = raw[cols[field]]
            try:
                number = 0.0 if value in ("", None) else float(value)
                if number < 0 or not number.is_integer() or number > _MAX_FIGURE:
                    raise ValueError
            except (TypeError, ValueError):
                row.errors.append((label[field], _("应为非负整数")))
                continue
            figures[field] = int(number)
        row.values["figures"] = figures
        parsed.append((row, {"nid": nid, "lic": lic}))
    if not preview.rows:
        raise UploadError(_("工作表中没有数据行。"))
    _match_deployments(hospital, parsed)
    seen: dict[tuple[int, dt.date], int] = {}
    for row, _key in parsed:
        dep = row.values.get("deployment")
        if dep is not None and not row.errors:
            if (dep.pk, row.values["month"]) in seen:
                row.errors.append(("", _("与第 %(n)d 行重复") % {"n": seen[(dep.pk, row.values["month"])]}))
            else:
                seen[(dep.pk, row.values["month"])] = row.row_no
    existing = {
        (a.deployment_id, a.month): a
        for a in MonthlyActivity.objects.filter(
            deployment_id__in=[d for d, _m in seen], month__in={m for _d, m in seen}
        )
    }
    for row in preview.rows:
        if row.errors:
            row.status = ERROR
            continue
        old = existing.get((row.values["deployment"].pk, row.values["month"]))
        figures = row.values["figures"]
        if old is None:
            row.status = NEW
        else:
            same = old.status == ReportStatus.CONFIRMED and all(
                getattr(old, k) == v for k, v in figures.items()
            )
            row.status = UNCHANGED if same else CHANGED
    if apply and not preview.has_errors:
        with transaction.atomic():
            for row in preview.rows:
                if row.status == UNCHANGED:
                    continue
                MonthlyActivity.objects.update_or_create(
                    deployment=row.values["deployment"],
                    month=row.values["month"],
                    # The recipient's own figures are confirmed figures (issue 19).
                    defaults={**row.values["figures"], "status": ReportStatus.CONFIRMED},
                )
        preview.applied = True
    return preview


def _match_deployments(hospital: Hospital, parsed: list[tuple[PreviewRow, dict[str, Any]]]) -> None:
    """Each row's deployment at ``hospital`` covering its month, in one query for the whole file."""
    nids = {k["nid"] for _r, k in parsed if k["nid"]}
    lics = {k["lic"] for _r, k in parsed if k["lic"]}
    months = [r.values["month"] for r, _k in parsed if "month" in r.values]
    if not months:
        return
    first, last = min(months), max(months)
    last_day = (last + dt.timedelta(days=32)).replace(day=1)
    candidates = list(
        Deployment.objects.filter(Q(staff__national_id__in=nids) | Q(staff__licence_no__in=lics))
        .filter(team__pairing__recipient=hospital, period__overlap=DateRange(first, last_day, "[)"))
        .select_related("staff")
    )
    for row, key in parsed:
        if "month" not in row.values or (not key["nid"] and not key["lic"]):
            continue
        month = row.values["month"]
        month_end = (month + dt.timedelta(days=32)).replace(day=1)
        for d in candidates:
            who = d.staff.national_id == key["nid"] if key["nid"] else d.staff.licence_no == key["lic"]
            if who and d.period.lower < month_end and d.period.upper > month:
                row.values["deployment"] = d
                row.values["name"] = d.staff.name
                break
        else:
            row.errors.append(("", _("该人员 %(m)s 未派驻在本院") % {"m": month.strftime("%Y-%m")}))


def activity_import(
    *, hospital: Hospital, f: IO[bytes], name: str = "", dry_run: bool = False
) -> ActivitySummary:
    """The command line's import (``import_activity``): the same preview and all-or-nothing write."""
    preview = activity_preview(hospital=hospital, f=f, name=name, apply=not dry_run)
    counts = preview.counts()
    return ActivitySummary(
        rows=len(preview.rows),
        created=counts[NEW],
        updated=counts[CHANGED] + counts[UNCHANGED],
        errors=preview.error_lines(),
    )


def activity_error_file(*, hospital: Hospital, f: IO[bytes], name: str = "") -> bytes:
    """The upload back with an error column (the roster import's error file)."""
    preview = activity_preview(hospital=hospital, f=f, name=name)
    return error_file(preview.header, [(r.raw, r.error_text) for r in preview.rows], sheet=_("工作量"))


def activity_record(
    *, user: User, deployment: Deployment, month: dt.date, figures: dict[str, int]
) -> MonthlyActivity:
    """Record (or correct) one person's workload of one month by form; the month must be in the stay."""
    if not may_record_activity(user, deployment.team.pairing.recipient_id):
        raise PermissionDenied(_("只有受援医院联络员可以录入工作量。"))
    month = month.replace(day=1)
    month_end = (month + dt.timedelta(days=32)).replace(day=1)
    period = deployment.period
    if not (period.lower < month_end and period.upper > month):
        raise ValidationError({"month": _("该月份不在派驻期内。")})
    if any(v < 0 for v in figures.values()):
        raise ValidationError(_("工作量应为非负整数。"))
    unknown = set(figures) - set(FIGURES)
    if unknown:
        raise ValidationError(_("未知的工作量项目：%(f)s") % {"f": ", ".join(sorted(unknown))})
    # The recipient's coordinator entering figures confirms them, a person's filed report included.
    activity, _created = MonthlyActivity.objects.update_or_create(
        deployment=deployment,
        month=month,
        defaults={
            **figures,
            "status": ReportStatus.CONFIRMED,
            "confirmed_by": user,
            "confirmed_at": timezone.now(),
        },
    )
    return activity
