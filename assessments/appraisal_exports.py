"""Excel exports of the appraisal lists: 月考核, 期满考核, 年度考核 (issue 15 "Both": every list exports with
the filters applied, personal data masked by role, cells escaped by core/excel.py).

The rows are the scoped querysets the pages show; these functions only lay them out.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from assessments.models import AnnualAppraisal, MonthlyAssessment
from core.access import User
from core.excel import safe_row
from core.privacy import national_id_for
from teams.models import Deployment


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


def monthly_assessments_workbook(assessments: Iterable[MonthlyAssessment], *, user: User) -> bytes:
    header = [
        _("月份"), _("姓名"), _("身份证号"), _("受援医院"), _("派出医院"), _("得分"), _("结果"), _("月补助"),
        _("扣减"), _("应发"), _("评语"),
    ]  # fmt: skip
    passed, failed = _("合格"), _("不合格")
    rows = (
        [
            a.month.strftime("%Y-%m"),
            a.deployment.staff.name,
            national_id_for(a.deployment.staff, user),
            a.deployment.team.pairing.recipient.name,
            a.deployment.supporter.name,
            a.score,
            passed if a.passed else failed,
            a.subsidy_cny,
            a.deduction_cny,
            a.payable_cny,
            a.comment,
        ]
        for a in assessments
    )
    return _bytes(_("月考核"), header, rows)


def end_appraisals_workbook(deployments: Iterable[Deployment], *, user: User) -> bytes:
    """One row per deployment, with its written appraisal and certificate if recorded (as the page)."""
    header = [
        _("姓名"), _("身份证号"), _("受援医院"), _("派出医院"), _("派驻开始"), _("派驻结束"), _("考核意见"),
        _("意见"), _("签字人"), _("签字日期"), _("证明编号"),
    ]  # fmt: skip
    passed, failed, missing = _("合格"), _("不合格"), _("未录入")

    def line(d: Deployment) -> list[Any]:
        a = getattr(d, "end_appraisal", None)
        head = [
            d.staff.name, national_id_for(d.staff, user), d.team.pairing.recipient.name, d.supporter.name,
            d.start, d.end,
        ]  # fmt: skip
        if a is None:
            return [*head, missing, "", "", "", ""]
        certificate = getattr(a, "certificate", None)
        return [
            *head, passed if a.qualified else failed, a.opinion, a.signer, a.signed_on,
            certificate.number if certificate else "",
        ]  # fmt: skip

    return _bytes(_("期满考核"), header, (line(d) for d in deployments))


def annual_appraisals_workbook(appraisals: Iterable[AnnualAppraisal]) -> bytes:
    """A program year's appraisals as the list shows them (no personal data)."""
    header = [
        _("年度"), _("市州"), _("受援医院"), _("状态"), _("计算得分"), _("调整"), _("最终得分"), _("等次"),
    ]  # fmt: skip
    rows = (
        [
            a.year,
            a.pairing.recipient.county.city.name if a.pairing.recipient.county else "",
            a.pairing.recipient.name,
            a.get_status_display(),
            a.computed_score,
            a.adjustment,
            a.score,
            a.get_grade_display(),
        ]
        for a in appraisals
    )
    return _bytes(_("年度考核"), header, rows)
