"""Personal data is masked except for roles that must see it; spreadsheet cells cannot carry formulas."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template

from core.excel import safe_cell, safe_row
from core.privacy import can_see_personal_data, mask_national_id, mask_phone
from devtools import factories as f
from pairings.models import Membership

TEMPLATE = Template("{% load privacy %}{{ staff|national_id_for:user }} {{ staff|phone_for:user }}")


def _render(staff: Any, user: Any) -> str:
    return TEMPLATE.render(Context({"staff": staff, "user": user}))


@pytest.mark.django_db
def test_only_members_with_the_right_and_administrators_see_full_numbers(world: Any) -> None:
    # given: a staff record, and province staff granted the right to see personal data
    staff = f.StaffFactory(employer=world.supporter_a, national_id="620102198001011234", phone="13812345678")
    Membership.objects.filter(user=world.users["province"]).update(can_see_personal_data=True)
    admin = f.UserFactory(username="root", is_superuser=True)
    province = type(world.users["province"]).objects.get(
        pk=world.users["province"].pk
    )  # fresh membership cache

    # when / then: those two see the numbers, everyone else sees them masked
    assert _render(staff, province) == "620102198001011234 13812345678"
    assert _render(staff, admin) == "620102198001011234 13812345678"
    for who in ["city_a", "county_a", "alice", "charlie", "dashboard", "nobody"]:
        assert _render(staff, world.users[who]) == "620102********1234 138****5678", who
    assert can_see_personal_data(None) is False


def test_masks_keep_both_ends() -> None:
    assert mask_national_id("62010219800101123X") == "620102********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("123") == "***"
    assert mask_phone("") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张三", "张三"),
        ("内科 = 外科", "内科 = 外科"),
        (-5, -5),
        (3.5, 3.5),
        (None, None),
        ("", ""),
    ],
)
def test_safe_cell_neutralises_formulas_only(value: Any, expected: Any) -> None:
    assert safe_cell(value) == expected


def test_safe_row_escapes_every_cell() -> None:
    assert safe_row(["=1", 2, "ok"]) == ["'=1", 2, "ok"]
