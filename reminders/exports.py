"""Excel export of the deadline list (filters applied; text cells escaped by core.excel)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.excel import safe_row
from reminders.selectors.deadlines import Deadline


def deadlines_workbook(items: list[Deadline]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("截止日期")
    ws.append([_("截止日期"), _("规定日期"), _("类型"), _("事项"), _("受援医院"), _("状态")])
    for d in items:
        ws.append(safe_row([d.due, d.set_due, d.kind_label, d.title, d.recipient, d.status_label]))
    for col, width in zip("ABCDEF", (12, 12, 16, 60, 24, 10), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
