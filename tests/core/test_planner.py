from __future__ import annotations

import pytest
from django.db import connection

from core.planner import whole_set_plan


def _nestloop() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW enable_nestloop")
        return str(cur.fetchone()[0])


@pytest.mark.django_db
def test_whole_set_plan_turns_nested_loops_off_inside_and_puts_the_setting_back() -> None:
    # given the server's default
    assert _nestloop() == "on"
    # when statements run inside, they are planned without nested loops
    with whole_set_plan() as cur:
        cur.execute("SHOW enable_nestloop")
        assert cur.fetchone()[0] == "off"
    # then the caller's transaction has the setting it had before
    assert _nestloop() == "on"


@pytest.mark.django_db
def test_whole_set_plan_puts_the_setting_back_after_an_error() -> None:
    with pytest.raises(ZeroDivisionError), whole_set_plan():
        1 / 0  # noqa: B018
    assert _nestloop() == "on"
