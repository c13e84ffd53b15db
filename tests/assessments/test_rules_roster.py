"""Rosters and agreements: ROSTER_FILED (submission and city forwarding, SPEC §3), NO_DOUBLE_DEPLOYMENT,
AGREEMENT_SIGNED, ANNUAL_AGREEMENT."""

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
    return f.TeamFactory(pairing=pairing(prog), year=2023, rotation=1, start_date=START)


def filed(team, day, staff=(), status="filed", **kw):
    roster = f.RosterFactory(team=team, status=status, decided_at=at(day) if day else None, **kw)
    for s in staff:
        f.RosterEntryFactory(roster=roster, staff=s, planned_start=START, planned_end=D(2023, 10, 31))
    return roster


def submitted(team, day, staff=(), status="filed", filed_on=None, **kw):
    """A roster the supporter submitted on ``day`` (filed by the commission on ``filed_on``, default the
    same day): ROSTER_FILED judges the submission."""
    decided = at(filed_on or day, 16) if status == "filed" else None
    roster = f.RosterFactory(team=team, status=status, submitted_at=at(day), decided_at=decided, **kw)
    for s in staff:
        f.RosterEntryFactory(roster=roster, staff=s, planned_start=START, planned_end=D(2023, 10, 31))
    return roster


def deploy(team, roster=None, start=START, **kw):
    return f.DeploymentFactory(
        team=team, roster=roster, planned_start=start, planned_end=D(2023, 10, 31), **kw
    )


@pytest.fixture
def later_team(prog):
    """A second rotation: the program's roster deadline does not bind it, only "before its start"."""
    return f.TeamFactory(pairing=pairing(prog), year=2023, rotation=2, start_date=START)


def reasons(prog):
    return [(d.deployment_id, d.evidence["reason"]) for d in evaluate(prog, "ROSTER_FILED")]


def test_submitted_the_day_before_the_start_is_on_time(prog, later_team):
    # due "today" (the day before the start): submitted on the due day passes
    deploy(later_team, roster=submitted(later_team, START - dt.timedelta(days=1)))
    assert reasons(prog) == []


def test_submitted_on_the_start_day_is_late(prog, later_team):
    # SPEC "before its start": the first day itself is one day late (due was "yesterday")
    dep = deploy(later_team, roster=submitted(later_team, START))
    [d] = evaluate(prog, "ROSTER_FILED")
    assert (d.deployment_id, d.evidence["reason"]) == (dep.pk, "late")
    assert (d.evidence["submitted_on"], d.evidence["due"]) == ("2023-05-01", "2023-04-30")


def test_the_commissions_filing_date_is_not_counted_against_the_supporter(prog, later_team):
    # submitted in time, filed by the commission two weeks after the start: on time
    deploy(later_team, roster=submitted(later_team, D(2023, 4, 20), filed_on=D(2023, 5, 15)))
    # and a submitted roster the commission has not filed yet is not the supporter's fault either
    other = f.TeamFactory(pairing=later_team.pairing, year=2023, rotation=3, start_date=START)
    deploy(other, roster=submitted(other, D(2023, 4, 20), status="submitted"))
    assert reasons(prog) == []


def test_first_rotation_is_due_by_the_program_deadline(prog, team):
    # rotation 1 of the program's first year: submitted after the deadline (04-05) but before the start
    late = deploy(team, roster=submitted(team, D(2023, 4, 6)))
    assert reasons(prog) == [(late.pk, "late")]


def test_first_rotation_submitted_on_the_deadline_passes(prog, team):
    deploy(team, roster=submitted(team, D(2023, 4, 5)))
    assert reasons(prog) == []


def test_later_rotation_is_not_bound_by_the_program_deadline(prog, later_team):
    deploy(later_team, roster=submitted(later_team, D(2023, 4, 20)))
    assert reasons(prog) == []


def test_submitted_roster_listing_the_person_counts_without_a_link(prog, later_team):
    dep = deploy(later_team)
    submitted(later_team, D(2023, 3, 1), staff=[dep.staff])
    assert reasons(prog) == []


