"""Pairing list import (附件1 对口帮扶关系, SPEC §2 step 1) on the shared framework (core.imports).

One workbook, two sheets, one transaction: ``医院`` (hospitals, keyed by 机构代码) is applied first, so the
``对口帮扶关系`` sheet (pairings keyed by recipient and supporter, hospitals named by code or name) is checked
against the hospitals of the same file. The page, the API and ``manage.py import_pairings`` run the same
specs; rerunning the same workbook changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping
from typing import IO, Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import events
from core.access import User
from core.imports.engine import run_import, template_workbook
from core.imports.spec import CHANGED, NEW, Column, ImportSpec, Preview, PreviewRow, text
from core.permissions import is_province_staff
from core.uploads import parse_date
from pairings.choices import HospitalGrade, HospitalKind, HospitalOrigin, HospitalRole
from pairings.models import City, County, Hospital, Pairing, PairingSupporter, Program

ROLES = {
    "支援": HospitalRole.SUPPORTER,
    "支援医院": HospitalRole.SUPPORTER,
    "受援": HospitalRole.RECIPIENT,
    "受援医院": HospitalRole.RECIPIENT,
}
KINDS = {"综合": HospitalKind.GENERAL, "中医": HospitalKind.TCM}
ORIGINS = {
    "省内": HospitalOrigin.IN_PROVINCE,
    "省外": HospitalOrigin.OTHER_PROVINCE,
    "军队": HospitalOrigin.MILITARY,
}
GRADES = {str(label): value for value, label in HospitalGrade.choices}
YES = {"是", "Y", "y", "1", "TRUE", "True"}
_HOSPITAL_FIELDS = (
    "name",
    "role",
    "kind",
    "grade",
    "origin",
    "origin_region",
    "city_id",
    "county_id",
    "is_residency_base",
    "is_county_hospital",
)


def _choice(mapping: Mapping[str, str], message: Any) -> Callable[[Any], str]:
    def parse(cell: Any) -> str:
        value = mapping.get(text(cell))
        if value is None:
            raise ValueError(str(message) % {"v": text(cell)[:30]})
        return value

    return parse


def _yes(cell: Any) -> bool:
    return text(cell) in YES


class _ProgramSpec(ImportSpec):
    target: Program

    def allowed(self, user: User) -> bool:
        return is_province_staff(user, province_id=self.target.province_id)

    def refused_message(self) -> str:
        return _("只有本省卫生健康委工作人员可以导入帮扶关系。")


class HospitalSheetSpec(_ProgramSpec):
    """Sheet 医院: the province's hospitals (supporters, including out-of-province ones, and recipients)."""

    kind = "pairing-list"
    title = gettext_lazy("导入对口帮扶关系（附件1）")
    sheet = "医院"
    columns = [
        Column(
            "code",
            "机构代码",
            required=True,
            max_length=32,
            example="R001",
            help=gettext_lazy("医院的唯一代码"),
        ),
        Column("name", "医院名称", required=True, max_length=120, example="榆中县第一人民医院"),
        Column(
            "role",
            "角色",
            required=True,
            parse=_choice(ROLES, gettext_lazy("角色应为“支援”或“受援”（“%(v)s”）")),
            example="受援",
            help="支援 / 受援",
        ),
        Column(
            "kind",
            "类别",
            parse=_choice(KINDS, gettext_lazy("类别应为“综合”或“中医”（“%(v)s”）")),
            example="综合",
            help=gettext_lazy("综合 / 中医；空白为综合"),
        ),
        Column(
            "grade",
            "等级",
            parse=_choice(GRADES, gettext_lazy("未知等级：“%(v)s”")),
            example="二级甲等",
            help=" / ".join(str(label) for _v, label in HospitalGrade.choices),
        ),
        Column(
            "origin",
            "来源",
            parse=_choice(ORIGINS, gettext_lazy("来源应为“省内”“省外”或“军队”（“%(v)s”）")),
            example="省内",
            help=gettext_lazy("省内 / 省外 / 军队；空白为省内"),
        ),
        Column("origin_region", "所在省市", max_length=40, help=gettext_lazy("省外医院必填，如 天津市")),
        Column("city", "市州", required=True, example="兰州市", help=gettext_lazy("本省已登记的市州")),
        Column("county", "县区", example="榆中县", help=gettext_lazy("受援医院必填：本省已登记的县区")),
        Column("is_residency_base", "住培基地", parse=_yes, example="否", help="是 / 否"),
    ]
    preview_columns = [("code", gettext_lazy("机构代码")), ("name", gettext_lazy("医院名称"))]

    def template_rows(self) -> list[list[Any]]:
        """The hospitals of the program's current pairing list: the officer edits it rather than retypes."""
        labels: dict[str, str] = {v: k for k, v in ROLES.items() if len(k) == 2}
        kinds: dict[str, str] = {v: k for k, v in KINDS.items()}
        origins: dict[str, str] = {v: k for k, v in ORIGINS.items()}
        grades: dict[str, str] = {v: k for k, v in GRADES.items()}
        rows = []
        hospitals = (
            Hospital.objects.filter(
                Q(pairings_received__program=self.target)
                | Q(pairings_supported__pairing__program=self.target)
            )
            .distinct()
            .select_related("city", "county")
            .order_by("role", "code")
        )
        for h in hospitals:
            rows.append(
                [
                    h.code,
                    h.name,
                    labels.get(h.role, ""),
                    kinds.get(h.kind, ""),
                    grades.get(h.grade, ""),
                    origins.get(h.origin, ""),
                    h.origin_region,
                    h.city.name if h.city else "",
                    h.county.name if h.county else "",
                    "是" if h.is_residency_base else "否",
                ]
            )
        return rows

    def validate(self, preview: Preview) -> None:
        label = preview.labels
        province = self.target.province
        cities = {c.name: c for c in City.objects.filter(province=province)}
        counties = {(c.city_id, c.name): c for c in County.objects.filter(city__province=province)}
        rows = preview.rows
        codes = [r.values["code"] for r in rows if r.values.get("code")]
        names = [r.values["name"] for r in rows if r.values.get("name")]
        stored = list(Hospital.objects.filter(Q(code__in=codes) | Q(name__in=names)))
        by_code = {h.code: h for h in stored}
        by_name = {h.name: h for h in stored}
        seen_codes: dict[str, int] = {}
        seen_names: dict[str, int] = {}
        for r in rows:
            v = r.values
            v["kind"] = v.get("kind") or HospitalKind.GENERAL
            v["origin"] = v.get("origin") or HospitalOrigin.IN_PROVINCE
            v["grade"] = v.get("grade") or HospitalGrade.UNGRADED
            v["origin_region"] = v.get("origin_region") or ""
            v["is_residency_base"] = bool(v.get("is_residency_base"))
            code, name = v.get("code"), v.get("name")
            if code in seen_codes:
                r.errors.append((label["code"], _("机构代码与第 %(n)d 行重复") % {"n": seen_codes[code]}))
            if name in seen_names:
                r.errors.append((label["name"], _("医院名称与第 %(n)d 行重复") % {"n": seen_names[name]}))
            seen_codes.setdefault(code or "", r.row_no)
            seen_names.setdefault(name or "", r.row_no)
            known = by_code.get(code or "")
            if known is not None and known.province_id != province.pk:
                r.errors.append((label["code"], _("该机构代码已登记在其他省份")))
            other = by_name.get(name or "")
            if other is not None and other.code != code:
                r.errors.append((label["name"], _("该名称已是机构代码 %(c)s 的医院") % {"c": other.code}))
            city = cities.get(text(v.get("city")))
            if v.get("city") and city is None:
                r.errors.append((label["city"], _("未知市州：“%(c)s”") % {"c": text(v.get("city"))[:30]}))
            county = counties.get((city.pk, text(v.get("county")))) if city and v.get("county") else None
            if v.get("county") and city is not None and county is None:
                r.errors.append((label["county"], _("未知县区：“%(c)s”") % {"c": text(v.get("county"))[:30]}))
            if v.get("role") == HospitalRole.RECIPIENT and county is None and not v.get("county"):
                r.errors.append((label.get("county", ""), _("受援医院须填写本省已登记的县区")))
            if v["origin"] == HospitalOrigin.OTHER_PROVINCE and not v["origin_region"]:
                r.errors.append((label.get("origin_region", ""), _("省外医院须填写所在省市")))
            v["city_id"] = city.pk if city else None
            v["county_id"] = county.pk if county else None
            v["is_county_hospital"] = v.get("role") == HospitalRole.RECIPIENT
            r.obj = known

    def row_key(self, row: PreviewRow) -> Hashable | None:
        return row.values["code"]

    def existing(self, keys: list[Hashable]) -> dict[Hashable, Any]:
        return {h.code: h for h in Hospital.objects.filter(code__in=keys)}

    def same(self, obj: Any, row: PreviewRow) -> bool:
        return all(getattr(obj, f) == row.values[f] for f in _HOSPITAL_FIELDS)

    def write(self, rows: list[PreviewRow]) -> None:
        province_id = self.target.province_id
        new = [r for r in rows if r.status == NEW]
        Hospital.objects.bulk_create(
            [
                Hospital(
                    code=r.values["code"],
                    province_id=province_id,
                    **{f: r.values[f] for f in _HOSPITAL_FIELDS},
                )
                for r in new
            ]
        )
        changed = []
        for r in rows:
            if r.status == CHANGED:
                for f in _HOSPITAL_FIELDS:
                    setattr(r.obj, f, r.values[f])
                changed.append(r.obj)
        if changed:
            Hospital.objects.bulk_update(changed, list(_HOSPITAL_FIELDS))


