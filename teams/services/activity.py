"""Monthly activity figures per deployment (SPEC §2 step 5): Excel/CSV import, all or nothing.

Columns: 身份证号 or 执业证书编号 (the person, never by name), 月份 (2023-03, 2023-03-01,
2023年3月 …), and the six figures
门诊人次, 手术台次, 授课次数, 教学查房, 病例讨论, 远程会诊
(non-negative integers; empty = 0).
Each row is matched to the person's deployment at the hospital covering that month; re-importing updates.
The page, the command and the API share the one import framework (core.imports): ``ActivitySpec`` is the
sheet's declaration; the preview lists each row new / changed / unchanged / error (row, column, reason), the
error file is the upload with an error column, and confirming writes every row or none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Hashable
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import User
from core.identifiers import normalize_licence, normalize_national_id
from core.imports.engine import run_import, template_workbook
from core.imports.spec import CHANGED, NEW, UNCHANGED, Column, ImportSpec, Preview, PreviewRow
from core.permissions import is_recipient_coordinator
from core.privacy import can_see_personal_data, mask_national_id
from core.uploads import parse_date
from pairings.models import Hospital
from teams.choices import ReportStatus
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


def _figure(value: Any) -> int:
    try:
        number = 0.0 if value in ("", None) else float(value)
    except (TypeError, ValueError):
        number = -1.0
    if number < 0 or not number.is_integer() or number > _MAX_FIGURE:
        raise ValueError(_("应为非负整数"))
    return int(number)


def may_record_activity(user: User, hospital_id: int) -> bool:
    """The recipient hospital's coordinator records the workload of the people deployed to it."""
    return is_recipient_coordinator(user, hospital_id=hospital_id)


class ActivitySpec(ImportSpec):
    """The 工作量 sheet (the ``import_activity`` format) for a recipient hospital (the target)."""

    kind = "activity"
    title = gettext_lazy("导入月度工作量")
    sheet = "工作量"
    columns = [
        Column(
            "national_id",
            "身份证号",
            help=gettext_lazy("派驻人员的身份证号（按身份证号或执业证书编号匹配人员，不按姓名）"),
            parse=normalize_national_id,
            example="620102198001011234",
            personal=mask_national_id,
        ),
        Column("licence_no", "执业证书编号", help=gettext_lazy("无身份证号时填写"), parse=normalize_licence),
        Column(
            "month",
            "月份",
            required=True,
            parse=_month,
            example="2024-03",
            help=gettext_lazy("如 2024-03、2024/3 或 2024年3月；该月须在此人派驻本院期间"),
        ),
        *[
            Column(k, headers[0], parse=_figure, example=ex, help=gettext_lazy("非负整数，空白按 0"))
            for (k, headers), ex in zip(FIGURES.items(), (320, 12, 2, 4, 3, 1), strict=True)
        ],
    ]
    one_of = [("national_id", "licence_no")]
    instructions = [
        (
            gettext_lazy("注意"),
            gettext_lazy("同一人同一月份只能有一行；再次导入同一月份将更新原数据。全部正确才会导入。"),
        )
    ]
    preview_columns = [("name", gettext_lazy("姓名")), ("month_label", gettext_lazy("月份"))]
    target: Hospital

    def allowed(self, user: User) -> bool:
        return may_record_activity(user, self.target.pk)

    def refused_message(self) -> str:
        return _("只有受援医院联络员可以导入工作量。")

    def may_see_personal_data(self) -> bool:
        return self.user is None or can_see_personal_data(self.user)

    def display(self, row: PreviewRow) -> list[Any]:
        month = row.values.get("month")
        return [row.values.get("name", ""), month.strftime("%Y-%m") if month else ""]

    def parse_row(self, row: PreviewRow, cells: dict[str, Any], preview: Preview) -> None:
        super().parse_row(row, cells, preview)
        if not row.values.get("national_id") and not row.values.get("licence_no"):
            row.errors.insert(0, ("", _("身份证号与执业证书编号至少填一项")))
        row.values["figures"] = {k: row.values.get(k) or 0 for k in FIGURES if k in cells}

    def validate(self, preview: Preview) -> None:
        """Each row's deployment at the hospital covering its month, in one query for the whole file."""
        parsed = [r for r in preview.rows if r.values.get("month")]
        nids = {r.values["national_id"] for r in parsed if r.values.get("national_id")}
        lics = {r.values["licence_no"] for r in parsed if r.values.get("licence_no")}
        if not parsed:
            return
        months = [r.values["month"] for r in parsed]
        first, last = min(months), max(months)
        last_day = (last + dt.timedelta(days=32)).replace(day=1)
        candidates = list(
            Deployment.objects.filter(Q(staff__national_id__in=nids) | Q(staff__licence_no__in=lics))
            .filter(team__pairing__recipient=self.target, period__overlap=DateRange(first, last_day, "[)"))
            .select_related("staff")
        )
        for row in parsed:
            nid, lic = row.values.get("national_id"), row.values.get("licence_no")
            if not nid and not lic:
                continue
            month = row.values["month"]
            month_end = (month + dt.timedelta(days=32)).replace(day=1)
            for d in candidates:
                who = d.staff.national_id == nid if nid else d.staff.licence_no == lic
                if who and d.period.lower < month_end and d.period.upper > month:
                    row.values["deployment"] = d
                    row.values["name"] = d.staff.name
                    break
            else:
                row.errors.append(("", _("该人员 %(m)s 未派驻在本院") % {"m": month.strftime("%Y-%m")}))

    def row_key(self, row: PreviewRow) -> Hashable | None:
        return (row.values["deployment"].pk, row.values["month"])

    def existing(self, keys: list[Hashable]) -> dict[Hashable, Any]:
        deployments = {k[0] for k in keys}  # type: ignore[index]
        months = {k[1] for k in keys}  # type: ignore[index]
        return {
            (a.deployment_id, a.month): a
            for a in MonthlyActivity.objects.filter(deployment_id__in=deployments, month__in=months)
        }

    def same(self, obj: Any, row: PreviewRow) -> bool:
        # A person's own report (not yet confirmed) with the same figures changes: the import confirms it.
        return obj.status == ReportStatus.CONFIRMED and all(
            getattr(obj, k) == v for k, v in row.values["figures"].items()
        )

    def write(self, rows: list[PreviewRow]) -> None:
        for row in rows:
            MonthlyActivity.objects.update_or_create(
                deployment=row.values["deployment"],
                month=row.values["month"],
                # The recipient's own figures are confirmed figures (issue 19).
                defaults={**row.values["figures"], "status": ReportStatus.CONFIRMED},
            )


def activity_preview(
    *, hospital: Hospital, f: IO[bytes], name: str = "", apply: bool = False, user: User | None = None
) -> Preview:
    """Parse an upload of monthly workload for ``hospital`` (a recipient); with ``apply`` and no error,
    write every row in one transaction (all or nothing). ``user`` None is the command line (operator)."""
    result = run_import([ActivitySpec(user=user, target=hospital)], f=f, name=name, confirm=apply)
    return result.previews[0]


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


def activity_template() -> bytes:
    """The monthly workload template (the ``import_activity`` format) with an instructions sheet."""
    return template_workbook([ActivitySpec(user=None, target=None)])


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
