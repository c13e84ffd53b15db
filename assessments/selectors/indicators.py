"""Dashboard indicators of a program / city / pairing over a period: one function for the API, the UI
dashboard and the reports, so the numbers are identical everywhere.

Coverage comes from the shared day-level computation (``teams.selectors.headcount_intervals`` and
``coverage_summaries``); every other figure is one aggregate query over the user's scoped rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from assessments.choices import AppraisalStatus, CentreStatus, FindingStatus, Grade
from assessments.models import AnnualAppraisal, CentreProgress, Finding, GradeChange, NewTechnology, Specialty
from assessments.reports.figures import deployment_figures
from assessments.selectors import indicator_facts, indicator_read
from assessments.selectors.county_outcomes import api_row, outcomes_for_api, targets_of
from core.access import User
from core.dates import stay_met
from core.query_params import MAX_YEAR, MIN_YEAR
from pairings.models import Pairing, Program
from teams.selectors.attendance import attendance_import_status, attendance_totals
from teams.selectors.deployments import coverage_summaries, headcount_intervals
from training.models import RemoteService, TraineeStint

logger = logging.getLogger(__name__)

# Gap intervals listed in full up to this many; totals always cover all of them.
MAX_LISTED_GAPS = 200


@dataclasses.dataclass(frozen=True)
class IndicatorQuery:
    program_id: int | None = None
    city_id: int | None = None
    pairing_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _clamp(day: dt.date | None) -> dt.date | None:
    if day is None:
        return None
    return min(max(day, dt.date(MIN_YEAR, 1, 1)), dt.date(MAX_YEAR, 12, 31))


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _in_range(field: str, q: IndicatorQuery) -> Q:
    cond = Q()
    if q.date_from is not None:
        cond &= Q(**{f"{field}__gte": q.date_from})
    if q.date_to is not None:
        cond &= Q(**{f"{field}__lte": q.date_to})
    return cond


def _years(start: dt.date, end: dt.date) -> int:
    return max(0, end.year - start.year + 1)


def scoped_pairing_queryset(*, user: User, query: IndicatorQuery) -> QuerySet[Pairing]:
    """The pairings the indicators cover: the user's own (``for_user``), narrowed by program/city/pairing.

    The other figures filter on it as a subquery (``pairing_id__in=scope.values("pk")``) rather than on
    a list of ids: at national scale that is thousands of parameters per query for Django to adapt and
    Postgres to parse, where the subquery costs nothing."""
    qs = Pairing.objects.for_user(user)
    if query.program_id is not None:
        qs = qs.filter(program_id=query.program_id)
    if query.city_id is not None:
        qs = qs.filter(recipient__city_id=query.city_id)
    if query.pairing_id is not None:
        qs = qs.filter(pk=query.pairing_id)
    return qs


def scoped_pairings(scope: QuerySet[Pairing]) -> list[dict[str, Any]]:
    """The rows of the scope the per-pairing figures need (one query)."""
    return list(
        scope.order_by("pk").values(  # type: ignore[arg-type]
            "pk",
            "program_id",
            "recipient_id",
            "recipient__kind",
            "recipient__county_id",
            "service_start",
            "service_end",
        )
    )


def _minimum_for(pairings: list[dict[str, Any]], rules: dict[int, Any]) -> dict[int, int | None]:
    """pairing → TEAM_MIN_SIZE (the TCM variant for a TCM recipient)."""
    return {
        p["pk"]: rules[p["program_id"]].team_min_for(is_tcm=p["recipient__kind"] == "tcm") for p in pairings
    }


def _coverage_dict(sums: dict[str, int], gaps: list[tuple[int, dt.date, dt.date]]) -> dict[str, Any]:
    period, covered, full = sums["period_days"], sums["covered_days"], sums["full_strength_days"]
    return {
        "period_days": period,
        "covered_days": covered,
        "gap_days": period - covered,
        "gap_count": sums["gap_count"],
        "coverage_rate": _rate(covered, period),
        "full_strength_days": full,
        "team_size_compliance_rate": _rate(full, period),
        "single_leader_days": sums["single_leader_days"],
        "pairings_with_gaps": sums["pairings_with_gaps"],
        "gaps": [{"pairing": pid, "start": a, "end": b} for pid, a, b in gaps[:MAX_LISTED_GAPS]],
        "gaps_truncated": len(gaps) > MAX_LISTED_GAPS,
    }


def _coverage(pairings: list[dict[str, Any]], rules: dict[int, Any], query: IndicatorQuery) -> dict[str, Any]:
    ids = [p["pk"] for p in pairings]
    minimum_for = _minimum_for(pairings, rules)
    intervals = (
        headcount_intervals(pairing_ids=ids, date_from=query.date_from, date_to=query.date_to) if ids else []
    )
    summaries = coverage_summaries(intervals, minimum_for=minimum_for)
    period = sum(s.period_days for s in summaries.values())
    covered = sum(s.covered_days for s in summaries.values())
    full = sum(s.full_strength_days for s in summaries.values())
    single_leader = sum(s.single_leader_days for s in summaries.values())
    gaps = [(pid, a, b) for pid, s in sorted(summaries.items()) for a, b in s.gaps]
    sums = {
        "period_days": period,
        "covered_days": covered,
        "full_strength_days": full,
        "single_leader_days": single_leader,
        "gap_count": len(gaps),
        "pairings_with_gaps": len({pid for pid, _a, _b in gaps}),
    }
    return _coverage_dict(sums, gaps)


def _quota(pairings: list[dict[str, Any]], rules: dict[int, Any], query: IndicatorQuery) -> int:
    """TRAINING_QUOTA's N per pairing per year of its service period inside the asked one."""
    quota = 0
    for p in pairings:
        n = rules[p["program_id"]].training_quota
        if n is None:
            continue
        start = max(p["service_start"], query.date_from or p["service_start"])
        end = min(p["service_end"], query.date_to or p["service_end"])
        quota += n * _years(start, end)
    return quota


