import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from devtools import factories as f
from pairings.models import Pairing, Program
from pairings.services import registry as services


def test_program_from_preset_keeps_only_overrides(world):
    # given province staff
    user = world.users["province"]
    # when a Guangdong-preset program is created with one override
    program = services.program_create(
        user=user,
        province=world.province,
        code="GD-T",
        name="广东测试",
        preset="guangdong_2019",
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2021, 12, 31),
        params={"member_min_title": 3},
    )
    # then the preset numbers and the override both apply
    assert program.rules.team_max_size == 5
    assert program.rules.expert_visit_batches == 4
    assert program.rules.member_min_title == 3
    assert program.params == {"member_min_title": 3}


def test_gansu_preset_copies_its_deadlines(world):
    program = services.program_create(
        user=world.users["province"],
        province=world.province,
        code="GS-T",
        name="甘肃测试",
        preset="gansu_2022",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2025, 12, 31),
    )
    assert program.agreement_deadline == dt.date(2022, 4, 5)
    assert program.rules.team_min_size == 5 and program.rules.team_min_size_tcm == 3


def test_unknown_rule_parameter_is_refused_and_nothing_written(world):
    with pytest.raises(ValueError, match="unknown rule parameters: team_size"):
        services.program_create(
            user=world.users["province"],
            province=world.province,
            code="X",
            name="x",
            preset="gansu_2022",
            start_date=dt.date(2022, 1, 1),
            end_date=dt.date(2025, 12, 31),
            params={"team_size": 4},
        )
    assert not Program.objects.filter(code="X").exists()


@pytest.mark.parametrize("who", ["city_a", "alice", "charlie", "dashboard", "nobody"])
def test_only_province_staff_create_programs(world, who):
    with pytest.raises(PermissionDenied):
        services.program_create(
            user=world.users[who],
            province=world.province,
            code="Y",
            name="y",
            preset="gansu_2022",
            start_date=dt.date(2022, 1, 1),
            end_date=dt.date(2025, 12, 31),
        )
    assert not Program.objects.filter(code="Y").exists()


def test_pairing_with_two_supporters_needs_a_lead(world):
    recipient = f.RecipientFactory(province=world.province)
    s1, s2 = f.HospitalFactory(province=world.province), f.HospitalFactory(province=world.province)
    with pytest.raises(ValidationError, match="牵头医院"):
        services.pairing_create(
            user=world.users["province"], program=world.program, recipient=recipient, supporters=[s1, s2]
        )
    pairing = services.pairing_create(
        user=world.users["province"], program=world.program, recipient=recipient, supporters=[s1, s2], lead=s2
    )
    assert pairing.supporters.get(is_lead=True).hospital == s2
    assert pairing.service_start == world.program.start_date


def test_pairing_recipient_must_be_a_recipient(world):
    supporter = f.HospitalFactory(province=world.province)
    with pytest.raises(ValidationError):
        services.pairing_create(
            user=world.users["province"],
            program=world.program,
            recipient=supporter,
            supporters=[world.supporter_a],
        )
    assert Pairing.objects.count() == 2


def test_moving_the_lead(world):
    second = f.HospitalFactory(province=world.province)
    world.pairing_a.supporters.create(hospital=second, is_lead=False)
    services.pairing_set_lead(user=world.users["province"], pairing=world.pairing_a, lead=second)
    assert world.pairing_a.supporters.get(is_lead=True).hospital == second
