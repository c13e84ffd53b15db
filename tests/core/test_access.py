"""Role scoping: every role sees its own organisation's data and nothing else."""

import pytest

from devtools import factories as f
from pairings.models import Pairing
from teams.models import Deployment, Staff


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("province", {"a", "b"}),
        ("dashboard", {"a", "b"}),
        ("city_a", {"a"}),
        ("city_b", {"b"}),
        ("county_a", {"a"}),
        ("alice", {"a"}),
        ("bob", {"b"}),
        ("charlie", {"a"}),
        ("dana", {"b"}),
        ("nobody", set()),
    ],
)
def test_pairings_are_scoped_by_role(world, user, visible):
    # given the two pairings of the world
    by_name = {"a": world.pairing_a.pk, "b": world.pairing_b.pk}
    # when the user's scoped queryset is read
    seen = set(Pairing.objects.for_user(world.users[user]).values_list("pk", flat=True))
    # then it holds exactly that user's pairings
    assert seen == {by_name[k] for k in visible}


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Pairing.objects.for_user(AnonymousUser()).exists()


def test_superuser_sees_everything(world):
    admin = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    assert Pairing.objects.for_user(admin).count() == 2


def test_deployments_and_staff_follow_the_pairing(world):
    team_a = f.TeamFactory(pairing=world.pairing_a)
    dep_a = f.DeploymentFactory(team=team_a)
    team_b = f.TeamFactory(pairing=world.pairing_b)
    dep_b = f.DeploymentFactory(team=team_b)

    assert list(Deployment.objects.for_user(world.users["alice"])) == [dep_a]
    assert list(Deployment.objects.for_user(world.users["bob"])) == [dep_b]
    assert list(Deployment.objects.for_user(world.users["city_a"])) == [dep_a]
    # the supporter coordinator sees its own employees; the recipient sees those deployed to it
    assert set(Staff.objects.for_user(world.users["charlie"])) == {dep_a.staff}
    assert set(Staff.objects.for_user(world.users["alice"])) == {dep_a.staff}
    assert not Staff.objects.for_user(world.users["bob"]).filter(pk=dep_a.staff.pk).exists()


def test_for_user_never_repeats_rows(world):
    # a pairing with two supporters joins twice through supporters__hospital; rows must not repeat
    second = f.HospitalFactory(province=world.province)
    world.pairing_a.supporters.create(hospital=second, is_lead=False)
    assert Pairing.objects.for_user(world.users["charlie"]).count() == 1