def _training(
    *,
    user: User,
    pairings: list[dict[str, Any]],
    scope: QuerySet[Pairing],
    rules: dict[int, Any],
    query: IndicatorQuery,
) -> dict[str, Any]:
    """TRAINING_QUOTA: free stints of ≥ M months started in the period, against N per pairing per year."""
    quota = _quota(pairings, rules, query)
    rows = (
        TraineeStint.objects.for_user(user)
        .filter(_in_range("start_date", query), pairing_id__in=scope.values("pk"), is_free=True)
        .values_list("pairing__program_id", "start_date", "end_date")
    )
    trainees = qualifying = 0
    for program_id, start, end in rows:
        trainees += 1
        months = rules[program_id].training_min_months
        if stay_met(start, end, months):
            qualifying += 1
    return {
        "trainees": trainees,
        "qualifying_trainees": qualifying,
        "quota": quota,
        "quota_rate": _rate(qualifying, quota),
    }


def _findings(
    *, user: User, pairings: list[dict[str, Any]], scope: QuerySet[Pairing], query: IndicatorQuery
) -> dict[str, Any]:
    qs = Finding.objects.for_user(user).filter(status=FindingStatus.OPEN)
    if query.pairing_id is not None or query.city_id is not None:
        qs = qs.filter(pairing_id__in=scope.values("pk"))
    else:
        # Program-level findings (no pairing) count too when the whole program or province is asked for.
        programs = {p["program_id"] for p in pairings}
        if query.program_id is not None:
            programs.add(query.program_id)
        qs = qs.filter(program_id__in=programs)
    if query.date_to is not None:
        qs = qs.filter(Q(period_start__isnull=True) | Q(period_start__lte=query.date_to))
    if query.date_from is not None:
        qs = qs.filter(Q(period_end__isnull=True) | Q(period_end__gte=query.date_from))
    rows = list(
        qs.values("rule_code", "severity").annotate(count=Count("pk")).order_by("rule_code", "severity")
    )
    return {"total": sum(r["count"] for r in rows), "by_rule_and_severity": rows}


def _appraisals(*, user: User, scope: QuerySet[Pairing], query: IndicatorQuery) -> dict[str, Any]:
    qs = AnnualAppraisal.objects.for_user(user).filter(
        pairing_id__in=scope.values("pk"), status=AppraisalStatus.PUBLISHED
    )
    if query.date_from is not None:
        qs = qs.filter(year__gte=query.date_from.year)
    if query.date_to is not None:
        qs = qs.filter(year__lte=query.date_to.year)
    counts = {row["grade"]: row["n"] for row in qs.values("grade").annotate(n=Count("pk")).order_by()}
    return {"published": sum(counts.values()), "grades": {g.value: counts.get(g.value, 0) for g in Grade}}


