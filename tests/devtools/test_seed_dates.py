"""seed_demo --today: the demo lives in the present of any day (issue 14 item 8).

Laid for a day far from today (its main program then runs 2028–2031, with a leap year where the written
cycle has none), the demo's main program holds that day, the findings seed_demo computed as of that day are
exactly the manifest moved with it, and the same day gives the same data.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from devtools.demo import builder, reset, users
from devtools.demo.violations import gs_shift, planted
from pairings.models import Program
from tests.devtools.test_seed import assert_findings_are_the_manifest, fingerprint

FAR = dt.date(2031, 3, 15)


@pytest.fixture(scope="module")
def far_demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock():
        reset.delete_provinces(list(builder.DEMO_PROVINCES), users.DEMO_USERNAMES)
        out = io.StringIO()
        call_command("seed_demo", "--today", FAR.isoformat(), stdout=out)
        yield out.getvalue()
        reset.delete_provinces(list(builder.DEMO_PROVINCES), users.DEMO_USERNAMES)


@pytest.mark.django_db
def test_a_far_day_falls_in_the_main_program_and_its_findings_are_the_manifest(far_demo: str) -> None:
    # given the demo laid for a day six years after the written cycle's last year
    gs = Program.objects.get(code="GS2022")
    # then the main program runs that day, in its last year
    assert (gs.start_date, gs.end_date) == (dt.date(2028, 1, 1), dt.date(2031, 12, 31))
    assert "2028–2031" in gs.name
    # and the findings seed_demo computed as of that day are the moved manifest, nothing else
    assert f"rule check as of {FAR}" in far_demo
    manifest = planted(gs_shift(FAR))
    assert {p.year for p in manifest if p.program == "GS2022" and p.year} == {2029, 2030}
    assert_findings_are_the_manifest(manifest)


@pytest.mark.django_db
def test_the_same_day_gives_the_same_data(far_demo: str) -> None:
    before = fingerprint()
    call_command("seed_demo", "--reset", "--today", FAR.isoformat(), stdout=io.StringIO())
    assert fingerprint() == before
