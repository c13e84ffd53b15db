"""The program sums of the period facts (issue 18): kept equal to the pairings' period facts through every
kind of recomputation, and read only by those who see whole programs, only while they hold exactly the
reader's pairings — the answer is the computed one byte for byte either way."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import F

from assessments.models import IndicatorFactState, ProgramFactPairings, ProgramPeriodFact
from assessments.selectors.indicators import IndicatorQuery, indicators
from devtools import factories as f
from pairings.choices import HospitalKind
from pairings.models import Hospital, Pairing
from teams.models import Deployment
from tests.assessments.test_indicator_facts import _dataset, _same

WHOLE = ("province", "dashboard")  # those who see whole programs (the open finding counts' test)
OTHERS = ("city_a", "county_a", "alice", "charlie", "erin", "zoe")


def _queries(world: Any) -> list[IndicatorQuery]:
    program = world.program.pk
    return [
        IndicatorQuery(program_id=program, date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31)),
        IndicatorQuery(program_id=program),
        IndicatorQuery(program_id=program, date_from=dt.date(2022, 7, 1), date_to=dt.date(2023, 6, 30)),
        IndicatorQuery(date_from=dt.date(2023, 2, 15)),  # every program of the province, months cut
    ]


_SUMS = (
    "SUM(days), SUM(covered_days), SUM(single_leader_days), SUM(present), SUM(expected), "
    "SUM(attendance_months), SUM(not_imported), SUM(deployments), SUM(stay_met), SUM(roster_timely), "
    "SUM(trainees), SUM(qualifying_trainees)"
)


def _kept() -> None:
    """The program sums are the pairings' period facts summed per program and block (rows fallen to zeros
    aside), and each program counts the pairings whose rows it sums."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT program_id, start, months, {_SUMS}, "
            "SUM(CASE WHEN tcm THEN full_days_tcm ELSE full_days END) "
            "FROM assessments_periodfact GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        )
        facts = cur.fetchall()
        cur.execute(
            f"SELECT program_id, start, months, {_SUMS}, SUM(full_days) FROM assessments_programperiodfact "
            "GROUP BY 1, 2, 3 HAVING bool_or(days <> 0 OR covered_days <> 0 OR full_days <> 0 "
            "OR present <> 0 OR expected <> 0 OR attendance_months <> 0 OR not_imported <> 0 "
            "OR deployments <> 0 OR trainees <> 0) ORDER BY 1, 2, 3"
        )
        assert cur.fetchall() == facts
        cur.execute("SELECT program_id, COUNT(DISTINCT pairing_id) FROM assessments_periodfact GROUP BY 1")
        counted = dict(cur.fetchall())
    assert {m.program_id: m.pairings for m in ProgramFactPairings.objects.filter(pairings__gt=0)} == counted


def _answers(world: Any, names: tuple[str, ...] = WHOLE) -> list[bytes]:
    out = [_same(world.users[name], q) for name in names for q in _queries(world)]
    _kept()
    return out


@pytest.mark.django_db
def test_program_sums_follow_every_kind_of_recomputation(co_world: Any) -> None:
    # given the facts of two populated pairings, read by the province and its dashboard
    world = co_world
    _dataset(world)
    before = _answers(world)
    assert ProgramFactPairings.objects.get(program_id=world.program.pk).pairings == 2
    member = Deployment.objects.filter(team__pairing=world.pairing_a, team__rotation=901, role="member").get()
    other = f.ProgramFactory(province=world.province, code="T2023", start_date=dt.date(2023, 1, 1))
    added: list[Pairing] = []
    changes = [
        ("a write", lambda: f.AttendanceFactory(deployment=member, date=dt.date(2023, 4, 3))),
        # the recipient's kind decides which full-strength days its pairings add to the program's
        ("recipient turned TCM", lambda: Hospital.objects.filter(pk=world.recipient_a.pk).update(kind="tcm")),
        (
            "pairing moved to another program",
            lambda: Pairing.objects.filter(pk=world.pairing_b.pk).update(program=other),
        ),
        (
            "new pairing",
            lambda: added.append(f.PairingFactory(program=world.program, recipient=world.recipient_b)),
        ),
        # its rows stay summed (nothing recomputes a pairing that is gone): the sums are not read
        ("pairing deleted", lambda: Pairing.objects.filter(pk=added[0].pk).delete()),
        ("state rows deleted by hand", lambda: IndicatorFactState.objects.all().delete()),
    ]
    for label, change in changes:
        # when it changes, then every whole-program answer is the computed one and the sums are kept
        change()
        after = _answers(world)
        assert (after != before) == (label != "state rows deleted by hand"), label
        before = after
    assert ProgramFactPairings.objects.get(program_id=other.pk).pairings == 1


@pytest.mark.django_db
def test_a_recipients_write_marks_the_pairings_it_receives(world: Any) -> None:
    # given fresh facts
    _same(world.users["province"], IndicatorQuery(program_id=world.program.pk))
    # when the recipient of pairing A changes kind
    Hospital.objects.filter(pk=world.recipient_a.pk).update(kind=HospitalKind.TCM)
    # then its pairing is stale (and B, received elsewhere, is not)
    assert not IndicatorFactState.objects.get(pairing_id=world.pairing_a.pk).fresh
    assert IndicatorFactState.objects.get(pairing_id=world.pairing_b.pk).fresh


@pytest.mark.django_db
def test_whole_program_readers_read_the_sums_and_no_one_else(co_world: Any) -> None:
    # given fresh facts and program sums that (for this test only) say more than the pairings' rows
    world = co_world
    _dataset(world)
    honest = {name: _answers(world, (name,)) for name in WHOLE + OTHERS}
    ProgramPeriodFact.objects.update(days=F("days") + 1000)
    query = IndicatorQuery(
        program_id=world.program.pk, date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31)
    )
    computed = indicators(user=world.users["province"], query=query, facts=False)["coverage"]["period_days"]
    # when the province and its dashboard ask for a whole program: the sums are read
    for name in WHOLE:
        body = indicators(user=world.users[name], query=query, facts=True)
        assert body["coverage"]["period_days"] == computed + 1000, name
    # when a city is asked for, or by those who see pairings, not programs: the pairings' rows are
    city = IndicatorQuery(program_id=world.program.pk, city_id=world.city_a.pk)
    _same(world.users["province"], city)
    for name in OTHERS:
        assert [_same(world.users[name], q) for q in _queries(world)] == honest[name], name


@pytest.mark.django_db
def test_sums_holding_a_pairing_the_reader_lacks_are_not_read(world: Any) -> None:
    # given fresh facts of both pairings, and sums that (for this test only) say more than their rows
    _dataset(world)
    honest = _answers(world)
    ProgramPeriodFact.objects.update(days=F("days") + 1000)
    # when the sums count a pairing the province does not see (a pairing deleted, its rows left summed)
    ProgramFactPairings.objects.update(pairings=F("pairings") + 1)
    # then the whole-program answers are summed from the pairings' rows: the computed ones, as before
    assert [_same(world.users[name], q) for name in WHOLE for q in _queries(world)] == honest
