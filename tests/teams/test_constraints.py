"""Database constraints do the enforcing: these writes bypass every form and still fail."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from devtools import factories as f
from pairings.models import PairingSupporter
from teams.models import Deployment

pytestmark = pytest.mark.django_db(transaction=True)


def test_double_deployment_is_rejected_by_the_database():
    first = f.DeploymentFactory(planned_start=dt.date(2023, 1, 1), planned_end=dt.date(2023, 6, 30))
    other_team = f.TeamFactory(pairing=first.team.pairing)
    with pytest.raises(IntegrityError, match="deployment_no_double_booking"):
        Deployment.objects.create(
            team=other_team,
            staff=first.staff,
            supporter=first.supporter,
            role="member",
            post="医师",
            planned_start=dt.date(2023, 6, 30),
            planned_end=dt.date(2023, 12, 31),
        )


def test_adjacent_deployments_are_allowed():
    first = f.DeploymentFactory(planned_start=dt.date(2023, 1, 1), planned_end=dt.date(2023, 6, 30))
    other_team = f.TeamFactory(pairing=first.team.pairing)
    Deployment.objects.create(
        team=other_team,
        staff=first.staff,
        supporter=first.supporter,
        role="member",
        post="医师",
        planned_start=dt.date(2023, 7, 1),
        planned_end=dt.date(2023, 12, 31),
    )
    assert first.staff.deployments.count() == 2


def test_actual_dates_drive_the_overlap_check():
    # planned ranges do not overlap, but the first stint actually ran one day longer
    first = f.DeploymentFactory(planned_start=dt.date(2023, 1, 1), planned_end=dt.date(2023, 6, 30))
    other_team = f.TeamFactory(pairing=first.team.pairing)
    Deployment.objects.create(
        team=other_team,
        staff=first.staff,
        supporter=first.supporter,
        role="member",
        post="医师",
        planned_start=dt.date(2023, 7, 1),
        planned_end=dt.date(2023, 12, 31),
    )
    first.actual_end = dt.date(2023, 7, 1)
    with pytest.raises(IntegrityError):
        first.save()


def test_deployment_end_before_start_is_rejected():
    with pytest.raises(IntegrityError, match="deployment_planned_dates"):
        f.DeploymentFactory(planned_start=dt.date(2023, 6, 1), planned_end=dt.date(2023, 5, 31))


def test_two_lead_supporters_are_rejected():
    pairing = f.PairingFactory()
    with pytest.raises(IntegrityError, match="pairing_one_lead"):
        PairingSupporter.objects.create(pairing=pairing, hospital=f.HospitalFactory(), is_lead=True)


def test_several_supporters_without_a_lead_are_rejected_at_commit():
    pairing = f.PairingFactory()
    with pytest.raises(IntegrityError, match="exactly one lead"):
        with transaction.atomic():
            PairingSupporter.objects.filter(pairing=pairing).update(is_lead=False)
            PairingSupporter.objects.create(pairing=pairing, hospital=f.HospitalFactory(), is_lead=False)


def test_moving_the_lead_inside_a_transaction_is_allowed():
    pairing = f.PairingFactory()
    new_lead = f.HospitalFactory()
    with transaction.atomic():
        PairingSupporter.objects.filter(pairing=pairing).update(is_lead=False)
        PairingSupporter.objects.create(pairing=pairing, hospital=new_lead, is_lead=True)
    assert pairing.supporters.get(is_lead=True).hospital == new_lead


def test_staff_needs_a_stable_key():
    with pytest.raises(IntegrityError, match="staff_has_stable_key"):
        f.StaffFactory(national_id=None, licence_no=None)


def test_membership_role_must_match_its_organisation():
    province = f.ProvinceFactory()
    with pytest.raises(IntegrityError, match="membership_role_matches_organisation"):
        f.make_member("x", "recipient_coordinator", province=province)