def _capacity(*, user: User, scope: QuerySet[Pairing], query: IndicatorQuery) -> dict[str, Any]:
    hospitals = scope.values("recipient_id")
    built = CentreStatus.BUILT, CentreStatus.ACCREDITED
    centres = CentreProgress.objects.for_user(user).filter(
        _in_range("achieved_on", query), hospital_id__in=hospitals, status__in=built
    )
    specialties = Specialty.objects.for_user(user).filter(
        _in_range("achieved_on", query), hospital_id__in=hospitals, achieved_on__isnull=False
    )
    tech = (
        NewTechnology.objects.for_user(user)
        .filter(_in_range("introduced_on", query), hospital_id__in=hospitals)
        .aggregate(n=Count("pk"), cases=Sum("cases"))
    )
    grades = GradeChange.objects.for_user(user).filter(
        _in_range("effective_on", query), hospital_id__in=hospitals
    )
    remote = (
        RemoteService.objects.for_user(user)
        .filter(_in_range("month", query), pairing_id__in=scope.values("pk"))
        .aggregate(n=Sum("count"))
    )
    return {
        "centres_built": centres.count(),
        "specialties_achieved": specialties.count(),
        "new_technologies": tech["n"] or 0,
        "new_technology_cases": tech["cases"] or 0,
        "grade_changes": grades.count(),
        "remote_services": remote["n"] or 0,
    }


def _attendance_rate(*, pairing_ids: Iterable[int], query: IndicatorQuery) -> float | None:
    """ATTENDANCE_RATE over the period: present days / expected working days (approved leave excused),
    from the same computation the rule and the appraisals use."""

    month_from = query.date_from.replace(day=1) if query.date_from else None
    present, expected = attendance_totals(
        pairing_ids=list(pairing_ids), month_from=month_from, month_to=query.date_to
    )
    return _rate(present, expected)


def _measures(pairings: list[dict[str, Any]], query: IndicatorQuery) -> dict[str, Any]:
    """SPEC §3a measures through their one definition (the scorecard's ``deployment_figures``, the
    attendance selector): continuous stays met, rosters on time, months with no attendance imported. A
    fixed number of queries per program in scope (programs are few), whatever the number of pairings."""
    by_program: dict[int, set[int]] = {}
    for p in pairings:
        by_program.setdefault(p["program_id"], set()).add(p["pk"])
    out = dict.fromkeys(("deployments", "stay_met", "rosters_on_time"), 0)
    for program in Program.objects.filter(pk__in=list(by_program)):
        date_from = max(program.start_date, query.date_from or program.start_date)
        date_to = min(program.end_date, query.date_to or program.end_date)
        if date_from > date_to:
            continue  # the asked period lies outside this program: nothing of it counts
        for pk, figs in deployment_figures(program, date_from, date_to).items():
            if pk in by_program[program.pk]:
                out["deployments"] += figs["deployments"]
                out["stay_met"] += figs["stay_met_deployments"]
                out["rosters_on_time"] += figs["rosters_timely"]
    months, missing = (
        attendance_import_status(
            pairing_ids=[p["pk"] for p in pairings],
            month_from=query.date_from.replace(day=1) if query.date_from else None,
            month_to=query.date_to,
        )
        if pairings
        else (0, 0)
    )
    return {**out, "attendance_months": months, "attendance_months_not_imported": missing}


