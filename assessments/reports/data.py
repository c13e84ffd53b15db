"""Report data of a program year: every builder (workbook, PDF, evaluation) reads the same rows from here,
so the same data always gives the same figures. Each function issues a fixed number of queries and orders
its rows deterministically.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q

from assessments.choices import AppraisalStatus, FindingStatus, Grade, Severity
from assessments.models import (
    AnnualAppraisal,
    CountyOutcome,
    EndOfStintAppraisal,
    Finding,
    MonthlyAssessment,
)
from assessments.reports.area import ReportArea
from assessments.reports.figures import (
    PairingMonths,
    attendance_by_pairing_month,
    pairing_figures,
    year_bounds,
)
from assessments.rules.messages import render_message
from assessments.selectors.county_outcomes import TARGETS, field_label, targets_of
from assessments.services.appraisals import grade_for, score_figures, scorecard_for, supporters_for_review
from assessments.services.publishing import supporters_for_commendation, year_grades
from core.privacy import mask_national_id, mask_phone
from pairings.models import County, Pairing, PairingSupporter, Program
from teams.models import Deployment
from training.choices import StintKind
from training.models import TraineeStint


@dataclasses.dataclass
class PairingRow:
    pairing_id: int
    city: str
    county: str
    recipient: str
    recipient_kind: str
    lead_supporter: str
    supporters: str
    status: str  # 已发布 / 草稿 / 预览 (computed on the fly, not saved)
    score: Decimal
    grade: str
    figures: dict[str, Any]
    indicators: list[dict[str, Any]]


GRADE_LABELS = dict(Grade.choices)
# A month with no attendance imported (SPEC §3a): shown as such, never as 0 %.
NOT_IMPORTED = "未导入"


def year_attendance(*, program: Program, year: int) -> PairingMonths:
    """The year's attendance per pairing and month, read once per build and shared by the figures and the
    sheet."""
    date_from, date_to = year_bounds(program, year)
    return attendance_by_pairing_month(program=program, date_from=date_from, date_to=date_to)


def pairing_rows(
    *,
    program: Program,
    year: int,
    attendance: PairingMonths | None = None,
    area: ReportArea | None = None,
) -> list[PairingRow]:
    """One row per pairing (of ``area`` when given): the published appraisal, else the draft, else a
    preview computed in memory."""
    indicators, bands = scorecard_for(program)
    figures = pairing_figures(program=program, year=year, attendance=attendance)
    # (score, grade, status, indicator lines) of the saved appraisal: only the breakdown's lines are read
    # from the database (its figures and bands are most of its size, and the report has the figures).
    saved: dict[int, tuple[Decimal, str, str, list[dict[str, Any]] | None]] = {}
    for pairing_id, a_score, a_grade, a_status, a_lines in (
        AnnualAppraisal.objects.filter(pairing__program=program, year=year)
        .exclude(status=AppraisalStatus.SUPERSEDED)  # a revision's published row replaced it
        .order_by("status")
        .values_list("pairing_id", "score", "grade", "status", "breakdown__indicators")
    ):
        saved[pairing_id] = (a_score, a_grade, a_status, a_lines)  # "published" sorts last and wins
    supporters: dict[int, list[tuple[bool, str, str]]] = defaultdict(list)
    for pid, is_lead, code, name in PairingSupporter.objects.filter(pairing__program=program).values_list(
        "pairing_id", "is_lead", "hospital__code", "hospital__name"
    ):
        supporters[pid].append((not is_lead, code, name))
    rows = []
    pairings = Pairing.objects.filter(program=program)
    if area is not None:
        pairings = pairings.filter(area.pairing_q())
    for p in pairings.select_related("recipient__county__city").order_by(
        "recipient__county__city__code", "recipient__code"
    ):
        figs = figures.get(p.pk, {})
        a = saved.get(p.pk)
        if a is not None:
            score, grade, saved_status, saved_lines = a
            lines = saved_lines or []
            status = str(AppraisalStatus(saved_status).label)
        else:
            score, lines = score_figures(figs, indicators)
            grade, status = grade_for(score, bands), "预览"
        sup = sorted(supporters[p.pk])
        county = p.recipient.county
        rows.append(
            PairingRow(
                pairing_id=p.pk,
                city=county.city.name if county else "",
                county=county.name if county else "",
                recipient=p.recipient.name,
                recipient_kind=p.recipient.get_kind_display(),
                lead_supporter=sup[0][2] if sup else "",
                supporters="、".join(s[2] for s in sup),
                status=status,
                score=Decimal(score),
                grade=grade,
                figures=figs,
                indicators=lines,
            )
        )
    return rows


def grade_distribution(rows: list[PairingRow]) -> list[tuple[str, int]]:
    counts = Counter(r.grade for r in rows)
    return [(str(label), counts.get(value, 0)) for value, label in Grade.choices]


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def province_totals(rows: list[PairingRow]) -> dict[str, Any]:
    def total(key: str) -> int:
        return sum(int(r.figures.get(key, 0) or 0) for r in rows)

    return {
        "pairings": len(rows),
        "people": total("people"),
        "deployments": total("deployments"),
        "coverage": ratio(total("covered_days"), total("period_days")),
        "full_strength": ratio(total("full_strength_days"), total("period_days")),
        "attendance": ratio(total("attendance_present"), total("attendance_expected")),
        "trainees": total("trainees"),
        "trainees_all": total("trainees_all"),
        "training_quota_met": sum(
            1 for r in rows if r.figures.get("trainees", 0) >= (r.figures.get("training_quota") or 0)
        ),
        "centres_achieved": total("centres_achieved"),
        "new_technologies": total("new_technologies"),
        "specialties_achieved": total("specialties_achieved"),
        "remote_services": total("remote_services"),
        "outpatient_visits": total("outpatient_visits"),
        "surgeries": total("surgeries"),
        "expert_batches": total("expert_batches"),
        "expert_person_times": total("expert_person_times"),
        "open_critical_findings": total("open_critical_findings"),
        "average_score": (sum((r.score for r in rows), Decimal(0)) / len(rows)).quantize(Decimal("0.1"))
        if rows
        else None,
    }


def deployment_rows(*, program: Program, year: int) -> Iterator[list[Any]]:
    """Teams and deployments overlapping the year, personal data masked; streamed (two queries + cursor)."""
    date_from, date_to = year_bounds(program, year)
    monthly = {
        row["deployment_id"]: row
        for row in MonthlyAssessment.objects.filter(
            deployment__team__pairing__program=program, month__range=(date_from.replace(day=1), date_to)
        )
        .values("deployment_id")
        .annotate(avg=Avg("score"), fails=Count("pk", filter=Q(passed=False)))
        .order_by()
    }
    end_opinions = dict(
        EndOfStintAppraisal.objects.filter(deployment__team__pairing__program=program).values_list(
            "deployment_id", "qualified"
        )
    )
    qs = (
        Deployment.objects.filter(
            team__pairing__program=program,
            planned_start__lte=date_to,
        )
        .filter(Q(actual_end__gte=date_from) | Q(actual_end__isnull=True, planned_end__gte=date_from))
        .order_by("team__pairing__recipient__code", "team__year", "team__rotation", "planned_start", "pk")
        .values_list(
            "pk",
            "team__pairing__recipient__name",
            "team__year",
            "team__rotation",
            "staff__name",
            "staff__national_id",
            "staff__phone",
            "supporter__name",
            "role",
            "post",
            "staff__title",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
        )
    )
    roles = {"leader": "队长", "member": "队员"}
    titles = {1: "初级", 2: "中级", 3: "副高", 4: "正高"}
    for (
        pk,
        recipient,
        t_year,
        rotation,
        name,
        nid,
        phone,
        supporter,
        role,
        post,
        title,
        ps,
        pe,
        a_s,
        a_e,
    ) in qs.iterator(chunk_size=5000):
        m = monthly.get(pk)
        qualified = end_opinions.get(pk)
        yield [
            recipient,
            f"{t_year}年第{rotation}批",
            name,
            mask_national_id(nid),
            mask_phone(phone),
            supporter,
            roles.get(role, role),
            post,
            titles.get(title, ""),
            a_s or ps,
            a_e or pe,
            float(m["avg"]) if m and m["avg"] is not None else None,
            m["fails"] if m else 0,
            "" if qualified is None else ("合格" if qualified else "不合格"),
        ]


def finding_rows(*, program: Program, year: int) -> Iterator[list[Any]]:
    date_from, date_to = year_bounds(program, year)
    qs = (
        Finding.objects.filter(program=program)
        .filter(Q(period_start__isnull=True) | Q(period_start__lte=date_to))
        .filter(Q(period_end__isnull=True) | Q(period_end__gte=date_from))
        .order_by("pairing__recipient__code", "rule_code", "period_start", "fingerprint")
        .values_list(
            "rule_code",
            "severity",
            "pairing__recipient__name",
            "message",
            "message_key",
            "message_params",
            "status",
            "period_start",
            "period_end",
            "first_seen",
        )
    )

    sev, st = dict(Severity.choices), dict(FindingStatus.choices)
    for code, severity, recipient, message, key, params, status, ps, pe, first_seen in qs.iterator(
        chunk_size=5000
    ):
        yield [
            code,
            str(sev.get(severity, severity)),
            recipient or "",
            render_message(key, params, fallback=message),
            str(st.get(status, status)),
            ps,
            pe,
            first_seen.date() if first_seen else None,
        ]


def training_rows(*, program: Program, year: int) -> Iterator[list[Any]]:
    date_from, date_to = year_bounds(program, year)
    qs = (
        TraineeStint.objects.filter(pairing__program=program, start_date__range=(date_from, date_to))
        .order_by("pairing__recipient__code", "start_date", "pk")
        .values_list(
            "pairing__recipient__name",
            "host__name",
            "trainee_name",
            "department",
            "specialty",
            "kind",
            "start_date",
            "end_date",
            "is_free",
            "completed",
        )
    )

    kinds = dict(StintKind.choices)
    for recipient, host, name, dept, spec, kind, start, end, free, done in qs.iterator(chunk_size=5000):
        yield [
            recipient,
            host,
            name,
            dept,
            spec,
            str(kinds.get(kind, kind)),
            start,
            end,
            (end - start).days + 1,
            "是" if free else "否",
            "是" if done else "否",
        ]


def attendance_rows(
    *, program: Program, year: int, attendance: PairingMonths | None = None
) -> list[list[Any]]:
    """Attendance by pairing and month (expected, present, rate); a month not imported says so (SPEC §3a)."""
    if attendance is None:
        attendance = year_attendance(program=program, year=year)
    names = dict(Pairing.objects.filter(program=program).values_list("pk", "recipient__name"))
    codes = dict(Pairing.objects.filter(program=program).values_list("pk", "recipient__code"))
    out: list[list[Any]] = []
    for (pid, month), (expected, present, any_imported) in sorted(
        attendance.items(), key=lambda kv: (codes.get(kv[0][0], ""), kv[0][1])
    ):
        if not any_imported:
            out.append([names.get(pid, ""), month.strftime("%Y-%m"), None, None, NOT_IMPORTED])
            continue
        out.append([names.get(pid, ""), month.strftime("%Y-%m"), expected, present, ratio(present, expected)])
    return out


def commendation_rows(
    *, program: Program, year: int, rows: list[PairingRow], area: ReportArea | None = None
) -> list[list[Any]]:
    """表扬: supporters whose every pairing is 优秀 with no open serious finding (``services.publishing``).

    The commendation is the province's, judged on every pairing of the supporter: an area report takes the
    grades of pairings outside the area from their saved appraisals, and lists the commended supporters
    that work in the area with the area's recipients."""
    mine = {r.pairing_id: (r.grade, r.score) for r in rows}
    grades = {**year_grades(program=program, year=year), **mine} if area is not None else mine
    out = []
    for c in supporters_for_commendation(program=program, year=year, grades=grades):
        pairings = [p for p in c["pairings"] if p.pk in mine]
        if pairings:
            out.append([c["supporter"].name, "、".join(p.recipient.name for p in pairings), c["reason"]])
    return out


