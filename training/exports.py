"""Excel export of the hosted-trainee list (issue 15: every list exports, personal data masked by role)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from core.access import User
from core.excel import safe_row
from core.privacy import national_id_for
from training.models import TraineeStint


def hosted_stints_workbook(stints: Iterable[TraineeStint], *, user: User) -> bytes:
    import openpyxl  # heavy: only the export needs it

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _("进修学员")
    ws.append(
        [
            _("学员"), _("身份证号"), _("受援医院"), _("接收医院"), _("类型"), _("进修专业"), _("开始日期"),
            _("结束日期"), _("状态"), _("已结业"), _("免费"), _("未接收原因"),
        ]
    )  # fmt: skip
    yes, no = _("是"), _("否")
    for s in stints:
        row: list[Any] = [
            s.trainee_name, national_id_for(s, user), s.pairing.recipient.name, s.host.name,
            s.get_kind_display(), s.specialty, s.start_date, s.end_date, s.get_status_display(),
            yes if s.completed else no, yes if s.is_free else no, s.decline_reason,
        ]  # fmt: skip
        ws.append(safe_row(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
