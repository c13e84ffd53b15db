"""Excel exports of the deployed people's lists (issue 19): reports to confirm, leave to decide, accounts.

Names only — no ID numbers or phones — and every cell escaped (``teams.resources._workbook_bytes`` →
``core.excel``), from the same scoped rows the page shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from teams.models import LeaveRequest, MonthlyActivity, Staff
from teams.resources import _workbook_bytes
from teams.services.activity import FIGURES


def reports_workbook(rows: Iterable[MonthlyActivity]) -> bytes:
    header = [
        *(_(label) for label in ("月份", "姓名", "支援医院", "状态", "门诊人次", "手术台次", "授课次数")),
        *(_(label) for label in ("教学查房", "病例讨论", "远程会诊", "本月工作", "存在问题", "下月计划")),
    ]
    out: list[Sequence[Any]] = [header]
    for r in rows:
        out.append(
            [
                r.month.strftime("%Y-%m"),
                r.deployment.staff.name,
                r.deployment.supporter.name,
                r.get_status_display(),
                *(getattr(r, k) for k in FIGURES),
                r.work_done,
                r.problems,
                r.next_plan,
            ]  # fmt: skip
        )
    return _workbook_bytes([(_("工作月报"), out)])


def leave_workbook(rows: Iterable[LeaveRequest]) -> bytes:
    header = [_("姓名"), _("支援医院"), _("开始日期"), _("结束日期"), _("天数"), _("事由"), _("状态")]
    out: list[Sequence[Any]] = [header]
    for r in rows:
        out.append([r.deployment.staff.name, r.deployment.supporter.name, r.start_date, r.end_date, r.days,
                    r.reason, r.get_status_display()])  # fmt: skip
    return _workbook_bytes([(_("请假"), out)])


def accounts_workbook(rows: Iterable[Staff]) -> bytes:
    header = [_("姓名"), _("账号"), _("状态")]
    out: list[Sequence[Any]] = [header]
    for s in rows:
        account = getattr(s, "account", None)
        if account is None:
            state = _("未开通")
        elif account.deactivated_at:
            state = _("已停用")
        elif account.activated_at:
            state = _("已激活")
        else:
            state = _("已邀请，待激活")
        out.append([s.name, account.user.username if account else "", state])
    return _workbook_bytes([(_("派驻人员账号"), out)])