class PairingSheetSpec(_ProgramSpec):
    """Sheet 对口帮扶关系: one row per (recipient, supporter); exactly one lead per recipient."""

    kind = "pairing-list"
    title = HospitalSheetSpec.title
    sheet = "对口帮扶关系"
    pairings_created = 0
    columns = [
        Column(
            "recipient", "受援医院", required=True, example="R001", help=gettext_lazy("机构代码或医院名称")
        ),
        Column(
            "supporter",
            "支援医院",
            required=True,
            example="兰州大学第一医院",
            help=gettext_lazy("机构代码或医院名称"),
        ),
        Column(
            "is_lead",
            "牵头",
            parse=_yes,
            example="是",
            help=gettext_lazy("是 / 否；每家受援医院须有且仅有一家牵头医院（只有一家支援医院时可空白）"),
        ),
        Column("service_start", "帮扶开始", required=True, parse=parse_date, example="2022-01-01"),
        Column(
            "service_end",
            "帮扶结束",
            required=True,
            parse=parse_date,
            example="2025-12-31",
            help=gettext_lazy("不早于帮扶开始"),
        ),
    ]
    preview_columns = [
        ("recipient_name", gettext_lazy("受援医院")),
        ("supporter_name", gettext_lazy("支援医院")),
        ("lead_label", gettext_lazy("牵头")),
    ]

    def template_rows(self) -> list[list[Any]]:
        return [
            [
                ps.pairing.recipient.code,
                ps.hospital.name,
                "是" if ps.is_lead else "否",
                ps.pairing.service_start.isoformat(),
                ps.pairing.service_end.isoformat(),
            ]
            for ps in PairingSupporter.objects.filter(pairing__program=self.target)
            .select_related("pairing__recipient", "hospital")
            .order_by("pairing__recipient__code", "-is_lead", "hospital__code")
        ]

    def validate(self, preview: Preview) -> None:
        label = preview.labels
        # The hospitals sheet was applied first in the same transaction: its hospitals are here too.
        hospitals = list(Hospital.objects.filter(province=self.target.province_id).only("id", "code", "name"))
        known = {h.code: h for h in hospitals} | {h.name: h for h in hospitals}
        groups: dict[int, list[PreviewRow]] = {}
        for r in preview.rows:
            v = r.values
            rec, sup = known.get(text(v.get("recipient"))), known.get(text(v.get("supporter")))
            if v.get("recipient") and rec is None:
                r.errors.append(
                    (label["recipient"], _("未知受援医院：“%(h)s”") % {"h": text(v["recipient"])[:40]})
                )
            if v.get("supporter") and sup is None:
                r.errors.append(
                    (label["supporter"], _("未知支援医院：“%(h)s”") % {"h": text(v["supporter"])[:40]})
                )
            start, end = v.get("service_start"), v.get("service_end")
            if start and end and end < start:
                r.errors.append((label["service_end"], _("帮扶结束早于帮扶开始")))
            v["recipient_id"], v["supporter_id"] = (rec.pk if rec else None), (sup.pk if sup else None)
            v["recipient_name"], v["supporter_name"] = (rec.name if rec else ""), (sup.name if sup else "")
            if rec is not None:
                groups.setdefault(rec.pk, []).append(r)
        for rows in groups.values():
            leads = [r for r in rows if r.values.get("is_lead")]
            if len(leads) > 1 or (len(rows) > 1 and not leads):
                for r in rows:
                    r.errors.append(
                        (
                            label.get("is_lead", ""),
                            _("受援医院 %(h)s 须有且仅有一家牵头医院") % {"h": r.values["recipient_name"]},
                        )
                    )
            elif len(rows) == 1:
                rows[0].values["is_lead"] = True  # the only supporter leads
            for r in rows:
                r.values["lead_label"] = _("是") if r.values.get("is_lead") else _("否")

    def row_key(self, row: PreviewRow) -> Hashable | None:
        return (row.values["recipient_id"], row.values["supporter_id"])

    def existing(self, keys: list[Hashable]) -> dict[Hashable, Any]:
        recipients = {k[0] for k in keys}  # type: ignore[index]
        return {
            (ps.pairing.recipient_id, ps.hospital_id): ps
            for ps in PairingSupporter.objects.filter(
                pairing__program=self.target, pairing__recipient_id__in=recipients
            ).select_related("pairing")
        }

    def same(self, obj: Any, row: PreviewRow) -> bool:
        v = row.values
        return bool(
            obj.is_lead == v["is_lead"]
            and obj.pairing.service_start == v["service_start"]
            and obj.pairing.service_end == v["service_end"]
        )

    def write(self, rows: list[PreviewRow]) -> None:
        program = self.target
        recipients = {r.values["recipient_id"]: r for r in rows}
        pairings = {
            p.recipient_id: p for p in Pairing.objects.filter(program=program, recipient_id__in=recipients)
        }
        Pairing.objects.bulk_create(
            [
                Pairing(
                    program=program,
                    recipient_id=rid,
                    service_start=r.values["service_start"],
                    service_end=r.values["service_end"],
                )
                for rid, r in recipients.items()
                if rid not in pairings
            ]
        )
        created = set(recipients) - set(pairings)
        self.pairings_created = len(created)
        pairings = {
            p.recipient_id: p for p in Pairing.objects.filter(program=program, recipient_id__in=recipients)
        }
        moved = []
        for rid, r in recipients.items():
            p = pairings[rid]
            if (p.service_start, p.service_end) != (r.values["service_start"], r.values["service_end"]):
                p.service_start, p.service_end = r.values["service_start"], r.values["service_end"]
                moved.append(p)
        if moved:
            Pairing.objects.bulk_update(moved, ["service_start", "service_end"])
        PairingSupporter.objects.bulk_create(
            [
                PairingSupporter(
                    pairing=pairings[r.values["recipient_id"]], hospital_id=r.values["supporter_id"]
                )
                for r in rows
                if r.status == NEW
            ]
        )
        for r in rows:
            if not r.values["is_lead"]:
                continue
            pairing = pairings[r.values["recipient_id"]]
            # The lead flag moves in two statements: the unique "one lead" index is not deferrable.
            pairing.supporters.filter(is_lead=True).exclude(hospital_id=r.values["supporter_id"]).update(
                is_lead=False
            )
            pairing.supporters.filter(hospital_id=r.values["supporter_id"]).update(is_lead=True)
        for rid in set(recipients) - created:
            events.pairing_changed(pairing_id=pairings[rid].pk, reason="pairing list imported")


def pairing_list_specs(*, user: User | None, program: Program) -> list[ImportSpec]:
    return [HospitalSheetSpec(user=user, target=program), PairingSheetSpec(user=user, target=program)]


@dataclasses.dataclass
class PairingImportSummary:
    hospitals_new: int = 0
    hospitals_changed: int = 0
    pairings_new: int = 0
    supporters_new: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)


def import_pairing_workbook(
    *, program: Program, f: IO[bytes], name: str = "", dry_run: bool = False, user: User | None = None
) -> PairingImportSummary:
    """The program's hospitals and pairing list (``manage.py import_pairings``); any error writes nothing."""
    specs = pairing_list_specs(user=user, program=program)
    result = run_import(specs, f=f, name=name, confirm=not dry_run)
    hospitals, pairs = (p.counts() for p in result.previews)
    return PairingImportSummary(
        hospitals_new=hospitals[NEW],
        hospitals_changed=hospitals[CHANGED],
        pairings_new=specs[1].pairings_created if isinstance(specs[1], PairingSheetSpec) else 0,
        supporters_new=pairs[NEW],
        errors=result.error_lines(),
    )


def pairing_list_template(*, user: User | None, program: Program) -> bytes:
    return template_workbook(pairing_list_specs(user=user, program=program))
