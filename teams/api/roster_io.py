"""Roster submission over the API: resolve the roster, feed JSON entries to the same import service as the
Excel wizard, and render its preview.

A JSON body is written out as a CSV with the template's headers and read back by ``roster_import``, so the
API never grows a second validation path: a JSON entry is "row n + 2" of that file (row 1 is the header).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.permissions import own_hospital_id
from core.roles import Role
from core.uploads import column_letter
from pairings.models import Hospital
from teams.choices import DeploymentRole, Title
from teams.models import Roster, Team
from teams.resources import ROSTER_HEADERS
from teams.services import rosters as svc
from teams.services.imports import RosterPreview, roster_import

# JSON field → the template's column header (the headers ``RosterSpec`` accepts).
JSON_COLUMNS: dict[str, str] = {
    "name": "姓名",
    "national_id": "身份证号",
    "licence_no": "执业证书编号",
    "gender": "性别",
    "phone": "手机号",
    "hospital": "工作单位",
    "title": "职称",
    "specialty": "专业",
    "department": "科室",
    "clinical_since": "从事临床工作起始",
    "management_since": "从事管理工作起始",
    "role": "角色",
    "post": "挂职岗位",
    "planned_start": "计划开始",
    "planned_end": "计划结束",
}
_HEADER = [h for h, _r, _h in ROSTER_HEADERS]
_ROLE_LABELS = {DeploymentRole.LEADER.value: "队长", DeploymentRole.MEMBER.value: "队员"}
_TITLE_LABELS = {
    Title.JUNIOR.value: "初级",
    Title.INTERMEDIATE.value: "中级",
    Title.ASSOCIATE_SENIOR.value: "副高",
    Title.SENIOR.value: "正高",
}
_GENDER_LABELS = {"M": "男", "F": "女", "male": "男", "female": "女"}
FIRST_JSON_ROW = 2


def entries_file(entries: Sequence[Mapping[str, Any]], *, supporter: Hospital) -> IO[bytes]:
    """The JSON entries as a CSV upload; API codes (``leader``, title ``3``) become the template's labels."""
    field_of = {h: k for k, h in JSON_COLUMNS.items()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_HEADER)
    for entry in entries:
        values = {k: "" if v is None else v for k, v in entry.items()}
        values.setdefault("hospital", supporter.name)
        role = str(values.get("role", ""))
        values["role"] = _ROLE_LABELS.get(role, role)
        title = str(values.get("title", ""))
        values["title"] = (
            _TITLE_LABELS.get(int(title), title) if title.isascii() and title.isdigit() else title
        )
        gender = str(values.get("gender", ""))
        values["gender"] = _GENDER_LABELS.get(gender, gender)
        writer.writerow([str(values.get(field_of.get(h, ""), "")) for h in _HEADER])
    return io.BytesIO(out.getvalue().encode("utf-8"))


def resolve_supporter(*, user: Any, supporter_id: int | None) -> Hospital:
    """The named supporter (404 when not visible), else the coordinator's own hospital."""
    if supporter_id is not None:
        return get_object_or_404(Hospital.objects.for_user(user), pk=supporter_id)
    own = own_hospital_id(user, Role.SUPPORTER_COORDINATOR)
    if own is None:
        raise PermissionDenied(_("只有支援医院联络员可以报送本院的派驻名单。"))
    return Hospital.objects.get(pk=own)


def current_roster(*, team: Team, supporter: Hospital) -> Roster | None:
    """The latest version of ``supporter``'s roster for ``team``."""
    return (
        Roster.objects.filter(team=team, supporter=supporter)
        .select_related("team", "supporter")
        .order_by("-version")
        .first()
    )


@contextmanager
def _atomic_rollback_unless(applied: list[bool]) -> Iterator[None]:
    with transaction.atomic():
        yield
        if not applied[0]:
            transaction.set_rollback(True)


def roster_api_import(
    *, user: Any, team: Team, supporter: Hospital, f: IO[bytes], name: str, confirm: bool
) -> tuple[Roster | None, RosterPreview]:
    """Preview or confirm an upload for (team, supporter); a missing roster is started with the import.

    All or nothing: when the confirm is refused (row errors, or a preview), the roster this call started
    is rolled back with everything else. Returns the roster only when it was saved.
    """
    applied = [False]
    with _atomic_rollback_unless(applied):
        roster = current_roster(team=team, supporter=supporter)
        if roster is None:
            roster = svc.roster_create(user=user, team=team, supporter=supporter)
        preview = roster_import(user=user, roster=roster, f=f, name=name, dry_run=not confirm)
        applied[0] = preview.applied
    return (roster if preview.applied else None), preview


def preview_data(preview: RosterPreview, *, from_json: bool) -> dict[str, Any]:
    """Rows with their status and errors, each naming row, column and reason (plus the JSON entry index)."""
    label_field = {}
    if from_json:
        field_of = {h: k for k, h in JSON_COLUMNS.items()}
        label_field = {
            f"{h} ({_letter(i)})": field_of.get(h, h) for i, h in enumerate(preview.header) if h in field_of
        }
    rows = []
    for r in preview.rows:
        errors = [
            {"row": r.row_no, "column": label_field.get(col, col), "message": msg} for col, msg in r.errors
        ]
        row: dict[str, Any] = {
            "row": r.row_no,
            "status": r.status,
            "name": r.values.get("name", ""),
            "errors": errors,
        }
        if from_json:
            row["entry"] = r.row_no - FIRST_JSON_ROW
        rows.append(row)
    return {
        "applied": preview.applied,
        "counts": preview.counts(),
        "rows": rows,
        "errors": [str(e) for e in preview.general_errors],
        "removed": [e.staff.name for e in preview.removed],
    }


def _letter(idx: int) -> str:

    return column_letter(idx)
