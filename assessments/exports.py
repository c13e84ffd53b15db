"""Excel exports of assessment lists (issue 15: every list exports with its filters applied, cells escaped
against formula injection by core/excel.py). Findings name rules by title, never by code."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from assessments.models import Finding
from assessments.rules.base import all_rules
from core.excel import safe_row


def findings_workbook(findings: Iterable[Finding]) -> bytes:
    import openpyxl  # heavy: only the export needs it

    titles = {r.code: _(r.title) for r in all_rules()}
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(_("问题清单"))
    ws.append(
        [_("规则"), _("严重程度"), _("状态"), _("受援医院"), _("市州"), _("开始"), _("结束"), _("说明")]
    )
    for fd in findings:
        recipient = fd.pairing.recipient if fd.pairing else None
        city = recipient.county.city.name if recipient and recipient.county else ""
        row = [
            titles.get(fd.rule_code, fd.rule_code), fd.get_severity_display(), fd.get_status_display(),
            recipient.name if recipient else "", city, fd.period_start, fd.period_end, fd.text,
        ]  # fmt: skip
        ws.append(safe_row(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