def test_deployment_on_no_roster_or_only_a_returned_or_draft_one_is_found(prog, later_team):
    a, b, c = deploy(later_team), deploy(later_team), deploy(later_team)
    submitted(later_team, D(2023, 3, 1), staff=[b.staff], status="returned")
    f.RosterEntryFactory(
        roster=f.RosterFactory(team=later_team, status="draft", version=3),
        staff=c.staff,
        planned_start=START,
        planned_end=D(2023, 10, 31),
    )
    assert sorted(reasons(prog)) == sorted([(a.pk, "no_roster"), (b.pk, "no_roster"), (c.pk, "no_roster")])


def test_new_roster_version_mid_rotation_does_not_make_the_team_late(prog, later_team):
    # v1 submitted in time lists two people; v2 (after the start) adds a third who starts later
    first, second = deploy(later_team), deploy(later_team)
    v1 = submitted(later_team, D(2023, 4, 20), staff=[first.staff, second.staff])
    joiner = deploy(later_team, start=D(2023, 7, 1))
    v2 = submitted(later_team, D(2023, 6, 10), staff=[first.staff, second.staff], previous=v1, version=2)
    f.RosterEntryFactory(
        roster=v2, staff=joiner.staff, planned_start=D(2023, 7, 1), planned_end=D(2023, 10, 31)
    )
    assert reasons(prog) == []
    # a joiner who started before v2 was submitted is late — alone
    early = deploy(later_team, start=D(2023, 6, 1))
    f.RosterEntryFactory(
        roster=v2, staff=early.staff, planned_start=D(2023, 6, 1), planned_end=D(2023, 10, 31)
    )
    assert reasons(prog) == [(early.pk, "late")]


def test_submission_late_in_the_evening_counts_in_local_time(prog, later_team):
    # 23:30 in Beijing on April 30 is still April 30 (15:30 UTC): the day before the start
    roster = f.RosterFactory(
        team=later_team, status="submitted", submitted_at=at(D(2023, 4, 30), 23).replace(minute=30)
    )
    deploy(later_team, roster=roster)
    assert reasons(prog) == []


@pytest.fixture
def tianjin(prog, later_team):
    """An out-of-province supporter (天津) as the pairing's lead: its rosters go through the city."""
    hospital = later_team.pairing.supporters.get(is_lead=True).hospital
    hospital.origin = "other_province"
    hospital.origin_region = "天津市"
    hospital.save()
    return hospital


def test_out_of_province_roster_filed_without_forwarding_is_found(prog, later_team, tianjin):
    dep = deploy(later_team, roster=submitted(later_team, D(2023, 4, 20)))  # marked filed, never forwarded
    [d] = evaluate(prog, "ROSTER_FILED")
    assert (d.deployment_id, d.evidence["reason"], d.evidence["out_of_province"]) == (
        dep.pk,
        "not_forwarded",
        True,
    )


def test_out_of_province_roster_forwarded_by_the_day_before_passes(prog, later_team, tianjin):
    roster = submitted(later_team, D(2023, 4, 20), forwarded_at=at(D(2023, 4, 30)))
    deploy(later_team, roster=roster)
    assert reasons(prog) == []


def test_out_of_province_roster_forwarded_on_the_start_day_is_late(prog, later_team, tianjin):
    roster = submitted(later_team, D(2023, 4, 20), forwarded_at=at(START))
    dep = deploy(later_team, roster=roster)
    assert reasons(prog) == [(dep.pk, "late_forwarded")]


def test_scorecard_counts_the_rules_on_time_rosters(prog, later_team, tianjin):
    # one measure: the scorecard's rosters_timely = deployments − ROSTER_FILED findings
    deploy(later_team, roster=submitted(later_team, D(2023, 4, 20), forwarded_at=at(D(2023, 4, 21))))
    deploy(later_team, roster=submitted(later_team, D(2023, 4, 20), version=2))  # not forwarded
    deploy(later_team, roster=submitted(later_team, START, forwarded_at=at(START), version=3))  # late
    deploy(later_team)  # on no roster
    from assessments.reports.figures import pairing_figures

    figs = pairing_figures(program=prog, year=2023)[later_team.pairing_id]
    findings = evaluate(prog, "ROSTER_FILED")
    assert (figs["deployments"], figs["rosters_timely"], len(findings)) == (4, 1, 3)


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
