"""Pairing list import (附件1 对口帮扶关系, SPEC §2 step 1): hospitals and pairings in one workbook.

Sheet ``医院``: 机构代码, 医院名称, 角色 (支援/受援), 类别 (综合/中医), 等级, 来源 (省内/省外/军队),
所在省市, 市州, 县区, 住培基地 (是/否).
Sheet ``对口帮扶关系``: 受援医院, 支援医院 (code or name), 牵头 (是/否), 帮扶开始, 帮扶结束.
Hospitals are keyed by 机构代码 and written by ``HospitalResource`` (django-import-export); pairings by
(program, recipient). All or nothing; rerunning the same workbook changes nothing.
"""

from __future__ import annotations

import dataclasses
from typing import IO, Any

import tablib
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import resources

from core.uploads import UploadError, check_upload, header_index, iter_rows, parse_date, sheet_names
from pairings.choices import HospitalGrade, HospitalKind, HospitalOrigin, HospitalRole
from pairings.models import City, County, Hospital, Pairing, PairingSupporter, Program

HOSPITAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("机构代码",),
    "name": ("医院名称",),
    "role": ("角色",),
    "kind": ("类别",),
    "grade": ("等级",),
    "origin": ("来源",),
    "origin_region": ("所在省市",),
    "city": ("市州",),
    "county": ("县区",),
    "is_residency_base": ("住培基地",),
}
PAIRING_COLUMNS: dict[str, tuple[str, ...]] = {
    "recipient": ("受援医院",),
    "supporter": ("支援医院",),
    "is_lead": ("牵头",),
    "service_start": ("帮扶开始",),
    "service_end": ("帮扶结束",),
}
ROLES = {
    "支援": HospitalRole.SUPPORTER,
    "支援医院": HospitalRole.SUPPORTER,
    "受援": HospitalRole.RECIPIENT,
    "受援医院": HospitalRole.RECIPIENT,
}
KINDS = {"综合": HospitalKind.GENERAL, "": HospitalKind.GENERAL, "中医": HospitalKind.TCM}
ORIGINS = {
    "省内": HospitalOrigin.IN_PROVINCE,
    "": HospitalOrigin.IN_PROVINCE,
    "省外": HospitalOrigin.OTHER_PROVINCE,
    "军队": HospitalOrigin.MILITARY,
}
GRADES = {str(label): value for value, label in HospitalGrade.choices} | {"": HospitalGrade.UNGRADED}
YES = {"是", "Y", "y", "1", "TRUE", "True"}


class HospitalResource(resources.ModelResource):
    class Meta:
        model = Hospital
        fields = (
            "code",
            "name",
            "role",
            "kind",
            "grade",
            "origin",
            "origin_region",
            "province",
            "city",
            "county",
            "is_residency_base",
            "is_county_hospital",
        )
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True


@dataclasses.dataclass
class PairingImportSummary:
    hospitals_new: int = 0
    hospitals_changed: int = 0
    pairings_new: int = 0
    supporters_new: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)


def _rows(f: IO[bytes], kind: str, sheet: str) -> tuple[list[str], list[tuple[int, list[Any]]]]:

    it = iter_rows(f, kind, sheet=sheet)
    header = [str(c or "").strip() for c in next(it, [])]
    body = [
        (i, list(r) + [""] * (len(header) - len(r)))
        for i, r in enumerate(it, start=2)
        if any(str(c).strip() for c in r if c is not None)
    ]
    if not header or not body:
        raise UploadError(_("工作表“%(s)s”为空。") % {"s": sheet})
    return header, body