def review_rows(*, program: Program, year: int, rows: list[PairingRow]) -> list[list[Any]]:
    """通报批评: supporters named for failing their tasks (grades taken from the report's own rows)."""
    grades = {r.pairing_id: (r.grade, r.score) for r in rows}
    return [
        [
            r["supporter"].name,
            r["pairing"].recipient.name,
            "牵头" if r["is_lead"] else "",
            "；".join(r["reasons"]),
        ]
        for r in supporters_for_review(program=program, year=year, grades=grades)
        if r["pairing"].pk in grades  # an area report names only the area's pairings
    ]


def county_outcome_rows(*, program: Program, year: int, area: ReportArea | None = None) -> list[list[Any]]:
    """县域指标: each county of the program's recipients (of ``area`` when given) with the year's figures
    against the program's targets (SPEC §5). Rates are fractions for the sheet's percent format; a county
    that entered nothing is listed with empty cells so the report shows who did not report."""
    targets = targets_of(program.rules)
    pairings = Pairing.objects.filter(program=program)
    if area is not None:
        pairings = pairings.filter(area.pairing_q())
    county_ids = pairings.values("recipient__county_id")
    counties = County.objects.filter(pk__in=county_ids).select_related("city").order_by("city__name", "name")
    outcomes = {o.county_id: o for o in CountyOutcome.objects.filter(county__in=county_ids, year=year)}

    def pct(value: Decimal | None) -> float | None:
        return None if value is None else float(value) / 100

    rows = []
    for county in counties:
        o = outcomes.get(county.pk)
        row: list[Any] = [county.city.name, county.name]
        missed = []
        for field, _param, _sign in TARGETS:
            value = getattr(o, field) if o else None
            t = targets.get(field)
            row += [pct(value), pct(t["target"]) if t else None]
            if t is not None and value is not None and value < t["target"]:
                missed.append(field_label(field))
        row += [
            o.referrals_up if o else None,
            o.referrals_down if o else None,
            pct(o.outward_transfer_rate) if o else None,
            ("未达目标：" + "、".join(missed)) if missed else ("未填报" if o is None else "达到目标"),
        ]
        rows.append(row)
    return rows


def county_outcome_table(*, program: Program, year: int, area: ReportArea | None = None) -> dict[str, Any]:
    """The same rows as the workbook's 县域指标 sheet, as text for the PDF and Word reports: rates as
    percentages, the program's targets once in the header. Empty (``rows`` []) when the program sets no
    target and no county entered a figure, so a report does not carry a table of blanks."""

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v * 100:.1f}%"

    raw = county_outcome_rows(program=program, year=year, area=area)
    entered = any(r[2] is not None or r[8] is not None for r in raw)
    targets = [r for r in (raw[0][3], raw[0][5], raw[0][7])] if raw else [None, None, None]
    if not raw or not (entered or any(t is not None for t in targets)):
        return {"rows": [], "targets": []}
    rows = [
        [r[0], r[1], pct(r[2]), pct(r[4]), pct(r[6]), "—" if r[8] is None else r[8],
         "—" if r[9] is None else r[9], pct(r[10]), r[11]]
        for r in raw
    ]  # fmt: skip
    return {"rows": rows, "targets": ["—" if t is None else pct(t) for t in targets]}
