"""Roster Excel import on the shared framework (core.imports): the spec of the 名单 sheet.

The uploaded file is the whole roster: rows are matched to staff by a stable key (national ID or licence
number, never by name), unknown people are created with the coordinator's hospital as employer, and entries
no longer in the file are removed. Preview and confirm run the same code (the engine rolls the preview back).
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import User
from core.identifiers import licence_error, national_id_error, normalize_licence, normalize_national_id
from core.imports.engine import error_workbook, run_import, template_workbook
from core.imports.spec import (
    CHANGED,
    ERROR,
    NEW,
    UNCHANGED,
    Column,
    ImportSpec,
    Preview,
    PreviewRow,
    text,
)
from core.privacy import can_see_personal_data, mask_national_id, mask_phone
from core.uploads import parse_date
from pairings.models import Hospital, PairingSupporter
from teams.choices import DeploymentRole, Gender, Post
from teams.models import Roster, RosterEntry, Staff
from teams.resources import (
    ROLE_VALUES,
    ROSTER_HEADERS,
    TITLE_VALUES,
    roster_instructions,
    roster_rows,
)
from teams.selectors.rosters import carried_over_leaders
from teams.services.rosters import EDITABLE, entry_problems, is_supporter_coordinator, other_deployments

_STAFF_FIELDS = (
    "name", "national_id", "licence_no", "title", "gender", "phone", "specialty", "department",
    "clinical_since", "management_since",
)  # fmt: skip
_ENTRY_FIELDS = ("role", "post", "planned_start", "planned_end")

# Field of each template header (ROSTER_HEADERS holds header, required, help) and the aliases accepted.
_KEYS = {
    "姓名": ("name", ()),
    "身份证号": ("national_id", ("身份证号码",)),
    "执业证书编号": ("licence_no", ("执业证号",)),
    "性别": ("gender", ()),
    "手机号": ("phone", ("联系电话",)),
    "工作单位": ("hospital", ("派出医院",)),
    "职称": ("title", ()),
    "专业": ("specialty", ()),
    "科室": ("department", ()),
    "从事临床工作起始": ("clinical_since", ()),
    "从事管理工作起始": ("management_since", ()),
    "角色": ("role", ()),
    "挂职岗位": ("post", ()),
    "计划开始": ("planned_start", ()),
    "计划结束": ("planned_end", ()),
}
_PERSONAL = {"national_id": mask_national_id, "phone": mask_phone}
_EXAMPLE = {
    "name": "张三", "national_id": "620102198001011234", "gender": "男", "phone": "13800000000",
    "title": "副高", "specialty": "心血管内科", "department": "内科", "clinical_since": "2005-07-01",
    "management_since": "2015-01-01", "role": "队长", "post": "副院长", "planned_start": "2023-03-01",
    "planned_end": "2024-02-29",
}  # fmt: skip
# Free-text columns stored on Staff: a longer cell is a row error, not a database error at confirm.
_TEXT_LIMITS = {
    f: cast(CharField, Staff._meta.get_field(f)).max_length  # type: ignore[type-arg]
    for f in ("name", "phone", "specialty", "department")
}

RosterPreview = Preview  # the name the callers knew


class RosterSpec(ImportSpec):
    """The 名单 sheet of a roster (target: the Roster)."""

    kind = "roster"
    title = gettext_lazy("上传名单")
    sheet = "名单"
    columns = [
        Column(
            key=_KEYS[h][0], header=h, aliases=_KEYS[h][1], required=req, help=help_,
            example=_EXAMPLE.get(_KEYS[h][0], ""), personal=_PERSONAL.get(_KEYS[h][0]),
        )
        for h, req, help_ in ROSTER_HEADERS
    ]  # fmt: skip
    empty_message = gettext_lazy("工作表中没有人员数据行。")
    removes = True
    preview_columns = [
        ("name", gettext_lazy("姓名")),
        ("role_label", gettext_lazy("角色")),
        ("planned_start", gettext_lazy("计划开始")),
        ("planned_end", gettext_lazy("计划结束")),
    ]
    target: Roster

    def allowed(self, user: User) -> bool:
        return is_supporter_coordinator(user, self.target.supporter_id)

    def check_permission(self) -> None:
        super().check_permission()
        if self.user is not None and self.target.status not in EDITABLE:
            raise PermissionDenied(_("名单已提交或已备案，不能导入；已备案的名单请先创建新版本。"))

    def refused_message(self) -> str:
        return _("只有支援医院联络员可以导入本院的派驻名单。")

    def may_see_personal_data(self) -> bool:
        return self.user is None or can_see_personal_data(self.user, employer_id=self.target.supporter_id)

    def template_rows(self) -> list[list[Any]]:
        return roster_rows(roster=self.target, user=self.user) if self.user is not None else []

    def extra_instructions(self) -> list[tuple[str, str]]:
        return roster_instructions(self.target)

    def display(self, row: PreviewRow) -> list[Any]:
        role = row.values.get("role")
        label = (
            _("队长") if role == DeploymentRole.LEADER else _("队员") if role == DeploymentRole.MEMBER else ""
        )
        start, end = row.values.get("planned_start"), row.values.get("planned_end")
        return [row.values.get("name", ""), label, start and start.isoformat(), end and end.isoformat()]

    # --- parsing ----------------------------------------------------------------------------------

    def parse_row(self, row: PreviewRow, cells: dict[str, Any], preview: Preview) -> None:
        label = preview.labels
        err = row.errors.append
        name_ = text(cells["name"])
        if not name_:
            err((label["name"], _("姓名为空")))
        hosp_text = text(cells["hospital"])
        hosp = self._hospitals.get(hosp_text)
        if hosp is None:
            err((label["hospital"], _("未知医院：“%(h)s”") % {"h": hosp_text}))
        elif hosp.pk != self.target.supporter_id:
            err((label["hospital"], _("“%(h)s”不是您所在的医院，不能为其报送名单") % {"h": hosp_text}))
        # One normaliser for every entry point: a full-width or spaced copy of an ID is the same person.
        nid = normalize_national_id(cells.get("national_id"))
        lic = normalize_licence(cells.get("licence_no"))
        if not nid and not lic:
            err((label.get("national_id", "身份证号"), _("身份证号与执业证书编号至少填一项（不按姓名匹配）")))
        if nid and (problem := national_id_error(nid)):
            err((label["national_id"], problem))
            nid = ""
        if lic and (problem := licence_error(lic)):
            err((label["licence_no"], problem))
            lic = ""
        for field, limit in _TEXT_LIMITS.items():
            if field in cells and limit is not None and len(text(cells[field])) > limit:
                err((label[field], _("超过 %(n)d 个字符") % {"n": limit}))
        title = TITLE_VALUES.get(text(cells["title"]))
        if title is None:
            err(
                (
                    label["title"],
                    _("未知职称：“%(t)s”（可用：初级/中级/副高/正高）") % {"t": text(cells["title"])},
                )
            )
        role = ROLE_VALUES.get(text(cells["role"]))
        if role is None:
            err((label["role"], _("角色应为“队长”或“队员”")))
        post = text(cells["post"])
        if post not in Post.values:
            err((label["post"], _("未知挂职岗位：“%(p)s”") % {"p": post}))
        dates: dict[str, dt.date | None] = {}
        for key in ("planned_start", "planned_end", "clinical_since", "management_since"):
            required = key in ("planned_start", "planned_end")
            if key not in cells or (not required and text(cells[key]) == ""):
                dates[key] = None
                continue
            try:
                dates[key] = parse_date(cells[key])
            except ValueError as exc:
                dates[key] = None
                err((label[key], str(exc)))
        row.values = {
            "name": name_,
            "national_id": nid or None,
            "licence_no": lic or None,
            "title": title,
            "role": role,
            "post": post,
            "gender": {"男": Gender.MALE, "女": Gender.FEMALE}.get(text(cells.get("gender")), ""),
            "phone": text(cells.get("phone")),
            "specialty": text(cells.get("specialty")),
            "department": text(cells.get("department")),
            **dates,
        }

    @property
    def _hospitals(self) -> dict[str, Hospital]:
        if not hasattr(self, "_hospital_cache"):
            hospitals = {h.name: h for h in Hospital.objects.all().only("id", "name", "code")}
            hospitals.update({h.code: h for h in hospitals.values()})
            self._hospital_cache = hospitals
        return self._hospital_cache

    # --- checks across rows and against the database ------------------------------------------------

    def validate(self, preview: Preview) -> None:
        label = preview.labels
        roster = self.target
        rows = preview.rows
        nids = {r.values["national_id"] for r in rows if r.values.get("national_id")}
        lics = {r.values["licence_no"] for r in rows if r.values.get("licence_no")}
        known = list(Staff.objects.filter(Q(national_id__in=nids) | Q(licence_no__in=lics)))  # one query
        by_nid = {s.national_id: s for s in known if s.national_id}
        by_lic = {s.licence_no: s for s in known if s.licence_no}
        deployments = other_deployments(roster=roster, staff_ids=[s.pk for s in known])
        keys_seen: dict[str, int] = {}
        for r in rows:
            nid, lic = r.values.get("national_id"), r.values.get("licence_no")
            # Either key identifies a person: two rows sharing an ID *or* a licence are one person twice.
            keys = [k for k in (f"id:{nid}" if nid else "", f"lic:{lic}" if lic else "") if k]
            dup = next((keys_seen[k] for k in keys if k in keys_seen), None)
            if dup is not None:
                r.errors.append(("", _("与第 %(n)d 行是同一人员（重复行）") % {"n": dup}))
            for k in keys:
                keys_seen.setdefault(k, r.row_no)
            found = {
                s.pk: s for s in (by_nid.get(nid) if nid else None, by_lic.get(lic) if lic else None) if s
            }
            if len(found) > 1:
                r.errors.append(
                    (
                        label.get("licence_no", ""),
                        _("身份证号与执业证书编号分别属于两名不同的已登记人员，请核对"),
                    )
                )
            staff = next(iter(found.values()), None)
            if staff is not None and staff.employer_id != roster.supporter_id:
                r.errors.append((label.get("national_id", ""), _("该人员登记在其他医院，不能列入本院名单")))
            r.obj = staff
            if not r.errors and r.values["role"] is not None:
                for field, msg in entry_problems(
                    roster=roster,
                    staff=staff,
                    title=r.values["title"],
                    role=r.values["role"],
                    planned_start=r.values["planned_start"],
                    planned_end=r.values["planned_end"],
                    check_roster=False,
                    deployments=deployments,
                ):
                    r.errors.append((label.get(field, ""), msg))
        for r in rows:
            s, e = r.values.get("planned_start"), r.values.get("planned_end")
            if s and e and e < s and not any("结束日期早于" in m for _c, m in r.errors):
                r.errors.append((label["planned_end"], _("结束日期早于开始日期")))
        self._check_leader(preview)

    def _check_leader(self, preview: Preview) -> None:
        roster = self.target
        label = preview.labels
        is_lead = PairingSupporter.objects.filter(
            pairing_id=roster.team.pairing_id, hospital_id=roster.supporter_id, is_lead=True
        ).exists()
        leaders = [r for r in preview.rows if r.values.get("role") == DeploymentRole.LEADER]
        if is_lead and not leaders and carried_over_leaders(roster).exists():
            return  # the previous batch's leader is still on site and leads this batch too
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

    # --- writing (inside the engine's transaction) ----------------------------------------------------

    def apply(self, preview: Preview) -> None:
        """Create unknown people, then write the entries set-based: each row is new, changed or unchanged
        against the roster's entries keyed by (roster, staff); entries not in the file are removed.

        A handful of statements for the whole file (it was ~13 per row through django-import-export's
        row-by-row resource: a 2,000-row roster took 15–20 s). The checks that resource ran per row are
        ``validate``'s (dates, roles, titles, one leader, duplicates) and the table's constraints.
        """
        roster = self.target
        valid = [r for r in preview.rows if not r.errors]
        unknown = [r for r in valid if r.obj is None]
        created = Staff.objects.bulk_create(
            Staff(employer=roster.supporter, **{k: r.values[k] for k in _STAFF_FIELDS}) for r in unknown
        )
        for r, staff in zip(unknown, created, strict=True):
            r.obj = staff
        kept = {r.obj.pk for r in preview.rows if r.obj is not None}
        preview.removed = list(roster.entries.exclude(staff_id__in=kept).select_related("staff"))
        existing = {e.staff_id: e for e in roster.entries.filter(staff_id__in=kept)}
        new: list[RosterEntry] = []
        changed: list[RosterEntry] = []
        for r in valid:
            values = {k: r.values[k] for k in _ENTRY_FIELDS}
            entry = existing.get(r.obj.pk)
            if entry is None:
                entry = RosterEntry(roster=roster, staff=r.obj, **values)
                r.status = NEW
                new.append(entry)
            elif any(getattr(entry, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(entry, k, v)
                r.status = CHANGED
                changed.append(entry)
            else:
                r.status = UNCHANGED
                continue
            try:  # choices and lengths, without a query per row (the keys are checked above)
                entry.clean_fields(exclude=["roster", "staff"])
            except ValidationError as exc:
                r.errors.append(("", "; ".join(m for msgs in exc.message_dict.values() for m in msgs)))
        if any(r.errors for r in valid):
            return  # the engine rolls the whole file back
        roster.entries.filter(pk__in=[e.pk for e in preview.removed]).delete()
        RosterEntry.objects.bulk_create(new)
        RosterEntry.objects.bulk_update(changed, list(_ENTRY_FIELDS))


def roster_import(
    *, user: User | None, roster: Roster, f: IO[bytes], name: str = "", dry_run: bool = True
) -> Preview:
    """Preview (``dry_run``, the default: nothing is saved) or confirm a roster upload — one transaction.

    Confirming a file with any error writes nothing. ``user`` None is the command line (the operator).
    """
    result = run_import([RosterSpec(user=user, target=roster)], f=f, name=name, confirm=not dry_run)
    return result.previews[0]


def roster_error_file(*, user: User, roster: Roster, f: IO[bytes], name: str = "") -> bytes:
    """The uploaded rows with an added error column (general errors on a first line).

    Only those who may import the roster get it (the preview's check), and national IDs and phones are
    masked unless ``user`` may see personal data (SPEC §6): a masked cell is fixed in the original file.
    """
    specs = [RosterSpec(user=user, target=roster)]
    return error_workbook(specs, run_import(specs, f=f, name=name))


def roster_template(*, roster: Roster, user: User | None = None) -> bytes:
    """The roster template: the 名单 sheet (pre-filled with the current roster when it has entries, so a new
    version starts from the filed one) and the 说明 sheet with allowed values and the program's limits."""
    return template_workbook([RosterSpec(user=user, target=roster)])


__all__ = [
    "CHANGED",
    "ERROR",
    "NEW",
    "ROSTER_HEADERS",
    "UNCHANGED",
    "PreviewRow",
    "RosterPreview",
    "RosterSpec",
    "roster_error_file",
    "roster_import",
    "roster_template",
]
