"""Excel exports of the capacity-building lists (issue 15: every list exports, with the filters applied).

The rows come from the page's selectors (``for_user``); every text cell goes through ``core.excel.safe_row``
against formula injection. No personal data is in these lists.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from assessments.models import Donation, NewTechnology, Referral, ServiceCapacityAssessment, Specialty
from assessments.selectors.capacity import CentreRow
from core.excel import safe_row


def _workbook(title: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    import openpyxl  # heavy: only the export needs it

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for row in rows:
        ws.append(safe_row(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def centres_workbook(rows: list[CentreRow]) -> bytes:
    def lines() -> Iterable[list[Any]]:
        for r in rows:
            p = r.progress
            latest = r.milestones[-1] if r.milestones else None
            yield [
                r.label, r.status_label, p.achieved_on if p else None, p.note if p else "",
                len(r.milestones), latest.date if latest else None, latest.description if latest else "",
            ]  # fmt: skip

    header = [_("中心"), _("状态"), _("建成日期"), _("备注"), _("进展条数"), _("最近进展日期"), _("最近进展")]
    return _workbook(_("中心建设"), header, lines())


def specialties_workbook(rows: Iterable[Specialty]) -> bytes:
    header = [_("类型"), _("专科"), _("选定年度"), _("建设目标"), _("建设进度（%）"), _("达标日期")]
    return _workbook(
        _("专科建设"),
        header,
        ([s.get_kind_display(), s.name, s.selected_year, s.goal, s.progress, s.achieved_on] for s in rows),
    )


def technologies_workbook(rows: Iterable[NewTechnology]) -> bytes:
    header = [_("技术名称"), _("开展日期"), _("支援医院"), _("开展例数")]
    return _workbook(
        _("新技术新业务"),
        header,
        ([t.name, t.introduced_on, t.supporter.name if t.supporter else "", t.cases] for t in rows),
    )


def assessments_workbook(rows: Iterable[ServiceCapacityAssessment]) -> bytes:
    yes, no = _("是"), _("否")
    header = [
        _("评估日期"),
        _("评估标准"),
        _("达到二级医院医疗服务能力"),
        _("评估机构"),
        _("备注"),
        _("佐证材料"),
    ]
    return _workbook(
        _("服务能力评估"),
        header,
        (
            [
                a.assessed_on,
                a.get_standard_display(),
                yes if a.reaches_level2 else no,
                a.assessor,
                a.note,
                a.evidence_name,
            ]  # fmt: skip
            for a in rows
        ),
    )


def referrals_workbook(rows: Iterable[Referral]) -> bytes:
    header = [_("月份"), _("上转人次"), _("下转人次")]
    return _workbook(_("双向转诊"), header, ([f"{r.month:%Y-%m}", r.up_count, r.down_count] for r in rows))


def donations_workbook(rows: Iterable[Donation]) -> bytes:
    header = [_("日期"), _("捐赠医院"), _("类型"), _("内容"), _("金额/价值（元）")]
    return _workbook(
        _("捐赠"),
        header,
        ([d.date, d.supporter.name, d.get_kind_display(), d.description, d.value_cny] for d in rows),
    )
