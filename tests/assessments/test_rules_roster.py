"""Rosters and agreements: ROSTER_FILED, NO_DOUBLE_DEPLOYMENT, AGREEMENT_SIGNED, ANNUAL_AGREEMENT."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from devtools import factories as f
from tests.assessments.rules_helpers import D, evaluate, pairing, program

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
START = D(2023, 5, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.fixture
def prog():
    return program(roster_deadline=D(2023, 4, 5))


@pytest.fixture
def team(prog):
    return f.TeamFactory(pairing=pairing(prog), year=2023, start_date=START)


def filed(team, day, staff=(), status="filed", **kw):
    roster = f.RosterFactory(team=team, status=status, decided_at=at(day) if day else None, **kw)
    for s in staff:
        f.RosterEntryFactory(roster=roster, staff=s, planned_start=START, planned_end=D(2023, 10, 31))
    return roster


def deploy(team, roster=None, start=START):
    return f.DeploymentFactory(team=team, roster=roster, planned_start=start, planned_end=D(2023, 10, 31))


def test_deployment_on_a_roster_filed_the_day_before_passes(prog, team):
    deploy(team, roster=filed(team, D(2023, 4, 5)))
    assert evaluate(prog, "ROSTER_FILED") == []


def test_roster_filed_on_the_start_day_is_late(prog, team):
    dep = deploy(team, roster=filed(team, START))
    [d] = evaluate(prog, "ROSTER_FILED")
    assert d.deployment_id == dep.pk and d.evidence["filed_on"] == "2023-05-01"


def test_filed_roster_listing_the_person_counts_without_a_link(prog, team):
    dep = deploy(team)
    filed(team, D(2023, 3, 1), staff=[dep.staff])
    assert evaluate(prog, "ROSTER_FILED") == []


def test_deployment_on_no_filed_roster_is_found(prog, team):
    dep = deploy(team)
    filed(team, None, staff=[dep.staff], status="submitted")  # submitted, never filed
    [d] = evaluate(prog, "ROSTER_FILED")
    assert d.evidence["filed_on"] is None and "未" in d.message or "不在" in d.message


def test_roster_filed_before_start_but_after_the_deadline_for_an_early_start(prog, team):
    # starting on the deadline day: must be filed before the start, hence by the deadline
    dep = deploy(team, roster=filed(team, D(2023, 4, 5)), start=D(2023, 4, 5))
    assert [d.deployment_id for d in evaluate(prog, "ROSTER_FILED")] == [dep.pk]


def test_filing_late_in_the_evening_counts_in_local_time(prog, team):
    # 23:30 in Beijing on April 30 is still April 30 (15:30 UTC)
    roster = f.RosterFactory(team=team, status="filed", decided_at=at(D(2023, 4, 30), 23).replace(minute=30))
    deploy(team, roster=roster)
    assert evaluate(prog, "ROSTER_FILED") == []


# --- NO_DOUBLE_DEPLOYMENT -------------------------------------------------------------------------------


def test_healthy_deployments_are_not_double(prog, team):
    deploy(team)
    assert evaluate(prog, "NO_DOUBLE_DEPLOYMENT") == []


def test_person_on_two_live_rosters_with_overlapping_dates(prog, team):
    # given one person on the rosters of two different pairings, dates overlapping in June
    other_team = f.TeamFactory(pairing=pairing(prog), year=2023)
    staff = f.StaffFactory()
    a = filed(team, None, status="submitted")
    b = filed(other_team, None, status="draft")
    f.RosterEntryFactory(roster=a, staff=staff, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    f.RosterEntryFactory(roster=b, staff=staff, planned_start=D(2023, 6, 1), planned_end=D(2023, 12, 31))
    # when checked, then one critical finding names the person and the overlap
    [d] = evaluate(prog, "NO_DOUBLE_DEPLOYMENT")
    assert (d.staff_id, d.period_start, d.period_end) == (staff.pk, D(2023, 6, 1), D(2023, 6, 30))
    assert d.severity == "critical" and sorted(d.evidence["rosters"]) == sorted([a.pk, b.pk])


def test_returned_and_superseded_rosters_do_not_count(prog, team):
    other_team = f.TeamFactory(pairing=pairing(prog), year=2023)
    staff = f.StaffFactory()
    returned = filed(other_team, None, status="returned")
    old = filed(team, None, status="submitted")
    f.RosterFactory(team=team, previous=old, version=2)  # v2 replaces v1 and drops the person
    third = f.TeamFactory(pairing=team.pairing, year=2023)
    live = filed(third, None, status="submitted")
    for r in (returned, old, live):
        f.RosterEntryFactory(roster=r, staff=staff, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    assert evaluate(prog, "NO_DOUBLE_DEPLOYMENT") == []


def test_adjacent_roster_dates_do_not_overlap(prog, team):
    other_team = f.TeamFactory(pairing=pairing(prog), year=2023)
    staff = f.StaffFactory()
    a, b = filed(team, None, status="submitted"), filed(other_team, None, status="submitted")
    f.RosterEntryFactory(roster=a, staff=staff, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    f.RosterEntryFactory(roster=b, staff=staff, planned_start=D(2023, 7, 1), planned_end=D(2023, 12, 31))
    assert evaluate(prog, "NO_DOUBLE_DEPLOYMENT") == []


# --- agreements -------------------------------------------------------------------------------------------


def test_tripartite_signed_on_the_deadline_passes():
    prog = program(agreement_deadline=D(2023, 4, 5))
    p = pairing(prog)
    f.AgreementFactory(pairing=p, government_signed_on=D(2023, 4, 5))
    assert evaluate(prog, "AGREEMENT_SIGNED") == []


def test_tripartite_signed_a_day_late_missing_or_unsigned():
    prog = program(agreement_deadline=D(2023, 4, 5))
    late, missing, unsigned = pairing(prog), pairing(prog), pairing(prog)
    f.AgreementFactory(pairing=late, government_signed_on=D(2023, 4, 6))
    f.AgreementFactory(pairing=unsigned, government_signed_on=None)
    found = {d.pairing_id: d for d in evaluate(prog, "AGREEMENT_SIGNED")}
    assert set(found) == {late.pk, missing.pk, unsigned.pk}
    assert found[late.pk].evidence["signed_on"] == "2023-04-06"
    assert found[missing.pk].agreement_id is None
    assert "县政府" in found[unsigned.pk].message


def test_every_supporter_needs_its_own_agreement():
    # given a pairing with two supporters, the lead's agreement signed on the deadline
    prog = program(agreement_deadline=D(2023, 4, 5))
    p = pairing(prog)
    lead = p.supporters.get().hospital
    other = f.HospitalFactory(province=prog.province)
    p.supporters.create(hospital=other, is_lead=False)
    f.AgreementFactory(pairing=p, supporter=lead, government_signed_on=D(2023, 4, 5))
    # when the partner has none, then that is a finding about the partner
    [d] = evaluate(prog, "AGREEMENT_SIGNED")
    assert (d.pairing_id, d.hospital_id, d.agreement_id) == (p.pk, other.pk, None)
    assert other.name in d.message and d.evidence["is_lead"] is False
    # when the partner signs a day late, then still found; on the deadline, nothing
    a = f.AgreementFactory(pairing=p, supporter=other, government_signed_on=D(2023, 4, 6))
    [d] = evaluate(prog, "AGREEMENT_SIGNED")
    assert (d.hospital_id, d.evidence["signed_on"]) == (other.pk, "2023-04-06")
    a.government_signed_on = D(2023, 4, 5)
    a.save()
    assert evaluate(prog, "AGREEMENT_SIGNED") == []


def test_two_short_supporters_of_one_pairing_are_two_findings():
    prog = program(agreement_deadline=D(2023, 4, 5))
    p = pairing(prog)
    p.supporters.create(hospital=f.HospitalFactory(province=prog.province), is_lead=False)
    drafts = evaluate(prog, "AGREEMENT_SIGNED")
    assert len(drafts) == 2
    assert len({d.fingerprint(prog.pk) for d in drafts}) == 2


def test_guangdong_agreement_needs_supporter_and_recipient_only():
    prog = program(preset="guangdong_2019")
    two_party, recipient_missing = pairing(prog), pairing(prog)
    f.AgreementFactory(pairing=two_party, government_signed_on=None)
    f.AgreementFactory(pairing=recipient_missing, government_signed_on=None, recipient_signed_on=None)
    [d] = evaluate(prog, "AGREEMENT_SIGNED")
    assert d.pairing_id == recipient_missing.pk
    assert "受援医院" in d.message and "县政府" not in d.message
    assert d.evidence["parties"] == ["supporter", "recipient"]


def test_gansu_agreement_without_the_county_government_is_found():
    prog = program()
    p = pairing(prog)
    f.AgreementFactory(pairing=p, government_signed_on=None)
    [d] = evaluate(prog, "AGREEMENT_SIGNED")
    assert "县政府" in d.message


def annual(p, year, signed):
    return f.AgreementFactory(
        pairing=p, kind="annual", year=year, title=f"{year}年度补充协议", supporter_signed_on=signed,
        government_signed_on=signed, recipient_signed_on=signed,
    )  # fmt: skip


def test_annual_agreement_signed_the_day_before_the_first_rotation():
    prog = program()
    p = pairing(prog)
    f.TeamFactory(pairing=p, year=2023, rotation=1, start_date=D(2023, 3, 1))
    f.TeamFactory(pairing=p, year=2023, rotation=2, start_date=D(2023, 9, 1))
    annual(p, 2023, D(2023, 2, 28))
    assert evaluate(prog, "ANNUAL_AGREEMENT") == []


def test_annual_agreement_on_the_start_day_or_missing_is_found():
    prog = program(end_date=D(2024, 12, 31))
    p = pairing(prog)
    f.TeamFactory(pairing=p, year=2023, start_date=D(2023, 3, 1))
    f.TeamFactory(pairing=p, year=2024, start_date=D(2024, 3, 1), end_date=D(2024, 12, 31))
    annual(p, 2023, D(2023, 3, 1))
    found = evaluate(prog, "ANNUAL_AGREEMENT")
    assert [(d.evidence["year"], d.evidence["signed_on"]) for d in found] == [
        (2023, "2023-03-01"),
        (2024, None),
    ]


def test_no_team_no_annual_agreement_needed():
    prog = program()
    pairing(prog)
    assert evaluate(prog, "ANNUAL_AGREEMENT") == []
