"""LEADER_DESIGNATION: a leader from a partner hospital needs the lead hospital's designation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from assessments.models import RuleRun
from devtools import factories as f
from pairings.services.registry import pairing_set_lead
from teams.models import LeaderDesignation
from teams.services.designations import leader_designate
from tests.assessments.rules_helpers import D, evaluate, pairing, program

pytestmark = pytest.mark.django_db


def two_supporters(prog):
    p = pairing(prog)
    lead = p.supporters.get().hospital
    partner = f.HospitalFactory(province=prog.province)
    p.supporters.create(hospital=partner, is_lead=False)
    team = f.TeamFactory(pairing=p, year=2023)
    return p, lead, partner, team


def leader(team, supporter):
    return f.DeploymentFactory(team=team, supporter=supporter, role="leader", post="副院长")


def test_a_leader_from_the_lead_hospital_needs_no_designation():
    prog = program()
    _p, lead, _partner, team = two_supporters(prog)
    leader(team, lead)
    assert evaluate(prog, "LEADER_DESIGNATION") == []


def test_a_single_supporter_needs_no_designation():
    prog = program()
    p = pairing(prog)
    team = f.TeamFactory(pairing=p, year=2023)
    leader(team, p.supporters.get().hospital)
    assert evaluate(prog, "LEADER_DESIGNATION") == []


def test_a_partner_hospitals_leader_without_designation_is_found_and_with_one_is_not():
    prog = program()
    _p, lead, partner, team = two_supporters(prog)
    dep = leader(team, partner)
    [d] = evaluate(prog, "LEADER_DESIGNATION")
    assert (d.deployment_id, d.subject_type) == (dep.pk, "deployment")
    assert partner.name in d.message and lead.name in d.message
    LeaderDesignation.objects.create(
        team=team, staff=dep.staff, designated_by=lead, designated_on=D(2023, 1, 1)
    )
    assert evaluate(prog, "LEADER_DESIGNATION") == []


def test_members_from_a_partner_hospital_need_no_designation():
    prog = program()
    _p, _lead, partner, team = two_supporters(prog)
    f.DeploymentFactory(team=team, supporter=partner, role="member")
    assert evaluate(prog, "LEADER_DESIGNATION") == []


def test_a_lead_change_rechecks_the_pairing_and_the_old_leads_designation_no_longer_counts(
    world, django_capture_on_commit_callbacks
):
    # given pairing A with a partner supporter whose leader the lead designated
    p = world.pairing_a
    lead, partner = world.supporter_a, world.supporter_b
    p.supporters.create(hospital=partner, is_lead=False)
    team = f.TeamFactory(pairing=p, year=2023)
    dep = leader(team, partner)
    with django_capture_on_commit_callbacks():
        leader_designate(user=world.users["charlie"], team=team, staff=dep.staff, designated_on=D(2023, 1, 1))
    assert team.leader_designations.get().designated_by == lead
    assert evaluate(world.program, "LEADER_DESIGNATION", as_of=D(2024, 1, 1)) == []
    RuleRun.objects.all().delete()
    # when the province moves the lead to the partner hospital
    with django_capture_on_commit_callbacks() as callbacks:
        pairing_set_lead(user=world.users["province"], pairing=p, lead=partner)
    # then a recheck of the pairing is queued
    run = RuleRun.objects.get()
    assert (run.pairing_id, run.trigger, run.status, len(callbacks)) == (p.pk, "event", "queued", 1)
    # and a leader deployed by the former lead now needs the new lead's designation
    old_leads_leader = f.DeploymentFactory(
        team=f.TeamFactory(pairing=p, year=2023), supporter=lead, role="leader", post="院长"
    )
    found = {d.deployment_id for d in evaluate(world.program, "LEADER_DESIGNATION", as_of=D(2024, 1, 1))}
    assert found == {old_leads_leader.pk}


def test_only_the_lead_hospital_or_province_may_designate_and_a_refusal_writes_nothing(
    world, django_capture_on_commit_callbacks
):
    p = world.pairing_a
    p.supporters.create(hospital=world.supporter_b, is_lead=False)
    team = f.TeamFactory(pairing=p, year=2023)
    dep = leader(team, world.supporter_b)
    for name in ("dana", "county_a", "alice"):  # partner coordinator, county bureau, recipient
        with pytest.raises(PermissionDenied):
            leader_designate(user=world.users[name], team=team, staff=dep.staff, designated_on=D(2023, 1, 1))
    assert not LeaderDesignation.objects.exists() and not RuleRun.objects.exists()
    with django_capture_on_commit_callbacks():
        leader_designate(
            user=world.users["province"], team=team, staff=dep.staff, designated_on=D(2023, 1, 2)
        )
    assert LeaderDesignation.objects.get().designated_by == world.supporter_a
