"""Expert-visit batches (柔性帮扶) from Excel for the supporter coordinator's own hospital, on the shared
import framework. Each row names the recipient (name or code) of a pairing the hospital supports; the batch
is checked by the form's rules (``visit_problems``) and keyed by (pairing, start, end): the same batch again
is unchanged, other figures change it. Every pairing touched is re-checked (``core.events``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import events
from core.access import User
from core.imports.spec import CHANGED, NEW, Column, ImportSpec, Preview, PreviewRow, text
from core.permissions import is_supporter_coordinator
from core.uploads import parse_date
from pairings.models import Hospital, Pairing
from teams.models import ExpertVisitBatch
from teams.services.visits import VisitData, visit_problems

_FIELDS = ("person_times", "specialties", "activities")


def _person_times(cell: Any) -> int:
    try:
        number = float(cell)
    except (TypeError, ValueError):
        number = 0.0
    if not number.is_integer() or not 1 <= number <= 100_000:
        raise ValueError(_("人次应为不小于 1 的整数"))
    return int(number)


class VisitSpec(ImportSpec):
    kind = "expert-visits"
    title = gettext_lazy("批量导入专家柔性帮扶")
    sheet = "专家柔性帮扶"
    columns = [
        Column(
            "recipient",
            "受援医院",
            required=True,
            example="榆中县第一人民医院",
            help=gettext_lazy("本院帮扶的受援医院名称或机构代码"),
        ),
        Column("start_date", "开始日期", required=True, parse=parse_date, example="2024-03-04"),
        Column(
            "end_date",
            "结束日期",
            required=True,
            parse=parse_date,
            example="2024-03-08",
            help=gettext_lazy("不早于开始日期"),
        ),
        Column("person_times", "人次", required=True, parse=_person_times, example=5),
        Column("specialties", "专家及专业", max_length=200, example="心内科 2 人、麻醉科 1 人"),
        Column("activities", "工作内容", max_length=2000, example="义诊、手术带教、教学查房"),
    ]
    instructions = [
        (
            gettext_lazy("匹配"),
            gettext_lazy("同一受援医院、相同起止日期视为同一批次：再次导入将更新人次与内容。"),
        ),
    ]
    preview_columns = [
        ("recipient_name", gettext_lazy("受援医院")),
        ("dates", gettext_lazy("起止")),
        ("person_times", gettext_lazy("人次")),
    ]
    target: Hospital

    def allowed(self, user: User) -> bool:
        return is_supporter_coordinator(user, hospital_id=self.target.pk)

    def refused_message(self) -> str:
        return _("只有该帮扶关系的支援医院联络员可以记录专家柔性帮扶。")

    def validate(self, preview: Preview) -> None:
        pairings = list(
            Pairing.objects.filter(supporters__hospital=self.target).select_related("recipient")  # one query
        )
        for r in preview.rows:
            v = r.values
            v["specialties"], v["activities"] = v.get("specialties") or "", v.get("activities") or ""
            if r.errors:
                continue
            name = text(v["recipient"])
            start: dt.date = v["start_date"]
            mine = [p for p in pairings if name in (p.recipient.name, p.recipient.code)]
            if not mine:
                r.errors.append(
                    (preview.label("recipient"), _("“%(h)s”不是本院帮扶的受援医院") % {"h": name[:40]})
                )
                continue
            # A recipient helped in several programs: the pairing whose service period holds the start.
            pairing = next((p for p in mine if p.service_start <= start <= p.service_end), mine[0])
            data = VisitData(
                pairing=pairing,
                start_date=start,
                end_date=v["end_date"],
                person_times=v["person_times"],
                specialties=v["specialties"],
                activities=v["activities"],
            )
            for field, reason in visit_problems(data).items():
                r.errors.append((preview.label(field), reason))
            v["pairing"], v["recipient_name"] = pairing, pairing.recipient.name
            v["dates"] = f"{start:%Y-%m-%d} — {v['end_date']:%Y-%m-%d}"

    def row_key(self, row: PreviewRow) -> Hashable | None:
        return (row.values["pairing"].pk, row.values["start_date"], row.values["end_date"])

    def existing(self, keys: list[Hashable]) -> dict[Hashable, Any]:
        pairing_ids = {k[0] for k in keys}  # type: ignore[index]
        return {
            (v.pairing_id, v.start_date, v.end_date): v
            for v in ExpertVisitBatch.objects.filter(supporter=self.target, pairing_id__in=pairing_ids)
        }

    def same(self, obj: Any, row: PreviewRow) -> bool:
        return all(getattr(obj, f) == row.values[f] for f in _FIELDS)

    def write(self, rows: list[PreviewRow]) -> None:
        ExpertVisitBatch.objects.bulk_create(
            [
                ExpertVisitBatch(
                    pairing=r.values["pairing"],
                    supporter=self.target,
                    start_date=r.values["start_date"],
                    end_date=r.values["end_date"],
                    **{f: r.values[f] for f in _FIELDS},
                )
                for r in rows
                if r.status == NEW
            ]
        )
        changed = []
        for r in rows:
            if r.status == CHANGED:
                for f in _FIELDS:
                    setattr(r.obj, f, r.values[f])
                changed.append(r.obj)
        if changed:
            ExpertVisitBatch.objects.bulk_update(changed, list(_FIELDS))
        for pairing_id in {r.values["pairing"].pk for r in rows}:
            events.pairing_changed(pairing_id=pairing_id, reason="expert visits imported")
