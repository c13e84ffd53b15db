"""seed_demo: deterministic, idempotent, realistic in shape, and every planted violation points at real rows.

The demo is built once for the module (committed to the test database, removed at the end); tests that change
it run inside their own transaction and are rolled back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pghistory.models
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q

from assessments.models import MonthlyAssessment, SpotCheck
from core.identifiers import licence_error, national_id_error
from core.roles import Role
from devtools.demo import builder, national, reset, users
from devtools.demo.builder.base import month_starts
from devtools.demo.violations import Planted, gs_shift, planted
from pairings.choices import HospitalGrade, HospitalKind, HospitalOrigin, HospitalRole
from pairings.models import City, County, Hospital, Membership, Pairing, PairingSupporter, Program
from teams.choices import PRESENT_STATUSES, DeploymentRole
from teams.models import AttendanceRecord, Deployment, RosterEntry, Staff, Team
from training.models import TraineeStint

DEMO_APPS = ("pairings", "teams", "training", "assessments")
# The demo is laid for the day the tests run (issue 14 item 8); its manifest follows the main program's move.
TODAY = dt.date.today()
SHIFT = gs_shift(TODAY)
PLANTED = planted(SHIFT)


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        reset.delete_provinces(list(builder.DEMO_PROVINCES), users.DEMO_USERNAMES)
        call_command("seed_demo", "--today", TODAY.isoformat(), stdout=io.StringIO())
        yield
        reset.delete_provinces(list(builder.DEMO_PROVINCES), users.DEMO_USERNAMES)


def row_counts(*, audit: bool = True) -> dict[str, int]:
    """Rows per model; ``audit=False`` leaves out the pghistory event tables (a rebuild adds events) and the
    indicator facts."""
    counts = {}
    for label in DEMO_APPS:
        for model in apps.get_app_config(label).get_models():
            if not audit and issubclass(model, pghistory.models.Event):
                continue
            # The indicator facts are a cache derived per pairing: a deleted pairing's state row stays
            # behind (no foreign keys on purpose, assessments/models/facts.py) and is never read again.
            if not audit and model.__module__ == "assessments.models.facts":
                continue
            counts[model._meta.label] = model._default_manager.count()
    counts["auth.User"] = get_user_model().objects.count()
    return counts


def fingerprint() -> str:
    """A hash of the ordered business values of the key tables (no ids, no timestamps)."""
    h = hashlib.sha256()
    queries = [
        County.objects.order_by("code").values_list("code", "name", "population", "government_name"),
        Hospital.objects.order_by("code").values_list("code", "name", "role", "kind", "grade", "origin"),
        Pairing.objects.order_by("recipient__code").values_list(
            "program__code", "recipient__code", "service_start", "service_end"
        ),
        Team.objects.order_by("pairing__recipient__code", "year", "rotation").values_list(
            "pairing__recipient__code", "year", "rotation", "start_date", "end_date"
        ),
        Staff.objects.order_by("national_id").values_list(
            "national_id", "name", "phone", "title", "specialty", "clinical_since", "management_since"
        ),
        Deployment.objects.order_by("staff__national_id").values_list(
            "staff__national_id",
            "team__year",
            "team__rotation",
            "role",
            "post",
            "planned_start",
            "planned_end",
        ),
        MonthlyAssessment.objects.order_by("deployment__staff__national_id", "month").values_list(
            "deployment__staff__national_id", "month", "score"
        ),
        AttendanceRecord.objects.order_by("deployment__staff__national_id", "date").values_list(
            "deployment__staff__national_id", "date", "status"
        ),
        apps.get_model("training", "TraineeStint")
        .objects.order_by("trainee_national_id")
        .values_list("trainee_national_id", "kind", "start_date", "end_date", "is_free"),
        apps.get_model("pairings", "Agreement")
        .objects.order_by("pairing__recipient__code", "supporter__code", "kind", "year")
        .values_list("pairing__recipient__code", "supporter__code", "kind", "year", "government_signed_on"),
    ]
    for q in queries:
        for row in q:
            h.update(repr(row).encode())
    return h.hexdigest()


@pytest.mark.django_db
def test_second_seed_changes_nothing(demo: None) -> None:
    # given the demo is loaded
    before = row_counts()
    out = io.StringIO()
    # when seed_demo runs again
    call_command("seed_demo", "--today", TODAY.isoformat(), stdout=out)
    # then it says so and no table changed
    assert "demo data already loaded" in out.getvalue()
    assert row_counts() == before


@pytest.mark.django_db
def test_reset_rebuilds_the_same_data_from_the_same_seed(demo: None) -> None:
    before_counts, before = row_counts(audit=False), fingerprint()
    call_command("seed_demo", "--reset", "--today", TODAY.isoformat(), stdout=io.StringIO())
    assert row_counts(audit=False) == before_counts
    assert fingerprint() == before


@pytest.mark.django_db
def test_shape_of_the_province(demo: None) -> None:
    gs = Program.objects.get(code="GS2022")
    assert gs.preset == "gansu_2022" and gs.agreement_deadline == dt.date(2022 + SHIFT, 4, 5)
    # the main program runs today, in its last year; the other two have ended
    assert gs.start_date <= TODAY <= gs.end_date and gs.end_date.year == TODAY.year
    assert Program.objects.filter(code__in=["GD2019", "BZ2016"], end_date__lt=TODAY).count() == 2
    assert City.objects.filter(province__code="62").count() >= 14
    counties = County.objects.filter(city__province__code="62")
    assert counties.count() >= 75
    assert counties.filter(population__lt=50_000).count() >= 3
    assert counties.filter(name="阿克塞哈萨克族自治县", population__lt=50_000).exists()
    supporters = Hospital.objects.filter(province__code="62", role=HospitalRole.SUPPORTER)
    assert supporters.count() >= 20
    assert supporters.filter(origin=HospitalOrigin.OTHER_PROVINCE, origin_region="天津市").exists()
    assert supporters.filter(origin=HospitalOrigin.OTHER_PROVINCE, origin_region="山东省").exists()
    assert supporters.filter(origin=HospitalOrigin.MILITARY).exists()
    assert supporters.filter(is_residency_base=True).exists()
    recipients = Hospital.objects.filter(province__code="62", role=HospitalRole.RECIPIENT)
    assert recipients.count() >= 75
    assert recipients.filter(kind=HospitalKind.TCM).count() >= 10
    assert recipients.filter(grade=HospitalGrade.UNGRADED).exists()
    assert not recipients.filter(county__isnull=True).exists()
    # one pairing per recipient; ~10 with two supporters, each with exactly one lead
    assert gs.pairings.count() == recipients.count()
    two = gs.pairings.annotate(n=Count("supporters")).filter(n=2)
    assert 8 <= two.count() <= 12
    for p in two:
        assert p.supporters.filter(is_lead=True).count() == 1
    assert (
        not PairingSupporter.objects.values("pairing")
        .annotate(leads=Count("pk", filter=Q(is_lead=True)))
        .exclude(leads=1)
        .exists()
    )
    # the other presets' programs
    assert Program.objects.get(code="GD2019").pairings.count() == 5
    bz = Program.objects.get(code="BZ2016")
    assert bz.pairings.count() == 3 and bz.rules.attendance_threshold == 0.9
    assert AttendanceRecord.objects.filter(deployment__team__pairing__program=bz).count() > 10_000
    # four years of teams in GS2022, every deployment appraised or planted otherwise
    assert set(Team.objects.filter(pairing__program=gs).values_list("year", flat=True)) == {
        2022 + SHIFT,
        2023 + SHIFT,
        2024 + SHIFT,
        2025 + SHIFT,
    }
    assert Staff.objects.filter(national_id__isnull=True).count() == 0
    assert all(len(n) == 18 for n in Staff.objects.values_list("national_id", flat=True))


@pytest.mark.django_db
def test_demo_users_for_every_role(demo: None) -> None:
    password = users.DEFAULT_DEMO_PASSWORD
    User = get_user_model()
    for username in users.DEMO_USERNAMES:
        assert User.objects.get(username=username).check_password(password), username
    assert User.objects.get(username="admin").is_superuser
    roles = set(
        Membership.objects.filter(user__username__in=users.DEMO_USERNAMES).values_list("role", flat=True)
    )
    assert roles == set(Role.values)
    # memberships are scoped: the city sees only its recipients' pairings, the Tianjin coordinator its own
    lanzhou = User.objects.get(username="city_lanzhou")
    visible = Pairing.objects.for_user(lanzhou)
    assert visible.exists() and not visible.exclude(recipient__city__name="兰州市").exists()
    tj = User.objects.get(username="supporter_tj")
    visible = Pairing.objects.for_user(tj)
    assert visible.exists()
    assert not visible.exclude(supporters__hospital__code="S1200001").exists()
    province = User.objects.get(username="province")
    assert (
        Pairing.objects.for_user(province).count() == Pairing.objects.filter(program__code="GS2022").count()
    )
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "supporter_tj" in out.getvalue() and password in out.getvalue()
    # 张掖市 has an out-of-province (Tianjin) supporter: its city user forwards that roster, and is listed
    zhangye = User.objects.get(username="city_zhangye")
    assert Pairing.objects.for_user(zhangye).filter(supporters__hospital__code__startswith="S12").exists()
    assert "city_zhangye" in out.getvalue()


@pytest.mark.django_db
def test_every_planted_violation_refers_to_existing_rows(demo: None) -> None:
    assert len(PLANTED) >= 25
    assert {p.rule for p in PLANTED} >= {
        "TEAM_MIN_SIZE", "TEAM_MAX_SIZE", "COVERAGE_GAP", "ONE_LEADER", "LEADER_POST", "LEADER_MGMT_YEARS",
        "MEMBER_CLINICAL_YEARS", "MEMBER_MIN_TITLE", "LEADER_MIN_STAY", "MEMBER_MIN_STAY",
        "NO_DOUBLE_DEPLOYMENT",
        "ROSTER_FILED", "AGREEMENT_SIGNED", "ANNUAL_AGREEMENT", "TRAINING_QUOTA", "RESIDENCY_BASE",
        "EXPERT_VISITS", "SPOT_CHECKS", "MONTHLY_SCORE", "ATTENDANCE_RATE", "END_APPRAISAL", "GRADE_TARGET",
    }  # fmt: skip
    for item in PLANTED:
        program = Program.objects.get(code=item.program)
        if item.recipient:
            pairing = Pairing.objects.get(program=program, recipient__code=item.recipient)
            if item.period:
                assert pairing.service_start <= item.period[0] <= item.period[1] <= pairing.service_end
        if item.supporter:
            assert PairingSupporter.objects.filter(
                pairing__program=program, hospital__code=item.supporter
            ).exists()
        if item.county:
            assert County.objects.filter(code=item.county, city__province=program.province).exists()
        if item.staff:
            assert item.team and item.recipient
            year, rotation = item.team
            in_team = Q(team__pairing=pairing, team__year=year, team__rotation=rotation)
            deployed = Deployment.objects.filter(in_team, staff__national_id=item.staff).exists()
            listed = RosterEntry.objects.filter(
                roster__team__pairing=pairing,
                roster__team__year=year,
                roster__team__rotation=rotation,
                staff__national_id=item.staff,
            ).exists()
            assert deployed or (item.rule == "NO_DOUBLE_DEPLOYMENT" and listed), item
        if item.month and item.staff:
            dep = Deployment.objects.get(staff__national_id=item.staff)
            assert dep.start <= item.month <= dep.end


@pytest.mark.django_db
def test_planted_deployment_month_violations_are_the_only_ones(demo: None) -> None:
    bz = Q(deployment__team__pairing__program__code="BZ2016")
    low = MonthlyAssessment.objects.filter(bz, score__lt=80)
    assert [(a.deployment.staff.national_id, a.month) for a in low] == [
        (p.staff, p.month) for p in PLANTED if p.rule == "MONTHLY_SCORE"
    ]
    assert low.get().deduction_cny == 1000 and not low.get().passed
    # spot checks: per supporter and month of its team (SPEC §3: 支援医院每月至少组织3次), over whole months
    per_month: dict[tuple[Any, ...], int] = {}
    for d in Deployment.objects.filter(team__pairing__program__code="BZ2016").select_related(
        "team__pairing__recipient", "supporter"
    ):
        key = (d.team.pairing.recipient.code, d.supporter.code, (d.team.year, d.team.rotation))
        for m in month_starts(d.start, d.end):
            per_month.setdefault((*key, m), 0)
    checks = SpotCheck.objects.filter(bz).select_related(
        "deployment__team__pairing__recipient", "deployment__supporter"
    )
    for c in checks:
        d = c.deployment
        month = c.checked_at.astimezone(builder.TZ).date().replace(day=1)
        per_month[
            (d.team.pairing.recipient.code, d.supporter.code, (d.team.year, d.team.rotation), month)
        ] += 1
    assert [k for k, n in per_month.items() if n < 3] == [
        (p.recipient, p.supporter, p.team, p.month) for p in PLANTED if p.rule == "SPOT_CHECKS"
    ]
    # attendance: present / (rows − excused) per deployment-month
    rows = AttendanceRecord.objects.filter(bz).values_list("deployment__staff__national_id", "date", "status")
    tally: dict[tuple[str, Any], list[int]] = {}
    for nid, day, status in rows:
        t = tally.setdefault((nid, day.replace(day=1)), [0, 0])
        if status in ("leave", "rest"):
            continue
        t[1] += 1
        t[0] += status in PRESENT_STATUSES
    under = [k for k, (present, expected) in tally.items() if present / expected < 0.9]
    assert under == [(p.staff, p.month) for p in PLANTED if p.rule == "ATTENDANCE_RATE"]
    # GRADE_TARGET: the only populous county without a county hospital at 二级 or better
    from pairings.choices import GRADES_AT_LEAST_LEVEL2

    ok = Hospital.objects.filter(is_county_hospital=True, grade__in=GRADES_AT_LEAST_LEVEL2).values("county")
    missing = County.objects.filter(population__gt=50_000).exclude(pk__in=ok)
    assert list(missing.values_list("code", flat=True)) == [
        p.county for p in PLANTED if p.rule == "GRADE_TARGET"
    ]
    # leaders' posts: only the planted one is not 院长/副院长
    bad_post = Deployment.objects.filter(role=DeploymentRole.LEADER).exclude(post__in=["院长", "副院长"])
    assert list(bad_post.values_list("staff__national_id", flat=True)) == [
        p.staff for p in PLANTED if p.rule == "LEADER_POST"
    ]


@pytest.mark.django_db
def test_build_national_small_respects_constraints() -> None:
    counts = national.build_national(5, pairings=50, program_code="NATT")
    program = Program.objects.get(code="NATT")
    assert program.pairings.count() == 50
    assert counts["Deployment"] == Deployment.objects.filter(team__pairing__program=program).count()
    assert 1000 <= counts["Deployment"] <= 1500  # ≈ 24 per pairing
    # each person once; every pairing has exactly one lead; every deployment on a filed roster
    deps = Deployment.objects.filter(team__pairing__program=program)
    assert deps.values("staff").distinct().count() == deps.count()
    assert not PairingSupporter.objects.filter(pairing__program=program, is_lead=False).exists()
    assert not deps.filter(roster__isnull=True).exists()
    assert national.present("NATT")
    # and it coexists with another national program (codes, IDs and names never collide)
    national.build_national(5, pairings=5, program_code="NATU")
    assert Staff.objects.filter(employer__province__code="XNATU").count() > 0
    # every generated ID carries a valid GB 11643 check character and birth date
    ids = Staff.objects.exclude(national_id=None).values_list("national_id", flat=True)
    assert ids and not [i for i in ids if national_id_error(i)]


def test_demo_identifiers_are_valid(demo: None) -> None:
    # the demo builds only what a real roster import would accept: valid IDs, ASCII licence numbers
    ids = list(Staff.objects.exclude(national_id=None).values_list("national_id", flat=True))
    ids += TraineeStint.objects.exclude(trainee_national_id="").values_list("trainee_national_id", flat=True)
    assert len(ids) > 100 and not [i for i in ids if national_id_error(i)]
    licences = Staff.objects.exclude(licence_no=None).values_list("licence_no", flat=True)
    assert not [x for x in licences if licence_error(x)]


@pytest.mark.django_db
def test_person_agreement_and_yearly_rules_find_exactly_the_planted_items(demo: None) -> None:
    # a plain-Python second opinion on the rules that are not day-level or deployment-month
    from devtools.demo import check

    expected = {check.key(p) for p in PLANTED if p.rule in check.CHECKED}
    assert check.check(list(builder.DEMO_PROGRAMS)) == expected


def finding_matches(p: Planted, f: Any) -> bool:
    """Whether finding ``f`` is the one planted item ``p`` expects."""
    staff = f.staff or (f.deployment.staff if f.deployment else None)
    checks = [f.program.code == p.program, f.rule_code == p.rule]
    if p.staff:
        checks.append(staff is not None and staff.national_id == p.staff)
    if p.period:
        checks.append((f.period_start, f.period_end) == tuple(p.period))
    if p.month:
        checks.append(f.period_start == p.month)
    if p.year:
        checks.append(f.period_start == dt.date(p.year, 1, 1))
    if p.county:
        checks.append(f.county is not None and f.county.code == p.county)
    if p.supporter and f.hospital is not None:
        checks.append(f.hospital.code == p.supporter)
    # NO_DOUBLE_DEPLOYMENT's manifest names the roster's pairing; the finding sits on the deployment's.
    if p.recipient and not p.staff and p.rule not in {"GRADE_TARGET", "RESIDENCY_BASE"}:
        checks.append(f.pairing is not None and f.pairing.recipient.code == p.recipient)
    return all(checks)


def assert_findings_are_the_manifest(manifest: list[Planted]) -> None:
    """Each planted violation has exactly one open finding, and every open finding is a planted one."""
    from assessments.models import Finding

    planted_items = [p for p in manifest if p.consequence_of is None]  # a gap's 0-on-site days: the gap's
    findings = list(
        Finding.objects.filter(status="open").select_related(
            "program", "pairing__recipient", "staff", "deployment__staff", "hospital", "county"
        )
    )
    unmatched = [p for p in planted_items if sum(finding_matches(p, f) for f in findings) != 1]
    extra = [f for f in findings if not any(finding_matches(p, f) for p in planted_items)]
    assert unmatched == []
    assert [(f.program.code, f.rule_code, f.message) for f in extra] == []
    assert len(findings) == len(planted_items)


@pytest.mark.django_db
def test_seed_computes_the_findings_of_the_manifest(demo: None) -> None:
    # seed_demo checked the rules once, as of the day it laid the demo for: the pages need no worker
    assert_findings_are_the_manifest(PLANTED)


@pytest.mark.django_db
def test_the_rule_engine_finds_every_planted_violation_and_nothing_else(demo: None) -> None:
    """Issue 3's acceptance check: the demo's deliberate violations are all found, and nothing else."""
    # given the demo province with its manifest of planted violations
    # when every demo program is checked again today
    for code in sorted({p.program for p in PLANTED}):
        call_command("run_rules", "--program", code, "--sync", stdout=io.StringIO())
    # then each planted violation has exactly one finding, and every finding is a planted violation
    assert_findings_are_the_manifest(PLANTED)


@pytest.mark.django_db
@pytest.mark.parametrize("code, year", [("GS2022", 2023 + SHIFT), ("BZ2016", 2017)])
def test_api_indicators_equal_the_reports_and_the_dashboard(demo: None, code: str, year: int) -> None:
    """Issue 7: the dashboard API's numbers are the ones the annual report and the commission's home page
    show, on the demo's real data (attendance, gaps, leave, trainees, planted violations)."""
    from rest_framework.test import APIClient

    from assessments.models import Finding
    from assessments.reports.figures import pairing_figures
    from web.selectors.dashboard import commission_dashboard

    program = Program.objects.get(code=code)
    # seed_demo checked every program; this test compares one program's findings (rolled back after)
    Finding.objects.exclude(program=program).delete()
    call_command("run_rules", "--program", code, "--sync", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="admin")
    api = APIClient()
    api.force_login(admin)

    def indicators(**params: Any) -> dict[str, Any]:
        response = api.get("/api/v1/indicators/", {"program": program.pk, **params})
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]

    # the annual report's per-pairing figures, summed, against the API's year
    year_api = indicators(date_from=f"{year}-01-01", date_to=f"{year}-12-31")
    figures = pairing_figures(program=program, year=year).values()

    def total(key: str) -> int:
        return sum(int(fig[key]) for fig in figures)

    coverage = year_api["coverage"]
    assert coverage["period_days"] == total("period_days") > 0
    assert coverage["covered_days"] == total("covered_days")
    assert coverage["full_strength_days"] == total("full_strength_days")
    assert coverage["single_leader_days"] == total("single_leader_days")
    assert coverage["gap_count"] == total("gap_count")
    assert year_api["training"]["qualifying_trainees"] == total("trainees")
    expected, present = total("attendance_expected"), total("attendance_present")
    assert year_api["attendance_rate"] == (round(present / expected, 4) if expected else None)
    if code == "BZ2016":
        assert expected > 0  # the program with DingTalk attendance: the rate is really compared

    # the commission home page's month and its open findings, against the API's
    as_of = dt.date(year, 6, 15)
    page = commission_dashboard(user=admin, as_of=as_of)
    month_api = indicators(date_from=f"{year}-06-01", date_to=f"{year}-06-30")
    # the page counts active pairings: every demo pairing is active, so both cover the same ones
    assert not Pairing.objects.filter(program=program).exclude(status="active").exists()
    assert (
        month_api["coverage"]["period_days"],
        month_api["coverage"]["covered_days"],
        month_api["coverage"]["full_strength_days"],
    ) == (page.coverage.period_days, page.coverage.covered_days, page.coverage.full_strength_days)

    open_page = {
        (row.rule_code, severity): getattr(row, severity)
        for row in page.findings
        for severity in ("critical", "major", "minor")
        if getattr(row, severity)
    }
    all_open = indicators()["findings_open"]
    # the page shows every program the user sees, the API answer this program's: only this one was checked
    assert not Finding.objects.filter(status="open").exclude(program=program).exists()
    assert all_open["total"] == page.open_findings
    by_rule = {(r["rule_code"], r["severity"]): r["count"] for r in all_open["by_rule_and_severity"]}
    assert by_rule == open_page
    assert all_open["total"] == Finding.objects.filter(status="open", program=program).count() > 0
