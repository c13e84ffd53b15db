"""django-import-export resources of the teams app, and the spreadsheets we hand out (template, error file).

``AttendancePunchResource`` exists for the benchmark's baseline: the row-by-row import that the COPY path in
services/attendance.py replaces. (Roster entries are written set-based by services/imports.py.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from import_export import resources

from core.access import User
from core.imports.engine import workbook_bytes as _workbook_bytes
from core.privacy import can_see_personal_data, mask_national_id, national_id_for, phone_for
from teams.choices import DeploymentRole, Post, Title
from teams.models import AttendancePunch, Deployment, ExpertVisitBatch, Roster, Staff

# The columns of the roster template, in order: (header, required, help shown on the instructions sheet).
ROSTER_HEADERS: list[tuple[str, bool, str]] = [
    ("姓名", True, "人员姓名"),
    ("身份证号", False, "18 位身份证号；与执业证书编号至少填一项（不按姓名匹配人员）"),
    ("执业证书编号", False, "医师/护士执业证书编号"),
    ("性别", False, "男 / 女"),
    ("手机号", False, "11 位手机号"),
    ("工作单位", True, "派出医院全称或机构代码，须为您所在的医院"),
    ("职称", True, "初级 / 中级 / 副高 / 正高"),
    ("专业", False, ""),
    ("科室", False, ""),
    ("从事临床工作起始", False, "日期，如 2010-07-01"),
    ("从事管理工作起始", False, "日期；队长须满足管理年限"),
    ("角色", True, "队长 / 队员；牵头医院的名单须有且仅有一名队长"),
    ("挂职岗位", True, "院长 / 副院长 / 科室主任 / 业务主任 / 护士长 / 医师 / 其他"),
    ("计划开始", True, "日期：2023-03-01、2023/3/1、2023年3月1日 或 Excel 日期"),
    ("计划结束", True, "日期，不早于计划开始"),
]


_CHINA = dt.timezone(dt.timedelta(hours=8))
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class AttendancePunchResource(resources.ModelResource):
    """Row-by-row punch import (benchmark baseline only): the same key, so it is idempotent too."""

    class Meta:
        model = AttendancePunch
        fields = (
            "key",
            "hospital",
            "userid",
            "name",
            "department",
            "work_date",
            "punched_at",
            "kind",
            "result",
            "location_result",
            "approval_ref",
        )
        # The punch's unique index (the key alone is not indexed): each row's lookup is an index probe.
        import_id_fields = ("hospital", "work_date", "userid", "key")
        skip_unchanged = True

    @staticmethod
    def key_for(kind: str, punched_at: dt.datetime | None) -> int:
        """The punch key computed row by row, as the COPY path computes it in SQL (_KEY_SQL): the time in
        whole seconds and the check type. A naive time is China's, as the import stores it (+08)."""
        code = ("on", "off", "leave", "trip").index(kind)
        if punched_at is None:
            return -(2**62) + code
        if punched_at.tzinfo is None:
            punched_at = punched_at.replace(tzinfo=_CHINA)
        # Whole seconds rounded half away from zero, as PostgreSQL casts the numeric epoch to bigint.
        micro = (punched_at - _EPOCH) // dt.timedelta(microseconds=1)
        seconds, rest = divmod(abs(micro), 1_000_000)
        seconds += rest >= 500_000
        return (seconds if micro >= 0 else -seconds) * 4 + code


# --- spreadsheets we produce ------------------------------------------------------------------------------


_TITLE_CELL: dict[int, str] = {
    Title.JUNIOR: "初级",
    Title.INTERMEDIATE: "中级",
    Title.ASSOCIATE_SENIOR: "副高",
    Title.SENIOR: "正高",
}


