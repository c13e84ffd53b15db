"""The figures of a program year, per pairing, in a bounded number of set-based queries.

The annual appraisal scores them (``services.appraisals``) and the reports print them, so both always show
the same numbers. Every function here takes a program (and optionally the pairing ids a caller may see) and
issues a fixed number of queries whatever the number of pairings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Min, Q, Sum

from assessments.choices import CentreStatus, FindingStatus, Severity
from assessments.models import CentreProgress, Finding, NewTechnology, Specialty
from core.dates import stay_met
from core.planner import whole_set_plan
from pairings.choices import AgreementKind, HospitalKind
from pairings.models import Agreement, Pairing, PairingSupporter, Program
from teams.models import ExpertVisitBatch, MonthlyActivity
from teams.selectors.attendance import monthly_attendance
from teams.selectors.deployment_measures import deployment_measures_params, deployment_measures_sql
from teams.selectors.deployments import coverage_summaries, headcount_intervals
from training.models import RemoteService, TraineeStint


def year_bounds(program: Program, year: int) -> tuple[dt.date, dt.date]:
    """The part of calendar ``year`` inside the program."""
    return max(dt.date(year, 1, 1), program.start_date), min(dt.date(year, 12, 31), program.end_date)


# (deployment_id, pairing_id, month, expected working days, present days, imported)
AttendanceRow = tuple[int, int, dt.date, int, int, bool]


def attendance_by_month(*, program: Program, date_from: dt.date, date_to: dt.date) -> list[AttendanceRow]:
    """The monthly attendance rows of the period, one query. A month not imported expects 0 days."""
    rows = monthly_attendance(program_id=program.pk, month_from=date_from.replace(day=1), month_to=date_to)
    return [(r.deployment_id, r.pairing_id, r.month, r.expected, r.present, r.imported) for r in rows]


# (pairing_id, first day of month) → (expected working days, present days, imported): what the figures and
# the report's 月度考勤 sheet read, summed over the pairing's deployments.
PairingMonths = dict[tuple[int, dt.date], tuple[int, int, bool]]


def attendance_by_pairing_month(*, program: Program, date_from: dt.date, date_to: dt.date) -> PairingMonths:
    """The monthly attendance of the period summed per pairing and month, one query. A national year is
    ~150,000 deployment-months but only pairings × 12 of these: a report holds these, not the rows."""
    out: PairingMonths = {}
    for r in monthly_attendance(program_id=program.pk, month_from=date_from.replace(day=1), month_to=date_to):
        key = (r.pairing_id, r.month)
        expected, present, imported = out.get(key, (0, 0, False))
        # "imported" is the pairing's month (every deployment-month of it says the same).
        out[key] = (expected + r.expected, present + r.present, imported or r.imported)
    return out


# Deployments overlapping the year: qualification (LEADER_POST, LEADER_MGMT_YEARS, MEMBER_CLINICAL_YEARS,
# MEMBER_MIN_TITLE); stay (LEADER/MEMBER_MIN_STAY on the deployment's continuous stay) and roster on time
# (ROSTER_FILED) from ``teams.selectors.deployment_measures`` — the rules' and the indicators' definitions.
_PROGRAM_PAIRINGS = "SELECT p.id, p.program_id FROM pairings_pairing p WHERE p.program_id = %(program_id)s"
_DEPLOYMENTS_SQL = f"""
SELECT dm.pairing_id,
       COUNT(*)::int AS deployments,
       COUNT(*) FILTER (WHERE
           CASE WHEN dm.role = 'leader' THEN
                (NOT %(leader_post)s OR dm.post = ANY(%(leader_posts)s))
            AND (%(mgmt)s::int IS NULL OR (s.management_since IS NOT NULL
                 AND s.management_since <= lower(dm.period) - make_interval(years => %(mgmt)s::int)))
           ELSE
                (%(clinical)s::int IS NULL OR (s.clinical_since IS NOT NULL
                 AND s.clinical_since <= lower(dm.period) - make_interval(years => %(clinical)s::int)))
            AND (%(title)s::int IS NULL OR s.title >= %(title)s::int)
           END)::int AS qualified,
       COUNT(*) FILTER (WHERE dm.stay_met)::int AS stay_met,
       COUNT(*) FILTER (WHERE dm.roster_on_time)::int AS rosters_timely,
       COUNT(DISTINCT dm.staff_id)::int AS people,
       COUNT(*) FILTER (WHERE dm.role = 'leader')::int AS leaders
  FROM ({deployment_measures_sql(_PROGRAM_PAIRINGS)}) dm
  JOIN teams_staff s ON s.id = dm.staff_id
 WHERE dm.period && daterange(%(date_from)s, %(date_to)s, '[]')
 GROUP BY dm.pairing_id
