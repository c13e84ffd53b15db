"""Bulk staff (人员库) from Excel for the supporter coordinator's own hospital (shared import framework).

Each row is validated by the directory's own rules (``staff_problems``: names, titles, IDs through
core/identifiers.py, phones, dates); a person is keyed by national ID, else licence number — a row naming a
person of the hospital updates them, one registered at another hospital is refused. One query finds every
registered person of the file; the writes are two bulk statements.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import User
from core.imports.spec import CHANGED, NEW, Column, ImportSpec, Preview, PreviewRow, text
from core.permissions import is_supporter_coordinator
from core.privacy import can_see_personal_data, mask_national_id, mask_phone
from core.uploads import parse_date
from pairings.models import Hospital
from teams.models import Staff
from teams.resources import TITLE_VALUES
from teams.services.staff import StaffData, _fields, staff_problems

_GENDERS = {"男": "M", "女": "F"}
_STAFF_FIELDS = (
    "name",
    "title",
    "national_id",
    "licence_no",
    "phone",
    "gender",
    "specialty",
    "department",
    "clinical_since",
    "management_since",
)


def _title(cell: Any) -> int:
    value = TITLE_VALUES.get(text(cell))
    if value is None:
        raise ValueError(_("未知职称：“%(t)s”（可用：初级/中级/副高/正高）") % {"t": text(cell)[:20]})
    return int(value)


def _gender(cell: Any) -> str:
    value = _GENDERS.get(text(cell))
    if value is None:
        raise ValueError(_("性别应为 男 或 女"))
    return value


class StaffSpec(ImportSpec):
    kind = "staff"
    title = gettext_lazy("批量导入人员")
    sheet = "人员库"
    columns = [
        Column("name", "姓名", required=True, max_length=40, example="张三"),
        Column(
            "national_id",
            "身份证号",
            example="620102198001011234",
            personal=mask_national_id,
            help=gettext_lazy("18 位；与执业证书编号至少填一项（不按姓名区分人员）"),
        ),
        Column("licence_no", "执业证书编号", example=""),
        Column("gender", "性别", parse=_gender, example="男", help="男 / 女"),
        Column(
            "phone", "手机号", example="13800000000", personal=mask_phone, help=gettext_lazy("11 位手机号")
        ),
        Column(
            "title", "职称", required=True, parse=_title, example="副高", help="初级 / 中级 / 副高 / 正高"
        ),
        Column("specialty", "专业", max_length=60, example="心血管内科"),
        Column("department", "科室", max_length=60, example="内科"),
        Column("clinical_since", "从事临床工作起始", parse=parse_date, example="2005-07-01"),
        Column("management_since", "从事管理工作起始", parse=parse_date, example=""),
    ]
    instructions = [
        (
            gettext_lazy("匹配"),
            gettext_lazy(
                "按身份证号（无则按执业证书编号）匹配本院已登记人员：相同则未变，不同则修改，否则新增。"
            ),
        ),
    ]
    preview_columns = [("name", gettext_lazy("姓名")), ("title_label", gettext_lazy("职称"))]
    target: Hospital

    def allowed(self, user: User) -> bool:
        return is_supporter_coordinator(user, hospital_id=self.target.pk)

    def refused_message(self) -> str:
        return _("只有本院的支援医院联络员可以维护人员库。")

    def may_see_personal_data(self) -> bool:
        return self.user is None or can_see_personal_data(self.user, employer_id=self.target.pk)

    def display(self, row: PreviewRow) -> list[Any]:
        labels: dict[int, str] = {int(v): k for k, v in TITLE_VALUES.items() if len(k) == 2}
        return [row.values.get("name"), labels.get(row.values.get("title") or 0, "")]

    def parse_row(self, row: PreviewRow, cells: dict[str, Any], preview: Preview) -> None:
        super().parse_row(row, cells, preview)
        if row.errors:
            return
        v = row.values
        data = StaffData(
            name=v.get("name") or "",
            title=v.get("title") or 0,
            national_id=v.get("national_id") or "",
            licence_no=v.get("licence_no") or "",
            phone=v.get("phone") or "",
            gender=v.get("gender") or "",
            specialty=v.get("specialty") or "",
            department=v.get("department") or "",
            clinical_since=v.get("clinical_since"),
            management_since=v.get("management_since"),
        ).normalised()
        # The directory's rules without its per-person uniqueness queries (validate does those for the file).
        for field, reason in staff_problems(data, check_unique=False).items():
            row.errors.append((preview.label(field) or preview.label("national_id"), reason))
        row.values = _fields(data)

    def validate(self, preview: Preview) -> None:
        rows = [r for r in preview.rows if not r.errors]
        nids = {r.values["national_id"] for r in rows if r.values["national_id"]}
        lics = {r.values["licence_no"] for r in rows if r.values["licence_no"]}
        known = list(Staff.objects.filter(Q(national_id__in=nids) | Q(licence_no__in=lics)))  # one query
        by_nid = {s.national_id: s for s in known if s.national_id}
        by_lic = {s.licence_no: s for s in known if s.licence_no}
        for r in rows:
            nid, lic = r.values["national_id"], r.values["licence_no"]
            person = by_nid.get(nid) if nid else by_lic.get(lic)
            other = by_lic.get(lic) if lic else None
            if person is not None and person.employer_id != self.target.pk:
                r.errors.append((preview.label("national_id"), _("该人员登记在其他医院")))
            elif other is not None and other != person:
                r.errors.append((preview.label("licence_no"), _("该执业证书编号已登记")))

    def row_key(self, row: PreviewRow) -> Hashable | None:
        nid, lic = row.values["national_id"], row.values["licence_no"]
        return ("id", nid) if nid else ("lic", lic)

    def existing(self, keys: list[Hashable]) -> dict[Hashable, Any]:
        nids = [k[1] for k in keys if k[0] == "id"]  # type: ignore[index]
        lics = [k[1] for k in keys if k[0] == "lic"]  # type: ignore[index]
        found: dict[Hashable, Any] = {}
        for s in Staff.objects.filter(employer=self.target).filter(
            Q(national_id__in=nids) | Q(licence_no__in=lics)
        ):
            if s.national_id:
                found[("id", s.national_id)] = s
            if s.licence_no:
                found.setdefault(("lic", s.licence_no), s)
        return found

    def same(self, obj: Any, row: PreviewRow) -> bool:
        return all(getattr(obj, f) == row.values[f] for f in _STAFF_FIELDS)

    def write(self, rows: list[PreviewRow]) -> None:
        Staff.objects.bulk_create([Staff(employer=self.target, **r.values) for r in rows if r.status == NEW])
        changed = []
        for r in rows:
            if r.status == CHANGED:
                for f in _STAFF_FIELDS:
                    setattr(r.obj, f, r.values[f])
                changed.append(r.obj)
        if changed:
            Staff.objects.bulk_update(changed, list(_STAFF_FIELDS))
