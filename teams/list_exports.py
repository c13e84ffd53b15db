"""Excel exports of the roster list and the monthly attendance page (issue 15 "Both": every list exports
with the filters applied, personal data masked by role, cells escaped by core/excel.py).

The rows come from the same scoped selectors the pages use; these functions only lay them out.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from core.access import User
from core.excel import safe_row
from core.privacy import can_see_personal_data, mask_national_id
from teams.models import Roster


def _bytes(title: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    import openpyxl  # heavy: only the export needs it

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        ws.append(safe_row(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rosters_workbook(rosters: Iterable[Roster]) -> bytes:
    """The roster list as the page shows it (one row per roster version; no personal data)."""
    header = [_("受援医院"), _("年度"), _("批次"), _("支援医院"), _("版本"), _("人数"), _("状态")]
    rows = (
        [
            r.team.pairing.recipient.name,
            r.team.year,
            r.team.rotation,
            r.supporter.name,
            r.version,
            getattr(r, "entry_count", None),
            r.get_status_display(),
        ]
        for r in rosters
    )
    return _bytes(_("派驻名单"), header, rows)


def attendance_workbook(rows: Iterable[dict[str, Any]], *, user: User, month: dt.date) -> bytes:
    """The monthly attendance table (``teams.selectors.attendance.monthly_attendance_table``) for ``month``;
    the national ID tells two people of the same name apart and is masked unless ``user`` may see it."""
    header = [
        _("月份"), _("人员"), _("身份证号"), _("帮扶队"), _("工作日"), _("应出勤天数"), _("出勤"), _("请假"),
        _("缺勤"), _("出勤率"),
    ]  # fmt: skip
    not_imported = _("未导入考勤")
    seen: dict[int | None, bool] = {}

    def national_id(r: dict[str, Any]) -> str:
        employer = r.get("staff_employer_id")
        if employer not in seen:
            seen[employer] = can_see_personal_data(user, employer_id=employer)
        value = r.get("staff_national_id") or ""
        return value if seen[employer] else mask_national_id(value)

    def line(r: dict[str, Any]) -> list[Any]:
        head = [month.strftime("%Y-%m"), r["staff_name"], national_id(r), r["team"], r["working_days"]]
        if not r["imported"]:
            return [*head, not_imported, "", "", "", ""]
        return [
            *head, r["expected_days"], r["present_days"], r["leave_days"], r["absent_days"], r["rate"] or "",
        ]  # fmt: skip

    return _bytes(_("月度考勤"), header, (line(r) for r in rows))