def _date_cell(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


def roster_rows(*, roster: Roster, user: User) -> list[list[Any]]:
    """The roster's entries as template rows, so a new version starts from the current roster.

    The importer matches people by national ID or licence number: someone who may not see national IDs
    gets the licence number only (the ID column left empty rather than masked, which would not match).
    """
    full_ids = can_see_personal_data(user)
    rows = []
    for e in roster.entries.select_related("staff").order_by("role", "planned_start", "staff__name"):
        st = e.staff
        nid = st.national_id or ""
        if not full_ids:
            nid = "" if st.licence_no else mask_national_id(nid)
        rows.append(
            [
                st.name,
                nid,
                st.licence_no or "",
                {"M": "男", "F": "女"}.get(st.gender, ""),
                phone_for(st, user),
                roster.supporter.name,
                _TITLE_CELL.get(st.title, ""),
                st.specialty,
                st.department,
                _date_cell(st.clinical_since),
                _date_cell(st.management_since),
                "队长" if e.role == DeploymentRole.LEADER else "队员",
                e.post,
                _date_cell(e.planned_start),
                _date_cell(e.planned_end),
            ]
        )
    return rows


def roster_instructions(roster: Roster) -> list[tuple[str, str]]:
    """The roster template's notes on the 说明 sheet: allowed values, the program's limits, deadlines."""
    lines: list[tuple[str, str]] = [
        (_("允许的值"), ""),
        (_("职称"), " / ".join(str(label).split(" ")[0] for _v, label in Title.choices)),
        (_("角色"), "队长 / 队员"),
        (_("挂职岗位"), " / ".join(v for v, _l in Post.choices)),
    ]
    program = roster.team.pairing.program
    min_title = program.rules.member_min_title
    if min_title:
        lines.append((_("队员最低职称"), str(Title(min_title).label)))
    if program.roster_deadline:
        lines.append((_("名单备案截止"), program.roster_deadline.isoformat()))
    lines.append((_("轮换开始"), roster.team.start_date.isoformat()))
    return lines


def staff_workbook(staff: Iterable[Staff], *, user: User) -> bytes:
    """The staff directory as listed (search applied by the caller); IDs and phones masked by role."""
    header = [
        _("姓名"), _("工作单位"), _("职称"), _("专业"), _("科室"), _("身份证号"), _("执业证书编号"),
        _("手机号"), _("从事临床工作起始"), _("从事管理工作起始"),
    ]  # fmt: skip
    rows: list[Sequence[Any]] = [header]
    for st in staff:
        rows.append(
            [
                st.name, st.employer.name, _TITLE_CELL.get(st.title, ""), st.specialty, st.department,
                national_id_for(st, user), st.licence_no or "", phone_for(st, user),
                _date_cell(st.clinical_since), _date_cell(st.management_since),
            ]
        )  # fmt: skip
    return _workbook_bytes([(_("人员库"), rows)])


def expert_visits_workbook(visits: Iterable[ExpertVisitBatch]) -> bytes:
    """Expert-visit batches as listed (year applied by the caller); no personal data."""
    header = [
        _("受援医院"),
        _("支援医院"),
        _("开始日期"),
        _("结束日期"),
        _("人次"),
        _("专家及专业"),
        _("工作内容"),
    ]
    rows: list[Sequence[Any]] = [header]
    for v in visits:
        rows.append(
            [
                v.pairing.recipient.name, v.supporter.name, _date_cell(v.start_date), _date_cell(v.end_date),
                v.person_times, v.specialties, v.activities,
            ]
        )  # fmt: skip
    return _workbook_bytes([(_("专家柔性帮扶"), rows)])


ROLE_VALUES = {"队长": DeploymentRole.LEADER, "队员": DeploymentRole.MEMBER}
TITLE_VALUES = {
    "初级": Title.JUNIOR,
    "中级": Title.INTERMEDIATE,
    "副高": Title.ASSOCIATE_SENIOR,
    "正高": Title.SENIOR,
    "副主任医师": Title.ASSOCIATE_SENIOR,
    "主任医师": Title.SENIOR,
    "主治医师": Title.INTERMEDIATE,
}


def deployments_workbook(deployments: Iterable[Deployment]) -> bytes:
    """The deployment list as the page shows it (filters applied by the caller); no personal data."""
    header = [
        _("姓名"), _("受援医院"), _("支援医院"), _("年度"), _("批次"), _("角色"), _("挂职岗位"),
        _("计划开始"), _("计划结束"), _("实际到岗"), _("实际离岗"), _("提前返回原因"), _("替换"),
    ]  # fmt: skip
    rows: list[Sequence[Any]] = [header]
    for d in deployments:
        rows.append(
            [
                d.staff.name, d.team.pairing.recipient.name, d.supporter.name, d.team.year,
                d.team.rotation, d.get_role_display(), d.get_post_display(), d.planned_start,
                d.planned_end, d.actual_start, d.actual_end, d.early_return_reason,
                d.replaces.staff.name if d.replaces is not None else "",
            ]
        )  # fmt: skip
    return _workbook_bytes([(_("派驻人员"), rows)])


ACTIVITY_HEADERS = [
    "身份证号",
    "执业证书编号",
    "月份",
    "门诊人次",
    "手术台次",
    "授课次数",
    "教学查房",
    "病例讨论",
    "远程会诊",
]


def activities_workbook(activities: Iterable[Any]) -> bytes:
    """The workload list as the page shows it (filters applied by the caller); names, no IDs."""
    header = [_("月份"), _("姓名"), _("受援医院"), _("支援医院"), *ACTIVITY_HEADERS[3:]]
    rows: list[Sequence[Any]] = [header]
    for a in activities:
        rows.append(
            [
                a.month.strftime("%Y-%m"), a.deployment.staff.name, a.deployment.team.pairing.recipient.name,
                a.deployment.supporter.name, a.outpatient_visits, a.surgeries, a.lectures, a.teaching_rounds,
                a.case_discussions, a.remote_consultations,
            ]
        )  # fmt: skip
    return _workbook_bytes([(_("工作量"), rows)])
