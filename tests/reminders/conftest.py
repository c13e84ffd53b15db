"""Reminders fixtures: the shared world (tests/conftest.py) on dates near "today" (2026-09-21, a Monday)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from devtools import factories as f

TODAY = dt.date(2026, 9, 21)


@pytest.fixture
def today() -> Any:
    # 10:00 Beijing time: after the digest hour, inside a working day.
    with time_machine.travel(dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


@pytest.fixture
def live(world: Any) -> Any:
    """The world's program running in 2026, with a rotation of each pairing starting on 2026-09-25."""
    program = world.program
    program.start_date, program.end_date = dt.date(2025, 1, 1), dt.date(2027, 12, 31)
    program.agreement_deadline = program.roster_deadline = None
    program.save()
    world.team_a = f.TeamFactory(
        pairing=world.pairing_a,
        year=2026,
        rotation=2,
        start_date=dt.date(2026, 9, 25),
        end_date=dt.date(2027, 9, 24),
    )
    world.team_b = f.TeamFactory(
        pairing=world.pairing_b,
        year=2026,
        rotation=2,
        start_date=dt.date(2026, 9, 25),
        end_date=dt.date(2027, 9, 24),
    )
    for name in ("alice", "bob", "charlie", "dana", "city_a", "city_b", "province"):
        user = world.users[name]
        user.email = f"{name}@example.org"
        user.save(update_fields=["email"])
    return world
