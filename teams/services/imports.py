"""Roster Excel import: parse and validate, preview (nothing saved), confirm (all or nothing), error file.

The uploaded file is the whole roster: rows are matched to staff by a stable key (national ID or licence
number, never by name), unknown people are created with the coordinator's hospital as employer, and entries
no longer in the file are removed. Preview and confirm run the same code; preview rolls back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import IO, Any

import tablib
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import User
from core.privacy import can_see_personal_data, mask_national_id, mask_phone
from core.uploads import UploadError, check_upload, column_letter, header_index, iter_rows, parse_date
from pairings.models import Hospital, PairingSupporter
from teams.choices import DeploymentRole, Gender, Post
from teams.models import Roster, RosterEntry, Staff
from teams.resources import ROLE_VALUES, ROSTER_HEADERS, TITLE_VALUES, RosterEntryResource, error_file
from teams.services.rosters import EDITABLE, entry_problems, is_supporter_coordinator

_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "national_id": ("身份证号", "身份证号码"),
    "licence_no": ("执业证书编号", "执业证号"),
    "gender": ("性别",),
    "phone": ("手机号", "联系电话"),
    "hospital": ("工作单位", "派出医院"),
    "title": ("职称",),
    "specialty": ("专业",),
    "department": ("科室",),
    "clinical_since": ("从事临床工作起始",),
    "management_since": ("从事管理工作起始",),
    "role": ("角色",),
    "post": ("挂职岗位",),
    "planned_start": ("计划开始",),
    "planned_end": ("计划结束",),
}
_REQUIRED = {"name", "hospital", "title", "role", "post", "planned_start", "planned_end"}
_NATIONAL_ID = re.compile(r"^\d{17}[\dX]$")
NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
STATUS_LABELS = {
    NEW: gettext_lazy("新增"),
    CHANGED: gettext_lazy("修改"),
    UNCHANGED: gettext_lazy("未变"),
    ERROR: gettext_lazy("错误"),
}


@dataclasses.dataclass
class PreviewRow:
    row_no: int
    raw: list[Any]
    values: dict[str, Any]
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (column, message)
    status: str = ""
    staff: Staff | None = None

    @property
    def error_text(self) -> str:
        return "；".join(f"{c}：{m}" if c else m for c, m in self.errors)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


@dataclasses.dataclass
class RosterPreview:
    header: list[Any]
    rows: list[PreviewRow]
    general_errors: list[str] = dataclasses.field(default_factory=list)
    removed: list[RosterEntry] = dataclasses.field(default_factory=list)
    applied: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.general_errors) or any(r.errors for r in self.rows)

    def counts(self) -> dict[str, int]:
        out = {NEW: 0, CHANGED: 0, UNCHANGED: 0, ERROR: 0}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        out["removed"] = len(self.removed)
        return out

    def error_lines(self) -> list[str]:
        lines = list(self.general_errors)
        for r in self.rows:
            for col, msg in r.errors:
                lines.append(
                    _("第 %(row)d 行，%(col)s：%(msg)s") % {"row": r.row_no, "col": col or "—", "msg": msg}
                )
        return lines


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _read(f: IO[bytes], name: str) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    kind = check_upload(f, name)
    rows = iter_rows(f, kind)
    header: list[Any] | None = None
    body: list[tuple[int, list[Any]]] = []
    for i, row in enumerate(rows, start=1):
        if header is None:
            if any(_text(c) for c in row):
                header = [_text(c) for c in row]
            continue
        if any(_text(c) for c in row):
            body.append((i, list(row) + [""] * (len(header) - len(row))))
        if len(body) > 5000:
            raise UploadError(_("名单行数过多（超过 5000 行）。"))
    if header is None:
        raise UploadError(_("工作表为空。"))
    if not body:
        raise UploadError(_("工作表中没有人员数据行。"))
    return header, body


def parse_roster(*, roster: Roster, f: IO[bytes], name: str = "") -> RosterPreview:
    """Read and validate a roster upload (no writes). File-level problems raise UploadError."""
    header, body = _read(f, name)
    cols = header_index(header, _FIELDS, _REQUIRED)
    label = {k: f"{_text(header[i])} ({column_letter(i)})" for k, i in cols.items()}
    supporter = roster.supporter
    hospitals = {h.name: h for h in Hospital.objects.all().only("id", "name", "code")}
    hospitals.update({h.code: h for h in hospitals.values()})
    keys_seen: dict[str, int] = {}
    rows: list[PreviewRow] = []
    for row_no, raw in body:
        v = {k: raw[i] for k, i in cols.items()}
        pr = PreviewRow(row_no=row_no, raw=raw, values={})
        err = pr.errors.append
        name_ = _text(v["name"])
        if not name_:
            err((label["name"], _("姓名为空")))
        hosp_text = _text(v["hospital"])
        hosp = hospitals.get(hosp_text)
        if hosp is None:
            err((label["hospital"], _("未知医院：“%(h)s”") % {"h": hosp_text}))
        elif hosp.pk != supporter.pk:
            err((label["hospital"], _("“%(h)s”不是您所在的医院，不能为其报送名单") % {"h": hosp_text}))
        nid = _text(v.get("national_id")).upper()
        lic = _text(v.get("licence_no"))
        if not nid and not lic:
            err((label.get("national_id", "身份证号"), _("身份证号与执业证书编号至少填一项（不按姓名匹配）")))
        if nid and not _NATIONAL_ID.match(nid):
            err((label["national_id"], _("身份证号格式错误")))
        title = TITLE_VALUES.get(_text(v["title"]))
        if title is None:
            err(
                (
                    label["title"],
                    _("未知职称：“%(t)s”（可用：初级/中级/副高/正高）") % {"t": _text(v["title"])},
                )
            )
        role = ROLE_VALUES.get(_text(v["role"]))
        if role is None:
            err((label["role"], _("角色应为“队长”或“队员”")))
        post = _text(v["post"])
        if post not in Post.values:
            err((label["post"], _("未知挂职岗位：“%(p)s”") % {"p": post}))
        dates: dict[str, dt.date | None] = {}
        for key in ("planned_start", "planned_end", "clinical_since", "management_since"):
            if key not in v or (key not in _REQUIRED and _text(v[key]) == ""):
                dates[key] = None
                continue
            try:
                dates[key] = parse_date(v[key])
            except ValueError as exc:
                dates[key] = None
                err((label[key], str(exc)))
        key = f"id:{nid}" if nid else f"lic:{lic}"
        if (nid or lic) and key in keys_seen:
            err(("", _("与第 %(n)d 行是同一人员（重复行）") % {"n": keys_seen[key]}))
        elif nid or lic:
            keys_seen[key] = row_no
        staff = None
        if nid or lic:
            q = Q(national_id=nid) if nid else Q()
            if lic:
                q = q | Q(licence_no=lic) if nid else Q(licence_no=lic)
            staff = Staff.objects.filter(q).first()
            if staff is not None and staff.employer_id != supporter.pk:
                err((label.get("national_id", ""), _("该人员登记在其他医院，不能列入本院名单")))
        pr.staff = staff
        pr.values = {
            "name": name_,
            "national_id": nid or None,
            "licence_no": lic or None,
            "title": title,
            "role": role,
            "post": post,
            "gender": {"男": Gender.MALE, "女": Gender.FEMALE}.get(_text(v.get("gender")), ""),
            "phone": _text(v.get("phone")),
            "specialty": _text(v.get("specialty")),
            "department": _text(v.get("department")),
            **dates,
        }
        if not pr.errors and role is not None:
            for field, msg in entry_problems(
                roster=roster,
                staff=staff,
                title=title,
                role=role,
                planned_start=dates["planned_start"],
                planned_end=dates["planned_end"],
                check_roster=False,
            ):
                err((label.get(field, ""), msg))
        rows.append(pr)
    preview = RosterPreview(header=header, rows=rows)
    _check_file_overlaps(preview, label)
    _check_leader(preview, roster, label)
    return preview


def _check_file_overlaps(preview: RosterPreview, label: dict[str, str]) -> None:
    """Two rows for one person with overlapping dates are caught as duplicates; dates are checked here."""
    for r in preview.rows:
        s, e = r.values.get("planned_start"), r.values.get("planned_end")
        if s and e and e < s and not any("结束日期早于" in m for _c, m in r.errors):
            r.errors.append((label["planned_end"], _("结束日期早于开始日期")))


def _check_leader(preview: RosterPreview, roster: Roster, label: dict[str, str]) -> None:
    is_lead = PairingSupporter.objects.filter(
        pairing_id=roster.team.pairing_id, hospital_id=roster.supporter_id, is_lead=True
    ).exists()
    leaders = [r for r in preview.rows if r.values.get("role") == DeploymentRole.LEADER]
    if is_lead and not leaders:
        preview.general_errors.append(_("缺少队长：牵头医院的名单须有且仅有一名队长。"))
    elif is_lead and len(leaders) > 1:
        for r in leaders[1:]:
            r.errors.append(
                (label["role"], _("队长只能有一名（第 %(n)d 行已是队长）") % {"n": leaders[0].row_no})
            )
    elif not is_lead:
        for r in leaders:
            r.errors.append((label["role"], _("队长由牵头医院派出，本院名单不应包含队长")))


def _check_editable(user: User, roster: Roster) -> None:
    if not is_supporter_coordinator(user, roster.supporter_id):
        raise PermissionDenied(_("只有支援医院联络员可以导入本院的派驻名单。"))
    if roster.status not in EDITABLE:
        raise PermissionDenied(_("名单已提交或已备案，不能导入；已备案的名单请先创建新版本。"))


def roster_import(
    *, user: User, roster: Roster, f: IO[bytes], name: str = "", dry_run: bool = True
) -> RosterPreview:
    """Preview (``dry_run``, the default: nothing is saved) or confirm a roster upload — one transaction.

    Confirming a file with any error writes nothing. Rows are written by ``RosterEntryResource``
    (django-import-export), which also classifies them new / changed / unchanged.
    """
    _check_editable(user, roster)
    preview = parse_roster(roster=roster, f=f, name=name)
    with transaction.atomic():
        valid = [r for r in preview.rows if not r.errors]
        for r in valid:
            if r.staff is None:
                r.staff = Staff.objects.create(
                    employer=roster.supporter,
                    name=r.values["name"],
                    national_id=r.values["national_id"],
                    licence_no=r.values["licence_no"],
                    title=r.values["title"],
                    gender=r.values["gender"],
                    phone=r.values["phone"],
                    specialty=r.values["specialty"],
                    department=r.values["department"],
                    clinical_since=r.values["clinical_since"],
                    management_since=r.values["management_since"],
                )
        kept = {r.staff.pk for r in preview.rows if r.staff is not None}
        preview.removed = list(roster.entries.exclude(staff_id__in=kept).select_related("staff"))
        dataset = tablib.Dataset(headers=["roster", "staff", "role", "post", "planned_start", "planned_end"])
        for r in valid:
            assert r.staff is not None
            dataset.append(
                [
                    roster.pk,
                    r.staff.pk,
                    r.values["role"],
                    r.values["post"],
                    r.values["planned_start"],
                    r.values["planned_end"],
                ]
            )
        result = RosterEntryResource().import_data(dataset, dry_run=False, use_transactions=False)
        kinds = {"new": NEW, "update": CHANGED, "skip": UNCHANGED}
        for r, row_result in zip(valid, result.rows, strict=True):
            r.status = kinds.get(row_result.import_type, ERROR)
            if row_result.import_type in ("error", "invalid"):
                r.errors.append(("", "; ".join(str(e.error) for e in row_result.errors) or _("无效行")))
        if result.has_validation_errors():
            for inv in result.invalid_rows:
                valid[inv.number - 1].errors.append(("", str(inv.error_dict)))
        for r in preview.rows:
            if r.errors:
                r.status = ERROR
        if not preview.has_errors and not dry_run:
            roster.entries.filter(pk__in=[e.pk for e in preview.removed]).delete()
            preview.applied = True
        else:
            transaction.set_rollback(True)
    return preview


def roster_error_file(*, user: User, roster: Roster, f: IO[bytes], name: str = "") -> bytes:
    """The uploaded rows with an added error column (general errors on a first line).

    Only those who may import the roster get it (the preview's check), and national IDs and phones are
    masked unless ``user`` may see personal data (SPEC §6): a masked cell is fixed in the original file.
    """
    _check_editable(user, roster)
    preview = parse_roster(roster=roster, f=f, name=name)
    mine = can_see_personal_data(user, employer_id=roster.supporter_id)
    personal = [] if mine else _personal_columns(preview.header)
    rows = [(_masked(r.raw[: len(preview.header)], personal), r.error_text) for r in preview.rows]
    if preview.general_errors:
        rows.insert(0, ([""] * len(preview.header), "；".join(preview.general_errors)))
    return error_file(preview.header, rows)


def _personal_columns(header: list[Any]) -> list[tuple[int, Callable[[str | None], str]]]:
    cols = header_index(header, _FIELDS, set())
    maskers = {"national_id": mask_national_id, "phone": mask_phone}
    return [(cols[field], masker) for field, masker in maskers.items() if field in cols]


def _masked(raw: list[Any], personal: list[tuple[int, Callable[[str | None], str]]]) -> list[Any]:
    out = list(raw)
    for idx, masker in personal:
        if idx < len(out) and out[idx] not in (None, ""):
            out[idx] = masker(_text(out[idx]))
    return out


__all__ = [
    "ROSTER_HEADERS",
    "RosterPreview",
    "PreviewRow",
    "parse_roster",
    "roster_import",
    "roster_error_file",
]