def _from_facts(*, user: User, query: IndicatorQuery) -> dict[str, Any]:
    """Every indicator in one statement (``indicator_read``): coverage, attendance and the §3a measures from
    the fact tables, after recomputing the facts of any pairing in scope a write left stale; the rest from
    their tables. The same answer as the computation over the period
    (``tests/assessments/test_indicator_facts.py``). Raises ``FactsBusy`` when writers keep the facts
    stale."""
    place: dict[str, Any] = {
        "program_id": query.program_id,
        "city_id": query.city_id,
        "pairing_id": query.pairing_id,
    }
    programs = indicator_read.programs_of(user=user, **place, cached=True)
    # Three rounds for stale facts, one more for a program changed since this process kept it.
    for _attempt in range(4):
        sums = indicator_read.read(
            user=user,
            programs=programs,
            **place,
            # Within the years the app holds (core.query_params): no row lies outside them, and the period's
            # month arithmetic would overflow at 9999-12-31.
            date_from=_clamp(query.date_from),
            date_to=_clamp(query.date_to),
            max_gaps=MAX_LISTED_GAPS,
        )
        if sums.programs_changed:
            # A program was changed since this process read it: read it again (then it is kept), ask again.
            programs = indicator_read.programs_of(user=user, **place, cached=False)
            continue
        if not sums.stale:
            break
        # Recomputed in a transaction of its own; the statement then reads them in a later snapshot.
        indicator_facts.refresh(sums.stale)
    else:
        raise indicator_facts.FactsBusy  # a writer marks them stale again faster than they are recomputed
    training = sums.training
    grades = dict(sums.grades)
    targets = {pk: targets_of(p.rules) for pk, p in programs.items()}
    att = sums.attendance
    return _answer(
        query,
        pairings=sums.pairings,
        coverage=_coverage_dict(sums.coverage, sums.gaps),
        training={**training, "quota_rate": _rate(training["qualifying_trainees"], training["quota"])},
        findings_open={
            "total": sum(r["count"] for r in sums.findings),
            "by_rule_and_severity": sums.findings,
        },
        appraisals={
            "published": sum(grades.values()),
            "grades": {g.value: grades.get(g.value, 0) for g in Grade},
        },
        capacity=sums.capacity,
        attendance_rate=_rate(att["present"], att["expected"]),
        measures={
            **sums.deployments,
            "attendance_months": att["months"],
            "attendance_months_not_imported": att["missing"],
        },
        county_outcomes=[
            api_row(
                program=program,
                county=county,
                county_name=name,
                year=year,
                rates=[Decimal(r) if r is not None else None for r in rates],
                referrals_up=up,
                referrals_down=down,
                targets=targets[program],
            )
            for program, county, name, year, *rates, up, down in sums.outcomes
        ],
    )


def _answer(query: IndicatorQuery, **sections: Any) -> dict[str, Any]:
    return {
        "filters": {
            "program": query.program_id,
            "city": query.city_id,
            "pairing": query.pairing_id,
            "date_from": query.date_from,
            "date_to": query.date_to,
        },
        **sections,
    }


def indicators(*, user: User, query: IndicatorQuery, facts: bool | None = None) -> dict[str, Any]:
    """All dashboard indicators for the user's pairings selected by ``query`` (see module docstring).

    ``facts`` (default: the ``INDICATOR_FACTS`` setting) reads coverage, attendance and the §3a measures
    from the fact tables instead of computing them over the period, everything in one statement
    (``indicator_read``): milliseconds instead of seconds at national scale, the same answer."""
    use_facts = facts if facts is not None else getattr(settings, "INDICATOR_FACTS", True)
    if use_facts:
        try:
            return _from_facts(user=user, query=query)
        except indicator_facts.FactsBusy:
            logger.warning("indicator facts busy (a writer holds stale pairings): computed over the period")
    scope = scoped_pairing_queryset(user=user, query=query)
    pairings = scoped_pairings(scope)
    program_ids = {p["program_id"] for p in pairings}
    rules = {prog.pk: prog.rules for prog in Program.objects.filter(pk__in=program_ids)}
    return _answer(
        query,
        pairings=len(pairings),
        coverage=_coverage(pairings, rules, query),
        training=_training(user=user, pairings=pairings, scope=scope, rules=rules, query=query),
        findings_open=_findings(user=user, pairings=pairings, scope=scope, query=query),
        appraisals=_appraisals(user=user, scope=scope, query=query),
        capacity=_capacity(user=user, scope=scope, query=query),
        attendance_rate=_attendance_rate(pairing_ids=[p["pk"] for p in pairings], query=query),
        measures=_measures(pairings, query),
        county_outcomes=outcomes_for_api(
            user=user, pairings=pairings, rules=rules, years=_outcome_years(query)
        ),
    )


def _outcome_years(query: IndicatorQuery) -> range:
    """The years a county outcome counts in: those the asked period touches (all when none is asked)."""
    first = query.date_from.year if query.date_from else MIN_YEAR
    last = query.date_to.year if query.date_to else MAX_YEAR
    return range(first, last + 1)
