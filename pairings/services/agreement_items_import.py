"""Agreement items (协议事项) from Excel for one agreement, on the shared import framework (core.imports).

Whoever may enter items by form may import them (``can_edit_agreement``: province staff, or the supporter
that signed). A row is matched to an item of the agreement by type and content: the same row again is
unchanged, a new due date or department changes it, anything else is a new item. Items missing from the
file stay (they carry progress reports); the template is pre-filled with the current items.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import User
from core.imports.spec import CHANGED, NEW, Column, ImportSpec, PreviewRow, text
from core.uploads import parse_date
from pairings.choices import AgreementItemKind
from pairings.models import Agreement, AgreementItem
from pairings.services.agreements import can_edit_agreement

# The type column takes the Chinese word of each kind (目标, 节点 …), the labels without their gloss.
KIND_VALUES = {str(label).split(" ")[0]: value for value, label in AgreementItemKind.choices}
KIND_LABELS = {v: k for k, v in KIND_VALUES.items()}
_DEPARTMENT_MAX = 80


def _kind(cell: Any) -> str:
    value = KIND_VALUES.get(text(cell))
    if value is None:
        raise ValueError(
            _("未知事项类型：“%(v)s”（可用：%(all)s）")
            % {"v": text(cell)[:20], "all": " / ".join(KIND_VALUES)}
        )
    return value


class AgreementItemSpec(ImportSpec):
    kind = "agreement-items"
    title = gettext_lazy("导入协议事项")
    sheet = "协议事项"
    columns = [
        Column("kind", "类型", required=True, parse=_kind, example="任务", help=" / ".join(KIND_VALUES)),
        Column(
            "description",
            "内容",
            required=True,
            max_length=2000,
            example="开展胸痛中心建设",
            help=gettext_lazy("目标、节点、任务、项目或技术的内容"),
        ),
        Column("responsible_department", "责任科室", max_length=_DEPARTMENT_MAX, example="心内科"),
        Column(
            "due_date",
            "完成时限",
            parse=parse_date,
            example="2024-06-30",
            help=gettext_lazy("日期，如 2024-06-30；可空白"),
        ),
    ]
    instructions = [
        (
            gettext_lazy("匹配"),
            gettext_lazy(
                "按“类型 + 内容”匹配本协议已有事项：相同则未变，时限或科室不同则修改，否则新增；"
                "文件中没有的事项保留不删。"
            ),
        ),
    ]
    preview_columns = [
        ("kind_label", gettext_lazy("类型")),
        ("description", gettext_lazy("内容")),
        ("due_date", gettext_lazy("完成时限")),
    ]
    target: Agreement

    def allowed(self, user: User) -> bool:
        agreement = self.target
        return can_edit_agreement(user, pairing=agreement.pairing, supporter_id=agreement.supporter_id)

    def refused_message(self) -> str:
        return _("只有省级卫健委或签约的支援医院可以录入、修改协议。")

    def template_rows(self) -> list[list[Any]]:
        return [
            [
                KIND_LABELS.get(it.kind, ""),
                it.description,
                it.responsible_department,
                it.due_date.isoformat() if it.due_date else "",
            ]
            for it in self.target.items.order_by("due_date", "pk")
        ]

    def display(self, row: PreviewRow) -> list[Any]:
        due = row.values.get("due_date")
        return [
            KIND_LABELS.get(row.values.get("kind") or "", ""),
            row.values.get("description"),
            due.isoformat() if due else "",
        ]

    def row_key(self, row: PreviewRow) -> Hashable | None:
        return (row.values["kind"], row.values["description"])

    def existing(self, keys: list[Hashable]) -> dict[Hashable, Any]:
        return {(it.kind, it.description): it for it in self.target.items.all()}

    def same(self, obj: Any, row: PreviewRow) -> bool:
        v = row.values
        return bool(
            obj.responsible_department == (v.get("responsible_department") or "")
            and obj.due_date == v.get("due_date")
        )

    def write(self, rows: list[PreviewRow]) -> None:
        AgreementItem.objects.bulk_create(
            [
                AgreementItem(
                    agreement=self.target,
                    kind=r.values["kind"],
                    description=r.values["description"],
                    responsible_department=r.values.get("responsible_department") or "",
                    due_date=r.values.get("due_date"),
                )
                for r in rows
                if r.status == NEW
            ]
        )
        changed = []
        for r in rows:
            if r.status == CHANGED:
                r.obj.responsible_department = r.values.get("responsible_department") or ""
                r.obj.due_date = r.values.get("due_date")
                changed.append(r.obj)
        if changed:
            AgreementItem.objects.bulk_update(changed, ["responsible_department", "due_date"])