def import_pairing_workbook(
    *, program: Program, f: IO[bytes], name: str = "", dry_run: bool = False
) -> PairingImportSummary:
    """Load the program's hospitals and pairing list; any error writes nothing."""
    kind = check_upload(f, name)
    if kind != "xlsx":
        raise UploadError(_("帮扶关系须为 Excel 工作簿（含“医院”和“对口帮扶关系”两个工作表）。"))
    names = sheet_names(f)
    for needed in ("医院", "对口帮扶关系"):
        if needed not in names:
            raise UploadError(_("缺少工作表“%(s)s”。") % {"s": needed})
    summary = PairingImportSummary()
    err = summary.errors.append
    province = program.province
    cities = {c.name: c for c in City.objects.filter(province=province)}
    counties = {(c.city_id, c.name): c for c in County.objects.filter(city__province=province)}
    header, body = _rows(f, kind, "医院")
    cols = header_index(header, HOSPITAL_COLUMNS, {"code", "name", "role", "city"})
    data = tablib.Dataset(headers=list(HospitalResource.Meta.fields))
    codes: dict[str, int] = {}
    by_key: dict[str, str] = {}
    for row_no, row in body:
        v = {k: str(row[i] if row[i] is not None else "").strip() for k, i in cols.items()}
        where = _("医院表第 %(r)d 行") % {"r": row_no}
        if v["code"] in codes:
            err(f"{where}：" + _("机构代码与第 %(n)d 行重复") % {"n": codes[v["code"]]})
            continue
        codes[v["code"]] = row_no
        role = ROLES.get(v["role"])
        kind_ = KINDS.get(v.get("kind", ""))
        origin = ORIGINS.get(v.get("origin", ""))
        grade = GRADES.get(v.get("grade", ""))
        city = cities.get(v["city"])
        county = counties.get((city.pk, v.get("county", ""))) if city and v.get("county") else None
        problems = []
        if role is None:
            problems.append(_("角色应为“支援”或“受援”"))
        if kind_ is None:
            problems.append(_("类别应为“综合”或“中医”"))
        if origin is None:
            problems.append(_("来源应为“省内”“省外”或“军队”"))
        if grade is None:
            problems.append(_("未知等级：%(g)s") % {"g": v.get("grade")})
        if city is None:
            problems.append(_("未知市州：%(c)s") % {"c": v["city"]})
        if role == HospitalRole.RECIPIENT and county is None:
            problems.append(_("受援医院须填写本省已登记的县区"))
        if origin == HospitalOrigin.OTHER_PROVINCE and not v.get("origin_region"):
            problems.append(_("省外医院须填写所在省市"))
        if problems:
            err(f"{where}：" + "；".join(problems))
            continue
        data.append(
            [
                v["code"],
                v["name"],
                role,
                kind_,
                grade,
                origin,
                v.get("origin_region", ""),
                province.pk,
                city.pk if city else None,
                county.pk if county else None,
                v.get("is_residency_base", "") in YES,
                role == HospitalRole.RECIPIENT,
            ]
        )
        by_key[v["code"]] = v["code"]
        by_key[v["name"]] = v["code"]
    p_header, p_body = _rows(f, kind, "对口帮扶关系")
    p_cols = header_index(
        p_header, PAIRING_COLUMNS, {"recipient", "supporter", "service_start", "service_end"}
    )
    known = {h.code: h.code for h in Hospital.objects.filter(province=province)}
    known |= {h.name: h.code for h in Hospital.objects.filter(province=province)}
    pairs: list[tuple[str, str, bool, Any, Any]] = []
    for row_no, row in p_body:
        v = {k: row[i] for k, i in p_cols.items()}
        where = _("帮扶关系表第 %(r)d 行") % {"r": row_no}
        rec = by_key.get(str(v["recipient"]).strip()) or known.get(str(v["recipient"]).strip())
        sup = by_key.get(str(v["supporter"]).strip()) or known.get(str(v["supporter"]).strip())
        problems = []
        if rec is None:
            problems.append(_("未知受援医院：%(h)s") % {"h": v["recipient"]})
        if sup is None:
            problems.append(_("未知支援医院：%(h)s") % {"h": v["supporter"]})
        try:
            start, end = parse_date(v["service_start"]), parse_date(v["service_end"])
            if end < start:
                problems.append(_("帮扶结束早于帮扶开始"))
        except ValueError as exc:
            problems.append(str(exc))
            start = end = None
        if problems:
            err(f"{where}：" + "；".join(problems))
            continue
        pairs.append((rec, sup, str(v.get("is_lead") or "").strip() in YES, start, end))  # type: ignore[arg-type]
    leads: dict[str, int] = {}
    for rec, _sup, lead, _s, _e in pairs:
        leads[rec] = leads.get(rec, 0) + (1 if lead else 0)
    for rec, n in leads.items():
        sups = sum(1 for p in pairs if p[0] == rec)
        if n > 1 or (sups > 1 and n == 0):
            err(_("受援医院 %(h)s：须有且仅有一家牵头医院") % {"h": rec})
    if summary.errors:
        return summary
    with transaction.atomic():
        result = HospitalResource().import_data(
            data, dry_run=False, use_transactions=False, raise_errors=True
        )
        summary.hospitals_new = result.totals.get("new", 0)
        summary.hospitals_changed = result.totals.get("update", 0)
        hospitals = {h.code: h for h in Hospital.objects.filter(province=province)}
        for rec, sup, lead, start, end in pairs:
            pairing, created = Pairing.objects.get_or_create(
                program=program,
                recipient=hospitals[rec],
                defaults={"service_start": start, "service_end": end},
            )
            summary.pairings_new += created
            sups = sum(1 for p in pairs if p[0] == rec)
            _ps, created = PairingSupporter.objects.get_or_create(
                pairing=pairing, hospital=hospitals[sup], defaults={"is_lead": lead or sups == 1}
            )
            summary.supporters_new += created
        if dry_run:
            transaction.set_rollback(True)
    return summary
