"""The stage editor of a program's reminders (issue 17: ``reminder_days``, province staff only)."""

from __future__ import annotations

import pytest

from pairings.models import Program


def _url(program: Program) -> str:
    return f"/reminders/programs/{program.pk}/stages/"


def _post(client, user, program, *stages, reason="按通知调整"):
    client.force_login(user)
    data = {f"stage_{i}": v for i, v in enumerate(stages)}
    return client.post(_url(program), {**data, "reason": reason})


def test_province_staff_set_the_stages(world, client):
    # when province staff set 14, 3 and 1 days before (in any order, with a blank row)
    response = _post(client, world.users["province"], world.program, 3, "", 14, 1)
    # then the program's parameter holds them, largest first, and the page shows them
    assert response.status_code == 302
    world.program.refresh_from_db()
    assert world.program.rules.reminder_days == (14, 3, 1)
    page = client.get(_url(world.program))
    assert "截止前 14 天" in page.content.decode()


@pytest.mark.parametrize(
    ("stages", "reason", "message"),
    [
        ((0,), "x", "每个天数应为 1 到 90 之间的整数"),
        ((120, 7), "x", "每个天数应为 1 到 90 之间的整数"),
        (("", ""), "x", "应为非空的天数列表"),
        ((7,), "", "errorlist"),  # the reason is required
    ],
)
def test_bad_stages_are_refused_and_change_nothing(world, client, stages, reason, message):
    before = world.program.params
    response = _post(client, world.users["province"], world.program, *stages, reason=reason)
    assert response.status_code == 200
    assert message in response.content.decode()
    world.program.refresh_from_db()
    assert world.program.params == before and world.program.rules.reminder_days == (7, 1)


# who → (GET status, whether the edit form is offered); a POST by anyone but the province changes nothing
MATRIX = {
    "province": (200, True),
    "city_a": (200, False),
    "county_a": (200, False),
    "charlie": (200, False),  # supporter
    "erin": (200, False),  # co-supporter of the same pairing
    "alice": (200, False),  # recipient
    "zoe": (404, False),  # another province: the program is not found
}


@pytest.mark.parametrize("who", MATRIX)
def test_who_reads_and_who_changes_the_stages(co_world, client, who):
    status, can_edit = MATRIX[who]
    client.force_login(co_world.users[who])
    page = client.get(_url(co_world.program))
    assert page.status_code == status
    if status == 200:
        assert ('name="stage_0"' in page.content.decode()) is can_edit
    if who == "province":
        return
    response = _post(client, co_world.users[who], co_world.program, 30)
    assert response.status_code in (403, 404)
    co_world.program.refresh_from_db()
    assert co_world.program.rules.reminder_days == (7, 1)
