"""Programs (issue 14 item 1): create from a preset, parameters with sources, edit with a reason, status,
copy, history; role matrix on every page; refused writes change nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from core.audit import history_for
from core.roles import Role
from devtools import factories as f
from pairings.choices import ProgramStatus
from pairings.models import Program
from pairings.parameters import PARAMETER_HELP
from pairings.presets import PRESETS, RuleParams
from pairings.selectors.programs import program_parameters
from pairings.services import programs as svc
from pairings.services.registry import program_create

D = dt.date


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _other_province_staff() -> Any:
    return f.make_member("prov_b", Role.PROVINCE_STAFF, province=f.ProvinceFactory(code="99", name="外省"))


def _user(world: Any, who: str) -> Any:
    return _other_province_staff() if who == "other" else world.users[who]


def test_every_parameter_has_a_chinese_explanation() -> None:
    assert set(PARAMETER_HELP) == RuleParams.field_names()


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_create_page_makes_a_program_from_each_preset(world: Any, preset: str) -> None:
    # when province staff create a program from a preset on the page
    resp = _client(world.users["province"]).post(
        reverse("programs:create"),
        {
            "preset": preset,
            "code": f"P-{preset}",
            "name": "第二周期",
            "start_date": "2026-01-01",
            "end_date": "2028-12-31",
            "roster_deadline": "2026-03-31",
            "status": ProgramStatus.DRAFT,
        },
    )
    # then the program has the preset, the deadline, the draft status and no overrides
    program = Program.objects.get(code=f"P-{preset}")
    assert resp.status_code == 302 and resp["Location"] == reverse("programs:detail", args=[program.pk])
    assert program.province == world.province and program.preset == preset and program.params == {}
    assert program.roster_deadline == D(2026, 3, 31)
    assert program.status == ProgramStatus.DRAFT and program.is_active is False


def test_create_page_gansu_takes_the_documents_deadlines(world: Any) -> None:
    _client(world.users["province"]).post(
        reverse("programs:create"),
        {
            "preset": "gansu_2022",
            "code": "GS",
            "name": "甘肃",
            "start_date": "2022-01-01",
            "end_date": "2024-12-31",
            "status": "active",
        },
    )
    program = Program.objects.get(code="GS")
    assert program.agreement_deadline == D(2022, 4, 5) and program.is_active


def test_create_page_bad_input_says_why_and_writes_nothing(world: Any) -> None:
    before = Program.objects.count()
    resp = _client(world.users["province"]).post(
        reverse("programs:create"),
        {
            "preset": "gansu_2022",
            "code": "X",
            "name": "x",
            "start_date": "2026-01-01",
            "end_date": "2025-01-01",
            "status": "draft",
        },
    )
    assert resp.status_code == 200 and "结束日期不能早于开始日期" in resp.content.decode()
    assert Program.objects.count() == before


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("province", 200),
        ("city_a", 404),
        ("county_a", 404),
        ("charlie", 404),
        ("alice", 404),
        ("other", 200),
        ("dashboard", 404),
        ("nobody", 404),
    ],
)
def test_create_page_role_matrix(world: Any, who: str, status: int) -> None:
    client = _client(_user(world, who))
    assert client.get(reverse("programs:create")).status_code == status
    before = Program.objects.count()
    client.post(
        reverse("programs:create"),
        {
            "preset": "gansu_2022",
            "code": "Y",
            "name": "y",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "status": "draft",
        },
    )
    # another province's staff create in their own province, never in ours
    assert Program.objects.count() == before + (1 if status == 200 else 0)
    assert Program.objects.filter(province=world.province).count() == before + (who == "province")


def test_parameters_show_every_rule_with_value_source_and_explanation(world: Any) -> None:
    program = program_create(
        user=world.users["province"],
        province=world.province,
        code="GD",
        name="广东",
        preset="guangdong_2019",
        start_date=D(2019, 1, 1),
        end_date=D(2021, 12, 31),
        params={"training_quota": 5},
    )
    rows = {r.name: r for r in program_parameters(program)}
    assert set(rows) == {fl.name for fl in dataclasses.fields(RuleParams)}
    assert rows["training_quota"].source == "override" and rows["training_quota"].value == 5
    assert rows["team_max_size"].source == "preset" and rows["team_max_size"].value == 5
    assert "粤府办" in rows["team_max_size"].source_label
    # Guangdong leaves the experience rules to a later document (SPEC §3): off in its preset, not inherited
    assert rows["leader_mgmt_years"].source == "preset" and rows["leader_mgmt_years"].value is None
    assert any(row.source == "default" for row in rows.values())
    body = (
        _client(world.users["province"]).get(reverse("programs:params", args=[program.pk])).content.decode()
    )
    for name in RuleParams.field_names():
        assert f'id="param-{name}"' in body
    assert str(PARAMETER_HELP["team_max_size"][1]) in body


def _program(world: Any) -> Program:
    return program_create(
        user=world.users["province"],
        province=world.province,
        code="GD",
        name="广东",
        preset="guangdong_2019",
        start_date=D(2019, 1, 1),
        end_date=D(2021, 12, 31),
    )


def _params_post(program: Program, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for r in program_parameters(program):
        value = changes.get(r.name, r.value)
        if r.kind == "bool":
            if value:
                data[f"p_{r.name}"] = "on"
        elif r.kind in ("list", "intlist"):
            data[f"p_{r.name}"] = ",".join(str(v) for v in value)
        elif r.kind == "json":
            data[f"p_{r.name}"] = "" if value is None else json.dumps(value, ensure_ascii=False)
        else:
            data[f"p_{r.name}"] = "" if value is None else value
    return data


def test_edit_one_parameter_with_a_reason_is_stored_as_override_and_audited(world: Any) -> None:
    program = _program(world)
    data = _params_post(program, expert_visit_batches=6)
    data["reason"] = "省委会议决定增加专家下沉批次"
    resp = _client(world.users["province"]).post(reverse("programs:params", args=[program.pk]), data)
    assert resp.status_code == 302
    program.refresh_from_db()
    assert program.params == {"expert_visit_batches": 6}
    history = history_for(program, viewer=world.users["province"])
    assert history[-1].reason == "省委会议决定增加专家下沉批次"
    assert history[-1].user_id == world.users["province"].pk
    page = (
        _client(world.users["province"]).get(reverse("programs:detail", args=[program.pk])).content.decode()
    )
    assert "省委会议决定增加专家下沉批次" in page


def test_edit_without_reason_or_with_a_bad_value_writes_nothing(world: Any) -> None:
    program = _program(world)
    client = _client(world.users["province"])
    resp = client.post(reverse("programs:params", args=[program.pk]), _params_post(program, team_min_size=6))
    assert resp.status_code == 200 and "修改理由" in resp.content.decode()
    data = _params_post(program)
    data["p_team_min_size"] = "五"
    data["reason"] = "r"
    resp = client.post(reverse("programs:params", args=[program.pk]), data)
    assert resp.status_code == 200
    program.refresh_from_db()
    assert program.params == {}


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [
        ("province", 200, 302),
        ("city_a", 200, 403),
        ("county_a", 200, 403),
        ("charlie", 404, 404),
        ("alice", 404, 404),
        ("other", 404, 404),
        ("nobody", 404, 404),
    ],
)
def test_program_pages_role_matrix(world: Any, who: str, get: int, post: int) -> None:
    program = _program(world)
    client = _client(_user(world, who))
    assert client.get(reverse("programs:detail", args=[program.pk])).status_code == get
    assert client.get(reverse("programs:params", args=[program.pk])).status_code == get
    data = _params_post(program, expert_visit_batches=9)
    data["reason"] = "r"
    assert client.post(reverse("programs:params", args=[program.pk]), data).status_code == post
    resp = client.post(
        reverse("programs:action", args=[program.pk, "status"]),
        {"status-status": "ended", "status-reason": "r"},
    )
    assert resp.status_code == post
    count = Program.objects.count()
    resp = client.post(
        reverse("programs:action", args=[program.pk, "copy"]),
        {
            "copy-code": "GD2",
            "copy-name": "n",
            "copy-start_date": "2022-01-01",
            "copy-end_date": "2024-12-31",
        },
    )
    assert resp.status_code == post
    program.refresh_from_db()
    if who == "province":
        assert program.params == {"expert_visit_batches": 9} and program.status == ProgramStatus.ENDED
        assert Program.objects.count() == count + 1
    else:
        assert program.params == {} and program.status == ProgramStatus.ACTIVE
        assert Program.objects.count() == count


def test_list_page_is_scoped_and_query_count_is_constant(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    _program(world)
    elsewhere = f.ProgramFactory(
        code="ELSE", name="别省项目", province=f.ProvinceFactory(code="98", name="别省")
    )
    client = _client(world.users["province"])
    with django_assert_max_num_queries(8):
        body = client.get(reverse("programs:list")).content.decode()
    assert "广东" in body and elsewhere.name not in body
    assert _client(world.users["charlie"]).get(reverse("programs:list")).status_code == 404


def test_status_drives_the_rule_sweep_flag(world: Any) -> None:
    program = _program(world)
    with pytest.raises(ValidationError):
        svc.program_set_status(user=world.users["province"], program=program, status="ended", reason=" ")
    svc.program_set_status(user=world.users["province"], program=program, status="ended", reason="周期结束")
    program.refresh_from_db()
    assert program.status == ProgramStatus.ENDED and not program.is_active
    with pytest.raises(PermissionDenied):
        svc.program_set_status(user=world.users["city_a"], program=program, status="active", reason="x")
    assert not Program.objects.get(pk=program.pk).is_active


def test_copy_for_the_next_cycle_keeps_rules_and_moves_deadlines(world: Any) -> None:
    program = program_create(
        user=world.users["province"],
        province=world.province,
        code="GS",
        name="甘肃 2022",
        preset="gansu_2022",
        start_date=D(2022, 1, 1),
        end_date=D(2024, 12, 31),
        params={"training_quota": 4},
    )
    new = svc.program_copy(
        user=world.users["province"],
        program=program,
        code="GS2",
        name="甘肃 2025",
        start_date=D(2025, 1, 1),
        end_date=D(2027, 12, 31),
    )
    assert new.preset == "gansu_2022" and new.params == {"training_quota": 4}
    assert new.roster_deadline == D(2025, 4, 5) and new.status == ProgramStatus.DRAFT and not new.is_active