"""


def deployment_figures(program: Program, date_from: dt.date, date_to: dt.date) -> dict[int, dict[str, int]]:
    """Per pairing of ``program``: deployments overlapping [date_from, date_to], how many are qualified, met
    their continuous stay, had their roster on time; people and leaders. One query."""
    rules = program.rules
    params: dict[str, Any] = {
        "program_id": program.pk,
        "date_from": date_from,
        "date_to": date_to,
        "leader_post": rules.leader_post,
        "leader_posts": list(rules.leader_posts),
        "mgmt": rules.leader_mgmt_years,
        "clinical": rules.member_clinical_years,
        "title": rules.member_min_title,
        **deployment_measures_params(rules),
    }
    out: dict[int, dict[str, int]] = {}
    with whole_set_plan() as cur:
        cur.execute(_DEPLOYMENTS_SQL, params)
        for pid, n, qualified, stay_met, rosters, people, leaders in cur.fetchall():
            out[pid] = {
                "deployments": n,
                "qualified_deployments": qualified,
                "stay_met_deployments": stay_met,
                "rosters_timely": rosters,
                "people": people,
                "leader_deployments": leaders,
            }
    return out


FIGURE_LABELS: dict[str, str] = {
    "period_days": "考核期天数",
    "covered_days": "有人在岗天数",
    "full_strength_days": "满编天数",
    "single_leader_days": "一名队长在岗天数",
    "gap_count": "空档段数",
    "deployments": "派驻人次",
    "people": "派驻人数",
    "leader_deployments": "队长人次",
    "qualified_deployments": "资质达标人次",
    "stay_met_deployments": "时长达标人次",
    "rosters_timely": "按时备案人次",
    "attendance_expected": "应出勤天数",
    "attendance_present": "实际出勤天数",
    "attendance_months": "有人在岗月数",
    "attendance_months_missing": "未导入考勤月数",
    "trainees": "免费进修达标人数",
    "trainees_all": "进修培训人数",
    "training_quota": "培训名额要求",
    "agreements_due": "应签协议数",
    "agreements_timely": "按时签订协议数",
    "centres_achieved": "本年建成中心数",
    "centres_total": "累计建成中心数",
    "new_technologies": "新技术新业务项数",
    "specialties_achieved": "专科达标数",
    "capacity_items": "能力建设项数",
    "remote_services": "远程服务次数",
    "outpatient_visits": "门诊人次",
    "surgeries": "手术台次",
    "lectures": "授课次数",
    "teaching_rounds": "教学查房",
    "case_discussions": "病例讨论",
    "service_activities": "远程服务与带教次数",
    "expert_batches": "专家柔性帮扶批次",
    "expert_person_times": "专家柔性帮扶人次",
    "open_critical_findings": "未整改严重问题",
    "open_major_findings": "未整改较重问题",
}


def pairing_figures(
    *,
    program: Program,
    year: int,
    pairing_ids: Sequence[int] | None = None,
    attendance: PairingMonths | None = None,
) -> dict[int, dict[str, Any]]:
    """Raw figures of every pairing of ``program`` for ``year`` (keys: FIGURE_LABELS), ~14 queries in all.

    ``attendance`` lets a report pass the ``attendance_by_pairing_month`` it already read (the largest
    table), so it is scanned once per build."""
    date_from, date_to = year_bounds(program, year)
    rules = program.rules
    pairings = Pairing.objects.filter(program=program)
    if pairing_ids is not None:
        pairings = pairings.filter(pk__in=list(pairing_ids))
    meta = {p["pk"]: p for p in pairings.values("pk", "recipient_id", "recipient__kind")}
    out: dict[int, dict[str, Any]] = {pk: dict.fromkeys(FIGURE_LABELS, 0) for pk in meta}
    if not meta:
        return out
    ids = list(meta)

    # Coverage and full strength: the shared sweep-line (TEAM_MIN_SIZE, COVERAGE_GAP).
    intervals = headcount_intervals(pairing_ids=ids, date_from=date_from, date_to=date_to)
    minimum = {
        pk: rules.team_min_for(is_tcm=m["recipient__kind"] == HospitalKind.TCM) for pk, m in meta.items()
    }
    for pk, s in coverage_summaries(intervals, minimum_for=minimum).items():
        out[pk].update(
            period_days=s.period_days,
            covered_days=s.covered_days,
            full_strength_days=s.full_strength_days,
            single_leader_days=s.single_leader_days,
            gap_count=len(s.gaps),
        )

    for pk, figs in deployment_figures(program, date_from, date_to).items():
        if pk in out:
            out[pk].update(figs)

    if attendance is None:
        attendance = attendance_by_pairing_month(program=program, date_from=date_from, date_to=date_to)
    # SPEC §3a: a month not imported is left out of the rate (its expected days are 0) and counted apart.
    months_on_site: dict[int, set[dt.date]] = defaultdict(set)
    months_imported: dict[int, set[dt.date]] = defaultdict(set)
    for (pk, month), (expected, present, imported) in attendance.items():
        if pk in out:
            out[pk]["attendance_expected"] += expected
            out[pk]["attendance_present"] += present
            months_on_site[pk].add(month)
            if imported:
                months_imported[pk].add(month)
    for pk in out:
        out[pk]["attendance_months"] = len(months_on_site[pk])
        out[pk]["attendance_months_missing"] = len(months_on_site[pk] - months_imported[pk])

    # TRAINING_QUOTA: free stints started in the year lasting ≥ M months (calendar arithmetic).
    for stint in (
        TraineeStint.objects.filter(pairing_id__in=ids, start_date__range=(date_from, date_to))
        .values("pairing_id", "start_date", "end_date", "is_free")
        .order_by()
    ):
        figs = out[stint["pairing_id"]]
        figs["trainees_all"] += 1
        if stint["is_free"] and stay_met(stint["start_date"], stint["end_date"], rules.training_min_months):
            figs["trainees"] += 1
    for figs in out.values():
        figs["training_quota"] = rules.training_quota or 0

    # AGREEMENT_SIGNED (tripartite by the deadline, one per supporter) and ANNUAL_AGREEMENT (signed before
    # the year's first rotation starts).
    supporters: dict[int, set[int]] = defaultdict(set)
    for pid, hid in PairingSupporter.objects.filter(pairing_id__in=ids).values_list(
        "pairing_id", "hospital_id"
    ):
        supporters[pid].add(hid)
    first_rotation = dict(
        Pairing.objects.filter(pk__in=ids, teams__year=year)
        .values_list("pk")
        .annotate(first=Min("teams__start_date"))
        .order_by()
    )
    timely: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for a in (
        Agreement.objects.filter(pairing_id__in=ids)
        .filter(Q(kind=AgreementKind.TRIPARTITE) | Q(kind=AgreementKind.ANNUAL, year=year))
        .values(
            "pairing_id",
            "supporter_id",
            "kind",
            "supporter_signed_on",
            "government_signed_on",
            "recipient_signed_on",
        )
    ):
        dates = [
            d for d in (a["supporter_signed_on"], a["government_signed_on"], a["recipient_signed_on"]) if d
        ]
        if len(dates) < 3:
            continue
        signed = max(dates)
        if a["kind"] == AgreementKind.TRIPARTITE:
            deadline = program.agreement_deadline if rules.agreement_signed else None
        else:
            deadline = first_rotation.get(a["pairing_id"]) if rules.annual_agreement else None
            deadline = deadline - dt.timedelta(days=1) if deadline else None
        if deadline is None or signed <= deadline:
            timely[a["pairing_id"]].add((a["kind"], a["supporter_id"]))
    for pk in ids:
        n = len(supporters[pk])
        due = n * ((1 if rules.agreement_signed else 0) + (1 if rules.annual_agreement else 0))
        out[pk]["agreements_due"] = due
        out[pk]["agreements_timely"] = min(len(timely[pk]), due)

    # Capacity built at the recipient.
    recipients = {m["recipient_id"]: pk for pk, m in meta.items()}
    built = [CentreStatus.BUILT, CentreStatus.ACCREDITED]
    for centre in (
        CentreProgress.objects.filter(hospital_id__in=recipients, status__in=built)
        .values("hospital_id")
        .annotate(
            total=Count("pk", filter=Q(achieved_on__lte=date_to)),
            year=Count("pk", filter=Q(achieved_on__range=(date_from, date_to))),
        )
        .order_by()
    ):
        out[recipients[centre["hospital_id"]]].update(
            centres_total=centre["total"], centres_achieved=centre["year"]
        )
    for tech in (
        NewTechnology.objects.filter(hospital_id__in=recipients, introduced_on__range=(date_from, date_to))
        .values("hospital_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        out[recipients[tech["hospital_id"]]]["new_technologies"] = tech["n"]
    for spec in (
        Specialty.objects.filter(hospital_id__in=recipients, achieved_on__range=(date_from, date_to))
        .values("hospital_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        out[recipients[spec["hospital_id"]]]["specialties_achieved"] = spec["n"]

    # Remote services, monthly activity figures and visiting experts.
    for remote in (
        RemoteService.objects.filter(pairing_id__in=ids, month__range=(date_from.replace(day=1), date_to))
        .values("pairing_id")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        out[remote["pairing_id"]]["remote_services"] = remote["n"] or 0
    activity_fields = ["outpatient_visits", "surgeries", "lectures", "teaching_rounds", "case_discussions"]
    for act in (
        MonthlyActivity.objects.confirmed()
        .filter(deployment__team__pairing_id__in=ids, month__range=(date_from.replace(day=1), date_to))
        .values("deployment__team__pairing_id")
        .annotate(**{f: Sum(f) for f in activity_fields})
        .order_by()
    ):
        sums: dict[str, Any] = dict(act)
        out[sums["deployment__team__pairing_id"]].update({f: sums[f] or 0 for f in activity_fields})
    for visit in (
        ExpertVisitBatch.objects.filter(pairing_id__in=ids, start_date__range=(date_from, date_to))
        .values("pairing_id")
        .annotate(batches=Count("pk"), person_times=Sum("person_times"))
        .order_by()
    ):
        out[visit["pairing_id"]].update(
            expert_batches=visit["batches"], expert_person_times=visit["person_times"] or 0
        )

    # Open findings of the rule engine (read as the table stands).
    for finding in (
        Finding.objects.filter(pairing_id__in=ids, status=FindingStatus.OPEN)
        .values("pairing_id")
        .annotate(
            critical=Count("pk", filter=Q(severity=Severity.CRITICAL)),
            major=Count("pk", filter=Q(severity=Severity.MAJOR)),
        )
        .order_by()
    ):
        out[finding["pairing_id"]].update(
            open_critical_findings=finding["critical"], open_major_findings=finding["major"]
        )

    for figs in out.values():
        figs["capacity_items"] = (
            figs["centres_achieved"] + figs["new_technologies"] + figs["specialties_achieved"]
        )
        figs["service_activities"] = (
            figs["remote_services"] + figs["lectures"] + figs["teaching_rounds"] + figs["case_discussions"]
        )
    return out
