"""The supporter's staff directory (人员库, issue 15): add and edit the hospital's own people.

National IDs go through core/identifiers.py (normalised, GB 11643 check character and birth date); the same
validation serves the page, the API and — through ``staff_problems`` — any later bulk entry. A person is keyed
by national ID or licence number (never by name: two people named 崔慧 are two rows).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core import permissions
from core.access import User
from core.identifiers import licence_error, national_id_error, normalize_licence, normalize_national_id
from pairings.models import Hospital
from teams.choices import Gender, Title
from teams.models import Staff

_PHONE = re.compile(r"^1[3-9][0-9]{9}$")


class StaffError(Exception):
    """Invalid staff data: ``problems`` maps a field name to the reason shown next to it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("；".join(problems.values()))
        self.problems = problems


@dataclasses.dataclass
class StaffData:
    """What a coordinator enters for one person (form, API or a spreadsheet row)."""

    name: str
    title: int
    national_id: str = ""
    licence_no: str = ""
    phone: str = ""
    gender: str = ""
    specialty: str = ""
    department: str = ""
    clinical_since: dt.date | None = None
    management_since: dt.date | None = None

    def normalised(self) -> StaffData:
        return dataclasses.replace(
            self,
            name=self.name.strip(),
            national_id=normalize_national_id(self.national_id),
            licence_no=normalize_licence(self.licence_no),
            phone=re.sub(r"[\s-]", "", self.phone or ""),
            specialty=self.specialty.strip(),
            department=self.department.strip(),
        )


def staff_problems(
    data: StaffData, *, exclude_pk: int | None = None, check_unique: bool = True
) -> dict[str, str]:
    """Field → reason for everything wrong with ``data`` (already normalised); empty when it may be saved.

    ``check_unique`` False leaves out the two "already registered" queries: the Excel import
    (staff_import.py) matches the whole file's people in one query instead."""
    problems: dict[str, str] = {}
    if not data.name:
        problems["name"] = _("姓名为空")
    if data.title not in Title.values:
        problems["title"] = _("未知职称")
    if not data.national_id and not data.licence_no:
        problems["national_id"] = _("身份证号与执业证书编号至少填一项（不按姓名区分人员）")
    if data.national_id and (err := national_id_error(data.national_id)):
        problems["national_id"] = err
    if data.licence_no and (err := licence_error(data.licence_no)):
        problems["licence_no"] = err
    if data.phone and not _PHONE.match(data.phone):
        problems["phone"] = _("手机号应为 11 位数字，以 1 开头")
    if data.gender and data.gender not in Gender.values:
        problems["gender"] = _("性别应为 男 或 女")
    today = dt.date.today()
    for field in ("clinical_since", "management_since"):
        since = getattr(data, field)
        if since is not None and since > today:
            problems[field] = _("起始日期晚于今天")
    if not check_unique:
        return problems
    others = Staff.objects.exclude(pk=exclude_pk) if exclude_pk else Staff.objects.all()
    if (
        "national_id" not in problems
        and data.national_id
        and others.filter(national_id=data.national_id).exists()
    ):
        problems["national_id"] = _("该身份证号已登记（同一人不能登记两次）")
    if (
        "licence_no" not in problems
        and data.licence_no
        and others.filter(licence_no=data.licence_no).exists()
    ):
        problems["licence_no"] = _("该执业证书编号已登记")
    return problems


def _require_coordinator(user: User, hospital_id: int) -> None:
    if not permissions.is_supporter_coordinator(user, hospital_id=hospital_id):
        raise PermissionDenied(_("只有本院的支援医院联络员可以维护人员库。"))


def _fields(data: StaffData) -> dict[str, Any]:
    return {
        "name": data.name,
        "title": data.title,
        "national_id": data.national_id or None,
        "licence_no": data.licence_no or None,
        "phone": data.phone,
        "gender": data.gender,
        "specialty": data.specialty,
        "department": data.department,
        "clinical_since": data.clinical_since,
        "management_since": data.management_since,
    }


def staff_create(*, user: User, employer: Hospital, data: StaffData) -> Staff:
    """Add a person to ``employer``'s directory (the coordinator's own hospital only)."""
    _require_coordinator(user, employer.pk)
    data = data.normalised()
    if problems := staff_problems(data):
        raise StaffError(problems)
    with transaction.atomic():
        return Staff.objects.create(employer=employer, **_fields(data))


def staff_update(*, user: User, staff: Staff, data: StaffData) -> Staff:
    """Edit a person of the coordinator's own hospital (an ID may change to another valid, unused one)."""
    _require_coordinator(user, staff.employer_id)
    data = data.normalised()
    if problems := staff_problems(data, exclude_pk=staff.pk):
        raise StaffError(problems)
    fields = _fields(data)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(staff, name, value)
        staff.save(update_fields=[*fields, "updated_at"])
    return staff
