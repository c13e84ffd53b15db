"""SPEC §3a on real data: every measure computed through the rule, the scorecard, the certificate, the
report and the API agrees, program by program.

``assert_measures_agree(program)`` is the check; it runs here on the demo programs (seeded the way
tests/pairings/test_seed.py seeds them) and takes any program — the national dataset's too.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from assessments.models import Certificate, EndOfStintAppraisal
from assessments.reports.data import NOT_IMPORTED, attendance_rows, pairing_rows
from assessments.reports.figures import pairing_figures, year_bounds
from assessments.services.certificates import certificate_eligibility
from assessments.services.findings import rules_evaluate
from devtools.demo import builder, reset, users
from pairings.models import Program
from teams.models import Deployment
from teams.selectors.attendance import monthly_attendance
from teams.selectors.stays import stays_of_deployments

AS_OF = dt.date(2026, 6, 1)  # every demo program has ended


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        reset.delete_provinces(list(builder.DEMO_PROVINCES), users.DEMO_USERNAMES)
        # The demo as written (its main program's 2022–2025 cycle): the figures below name its years.
        call_command("seed_demo", "--today", "2025-12-31", stdout=io.StringIO())
        yield
        reset.delete_provinces(list(builder.DEMO_PROVINCES), users.DEMO_USERNAMES)


def _overlaps(dep: Any, date_from: dt.date, date_to: dt.date) -> bool:
    return bool(dep["start"] <= date_to and dep["end"] >= date_from)


def assert_measures_agree(program: Program, *, as_of: dt.date = AS_OF) -> dict[str, int]:
    """Stays, rosters on time and attendance through every consumer (see the module docstring). Returns
    how many short stays, late rosters and rated months it compared, so a caller can see it was not
    vacuous."""
    rules = program.rules
    drafts = rules_evaluate(
        program=program,
        as_of=as_of,
        codes=["LEADER_MIN_STAY", "MEMBER_MIN_STAY", "ROSTER_FILED", "ATTENDANCE_RATE"],
    )
    deployments = {
        d["pk"]: d
        for d in Deployment.objects.filter(team__pairing__program=program).values(
            "pk", "team__pairing_id", "period"
        )
    }
    for d in deployments.values():
        d["start"], d["end"] = d["period"].lower, d["period"].upper - dt.timedelta(days=1)

    # --- continuous stays: the rule, the certificate, the scorecard ---------------------------------------
    stays = stays_of_deployments(deployment_ids=list(deployments), rules=rules)
    assert set(stays) == set(deployments)
    short = {pk for pk, stay in stays.items() if not stay.met}
    flagged = {
        dep
        for code in ("LEADER_MIN_STAY", "MEMBER_MIN_STAY")
        for draft in drafts.get(code, [])
        for dep in draft.evidence["deployments"]
    }
    assert flagged == short
    appraised = EndOfStintAppraisal.objects.filter(deployment__in=list(deployments), qualified=True)
    for appraisal in appraised.select_related("deployment__team__pairing__program"):
        e = certificate_eligibility(deployment=appraisal.deployment, today=as_of)
        assert (e.reason == "stay_too_short") is (appraisal.deployment_id in short), appraisal.deployment_id
    assert not Certificate.objects.filter(appraisal__deployment__in=short).exists()

    # --- rosters on time: the rule, the scorecard ---------------------------------------------------------
    late = {draft.deployment_id for draft in drafts.get("ROSTER_FILED", [])}

    # --- attendance: the rule, the scorecard, the report --------------------------------------------------
    months = monthly_attendance(program_id=program.pk)
    if rules.attendance_threshold is not None:
        below = {
            (r.deployment_id, r.month)
            for r in months
            if r.span_end < as_of and r.rate is not None and r.rate < rules.attendance_threshold
        }
        assert {
            (d.deployment_id, d.period_start.replace(day=1)) for d in drafts.get("ATTENDANCE_RATE", [])
        } == below

    admin = get_user_model().objects.get(username="admin")
    api = APIClient()
    api.force_login(admin)
    for year in program.years:
        date_from, date_to = year_bounds(program, year)
        figures = pairing_figures(program=program, year=year)
        expected: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for pk, d in deployments.items():
            if not _overlaps(d, date_from, date_to):
                continue
            counts = expected[d["team__pairing_id"]]
            counts["deployments"] += 1
            counts["stay_met_deployments"] += pk not in short
            counts["rosters_timely"] += not rules.roster_filed or pk not in late
        attendance: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        missing: dict[int, set[dt.date]] = defaultdict(set)
        for r in months:
            if date_from.replace(day=1) <= r.month <= date_to:
                attendance[r.pairing_id]["attendance_present"] += r.present
                attendance[r.pairing_id]["attendance_expected"] += r.expected
                if not r.imported:
                    missing[r.pairing_id].add(r.month)
        for pk, figs in figures.items():
            for key in ("deployments", "stay_met_deployments", "rosters_timely"):
                assert figs[key] == expected[pk][key], (year, pk, key)
            for key in ("attendance_present", "attendance_expected"):
                assert figs[key] == attendance[pk][key], (year, pk, key)
            assert figs["attendance_months_missing"] == len(missing[pk]), (year, pk)
        # the report prints the scorecard's figures, and a month not imported as such
        for row in pairing_rows(program=program, year=year):
            for key in ("stay_met_deployments", "rosters_timely", "attendance_expected"):
                assert row.figures[key] == figures[row.pairing_id][key]
        not_imported_rows = sum(
            1 for row in attendance_rows(program=program, year=year) if row[4] == NOT_IMPORTED
        )
        assert not_imported_rows == sum(len(m) for m in missing.values())
        # the API's year
        answer = api.get(
            "/api/v1/indicators/", {"program": program.pk, "date_from": date_from, "date_to": date_to}
        ).json()
        measures = answer["measures"]
        assert measures["deployments"] == sum(f["deployments"] for f in figures.values())
        assert measures["stay_met"] == sum(f["stay_met_deployments"] for f in figures.values())
        assert measures["rosters_on_time"] == sum(f["rosters_timely"] for f in figures.values())
        assert measures["attendance_months_not_imported"] == sum(len(m) for m in missing.values())
        present = sum(f["attendance_present"] for f in figures.values())
        expected_days = sum(f["attendance_expected"] for f in figures.values())
        assert answer["attendance_rate"] == (round(present / expected_days, 4) if expected_days else None)
    return {
        "short_stays": len(short),
        "late_rosters": len(late),
        "rated_months": sum(r.imported for r in months),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("code", builder.DEMO_PROGRAMS)
def test_measures_agree_on_the_demo(demo: None, code: str) -> None:
    program = Program.objects.get(code=code)
    compared = assert_measures_agree(program)
    if code == "GS2022":  # the planted short stays and late rosters
        assert compared["short_stays"] >= 2 and compared["late_rosters"] >= 3
    if code == "BZ2016":  # the program with DingTalk attendance
        assert compared["rated_months"] > 0
    if code == "GS2022":
        # the Gansu demo has no attendance: every month is "not imported", never 0 %
        figures = pairing_figures(program=program, year=2023)
        assert all(
            f["attendance_expected"] == 0 and f["attendance_months_missing"] > 0 for f in figures.values()
        )
