"""The indicators from the fact tables (issue 18) answer byte for byte what the computation over the period
answers, for every role, period and city, and follow every write that changes them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import threading
import time
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from assessments.api.serializers import IndicatorsSerializer, plain_indicators
from assessments.models import AttendanceMonthFact, CountyOutcome, DeploymentFact, IndicatorFactState
from assessments.selectors import indicator_facts
from assessments.selectors.indicators import IndicatorQuery, indicators
from core import data_changes
from core.models import HolidayDate
from devtools import factories as f
from pairings.models import Pairing, Program, ProvinceWorkday
from teams.choices import LeaveStatus
from teams.models import AttendanceRecord, Deployment, LeaveRequest, Roster
from tests.api.conftest import populate
from training.models import TraineeStint

ROLES = ("province", "city_a", "city_b", "county_a", "alice", "bob", "charlie", "dana", "erin", "zoe")
PERIODS = (
    (dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    (None, None),
    (dt.date(2023, 2, 15), dt.date(2023, 5, 10)),  # months cut in the middle
    (dt.date(2021, 6, 1), dt.date(2022, 3, 31)),  # partly before the program
    (dt.date(2024, 3, 1), None),
    (dt.date(2023, 2, 10), dt.date(2023, 2, 20)),  # inside one month
    (dt.date(2022, 7, 1), dt.date(2023, 6, 30)),  # whole months across a year end
)


def _json(user: Any, query: IndicatorQuery, *, facts: bool) -> bytes:
    return JSONRenderer().render(IndicatorsSerializer(indicators(user=user, query=query, facts=facts)).data)


def _same(user: Any, query: IndicatorQuery) -> bytes:
    """The answer from the facts, after asserting it is the computed one byte for byte — and that the
    view's plain rendering of it is the serializer's."""
    data = indicators(user=user, query=query, facts=True)
    from_facts = JSONRenderer().render(IndicatorsSerializer(data).data)
    assert from_facts == _json(user, query, facts=False), (user.username, query)
    assert JSONRenderer().render(plain_indicators(data)) == from_facts, (user.username, query)
    return from_facts


def _dataset(world: Any) -> None:
    """Both pairings populated, plus what the facts must get right: a stay across two rotations, a late
    roster, attendance in several months with leave (recorded and approved in the app), a month with
    people on site and nothing imported, a deployment ending mid-month."""
    populate(world.pairing_a)
    populate(world.pairing_b)
    for pairing in (world.pairing_a, world.pairing_b):
        first = f.TeamFactory(pairing=pairing, year=2023, rotation=901)
        second = f.TeamFactory(pairing=pairing, year=2023, rotation=902)
        leader = f.DeploymentFactory(
            team=first, role="leader", planned_start=dt.date(2023, 1, 1), planned_end=dt.date(2023, 3, 31)
        )
        f.DeploymentFactory(
            team=second,
            staff=leader.staff,
            role="leader",
            planned_start=dt.date(2023, 4, 1),
            planned_end=dt.date(2023, 7, 20),
        )
        member = f.DeploymentFactory(
            team=first, planned_start=dt.date(2023, 2, 10), planned_end=dt.date(2023, 4, 15)
        )
        roster = f.RosterFactory(team=first, submitted_at=dt.datetime(2023, 2, 20, tzinfo=dt.UTC))
        f.RosterEntryFactory(roster=roster, staff=member.staff)
        for day, status in (
            (dt.date(2023, 2, 13), "present"),
            (dt.date(2023, 2, 14), "leave"),
            (dt.date(2023, 3, 1), "absent"),
            (dt.date(2023, 3, 2), "late"),
        ):
            f.AttendanceFactory(deployment=member, date=day, status=status)
        LeaveRequest.objects.create(
            deployment=member,
            start_date=dt.date(2023, 3, 1),
            end_date=dt.date(2023, 3, 3),
            reason="病假",
            status=LeaveStatus.APPROVED,
        )
        f.AttendanceFactory(deployment=leader, date=dt.date(2023, 1, 4), status="present")
    f.TraineeStintFactory(
        pairing=world.pairing_b, start_date=dt.date(2023, 1, 1), end_date=dt.date(2023, 3, 31)
    )
    # county outcomes of two years, with a target set and rates with and without decimals
    Program.objects.filter(pk=world.program.pk).update(
        params={"outcome_in_county_visit_rate": 0.9, "outcome_county_hospitalisation_rate": 0.855}
    )
    for county, year, rate in (
        (world.county_a, 2023, "91.5"),
        (world.county_b, 2023, "88"),
        (world.county_a, 2024, None),
    ):
        CountyOutcome.objects.create(
            county=county, year=year, in_county_visit_rate=rate, referrals_up=3, outward_transfer_rate="7.25"
        )


@pytest.mark.django_db
def test_facts_answer_byte_for_byte_what_the_computation_answers(co_world: Any) -> None:
    # given two populated pairings in two cities, a co-supporter and another province
    world = co_world
    _dataset(world)
    for name in ROLES:
        # every period for the province, two for the others (seconds, not minutes)
        for date_from, date_to in PERIODS if name == "province" else PERIODS[:3:2]:
            for city in (None, world.city_a.pk):
                # when the indicators are read from the facts and computed over the period
                query = IndicatorQuery(
                    program_id=world.program.pk, city_id=city, date_from=date_from, date_to=date_to
                )
                # then the two JSON answers are the same bytes
                _same(world.users[name], query)
    # and the answer is not trivially empty: the province sees deployments, attendance and gaps
    body = indicators(user=world.users["province"], query=IndicatorQuery(), facts=True)
    assert body["measures"]["deployments"] > 4 and body["attendance_rate"] is not None
    assert body["measures"]["attendance_months_not_imported"] > 0 and body["coverage"]["gap_count"] > 0
    assert len(body["county_outcomes"]) == 3 and body["training"]["trainees"] > 0


def _writes(world: Any) -> list[tuple[str, Callable[[], object]]]:
    member = Deployment.objects.filter(team__pairing=world.pairing_a, team__rotation=901, role="member").get()
    return [
        ("attendance record", lambda: f.AttendanceFactory(deployment=member, date=dt.date(2023, 4, 3))),
        (
            "attendance bulk insert (an import)",
            lambda: AttendanceRecord.objects.bulk_create(
                [
                    AttendanceRecord(deployment=member, date=dt.date(2023, 4, d), status="present")
                    for d in (4, 5)
                ]
            ),
        ),
        (
            "attendance status",
            lambda: AttendanceRecord.objects.filter(deployment=member).update(status="absent"),
        ),
        (
            "leave refused",
            lambda: LeaveRequest.objects.filter(deployment=member).update(status=LeaveStatus.REFUSED),
        ),
        (
            "attendance deleted",
            lambda: AttendanceRecord.objects.filter(deployment=member, date__month=3).delete(),
        ),
        (
            "early return",
            lambda: Deployment.objects.filter(pk=member.pk).update(
                actual_start=dt.date(2023, 2, 10), actual_end=dt.date(2023, 2, 28)
            ),
        ),
        (
            "new deployment",
            lambda: f.DeploymentFactory(
                team=member.team, planned_start=dt.date(2023, 8, 1), planned_end=dt.date(2024, 2, 29)
            ),
        ),
        (
            "roster submitted earlier",
            lambda: Roster.objects.filter(team=member.team).update(
                submitted_at=dt.datetime(2022, 12, 1, tzinfo=dt.UTC)
            ),
        ),
        ("holiday calendar", lambda: HolidayDate.objects.create(date=dt.date(2023, 2, 15), is_workday=False)),
        (
            "province workday",
            lambda: ProvinceWorkday.objects.create(
                province=world.province, date=dt.date(2023, 2, 18), is_workday=True, name="调休"
            ),
        ),
        (
            "program rules",
            lambda: Program.objects.filter(pk=world.program.pk).update(
                params={"leader_min_stay_months": 3, "roster_filed": False}
            ),
        ),
        (
            "trainee stint",
            lambda: f.TraineeStintFactory(
                pairing=world.pairing_a, start_date=dt.date(2023, 2, 1), end_date=dt.date(2023, 8, 31)
            ),
        ),
        ("deployment deleted", lambda: Deployment.objects.filter(pk=member.pk).delete()),
    ]


@pytest.mark.django_db
def test_facts_follow_every_write(co_world: Any) -> None:
    # given facts computed for the province
    world = co_world
    _dataset(world)
    user = world.users["province"]
    queries = [IndicatorQuery(program_id=world.program.pk), IndicatorQuery(date_from=dt.date(2023, 2, 1))]
    before = [_same(user, q) for q in queries]
    assert IndicatorFactState.objects.filter(fresh=True).count() == 2
    for label, write in _writes(world):
        # when something the facts come from is written (ORM, bulk, update, delete)
        write()
        # then the pairing is marked stale in the same transaction
        assert not IndicatorFactState.objects.get(pairing_id=world.pairing_a.pk).fresh, label
        # and the next answer is the computed one again, not the one before
        after = [_same(user, q) for q in queries]
        assert after != before, label
        before = after


@pytest.mark.django_db
def test_a_write_marks_only_the_pairings_it_touched(world: Any) -> None:
    # given fresh facts of both pairings
    populate(world.pairing_a)
    populate(world.pairing_b)
    indicator_facts.ensure_fresh([world.pairing_a.pk, world.pairing_b.pk])
    # when an attendance record of pairing B is written
    deployment = Deployment.objects.filter(team__pairing=world.pairing_b).first()
    f.AttendanceFactory(deployment=deployment, date=dt.date(2023, 2, 1))
    # then only B is recomputed, and only B's rows are rewritten
    a_rows = list(
        AttendanceMonthFact.objects.filter(pairing_id=world.pairing_a.pk).values_list("pk", flat=True)
    )
    assert indicator_facts.ensure_fresh([world.pairing_a.pk, world.pairing_b.pk]) == [world.pairing_b.pk]
    assert (
        list(AttendanceMonthFact.objects.filter(pairing_id=world.pairing_a.pk).values_list("pk", flat=True))
        == a_rows
    )
    assert indicator_facts.ensure_fresh([world.pairing_a.pk, world.pairing_b.pk]) == []


@pytest.mark.django_db
def test_refreshing_facts_does_not_retire_cached_answers(world: Any) -> None:
    # given a pairing whose facts are stale
    populate(world.pairing_a)
    generation = data_changes.generation()
    # when the indicators recompute them (a read)
    indicators(user=world.users["province"], query=IndicatorQuery(), facts=True)
    # then the data generation has not moved: the answer cache keeps every answer
    assert data_changes.generation() == generation
    assert DeploymentFact.objects.filter(pairing_id=world.pairing_a.pk).exists()


@pytest.mark.django_db
def test_a_pairing_never_computed_counts_as_stale(world: Any) -> None:
    # given facts of pairing A and a state row deleted by hand (as after a restore of an older dump)
    populate(world.pairing_a)
    indicator_facts.ensure_fresh([world.pairing_a.pk])
    IndicatorFactState.objects.all().delete()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM assessments_attendancemonthfact")
    # then the indicators recompute it rather than read nothing
    assert indicator_facts.stale_pairings([world.pairing_a.pk]) == [world.pairing_a.pk]
    _same(world.users["province"], IndicatorQuery())
    assert AttendanceMonthFact.objects.filter(pairing_id=world.pairing_a.pk).exists()


@pytest.mark.django_db
def test_recomputing_stale_facts_takes_the_same_queries_for_more_pairings(world: Any) -> None:
    # given two stale pairings, then eight
    counts = []
    populate(world.pairing_a)
    for extra in (0, 6):
        for _ in range(extra):
            populate(f.PairingFactory(program=world.program))
        ids = list(Pairing.objects.values_list("pk", flat=True))
        IndicatorFactState.objects.update(fresh=False)
        # when their facts are recomputed
        with CaptureQueriesContext(connection) as queries:
            assert len(indicator_facts.ensure_fresh(ids)) == len(ids)
        counts.append(len(queries))
    # then it is the same statements, set-based, whatever the number of pairings (25: with the savepoint
    # and the two set_config calls that plan the deployments' facts without nested loops, core/planner.py,
    # the period facts' delete and insert with their program sums, the programs' lock, which program
    # sums each pairing, and the teams' composition deleted and inserted — planned like the deployments'
    # past 50 pairings: three statements more, whatever the number)
    assert counts[0] == counts[1] <= 25


@pytest.mark.django_db
def test_migrate_marks_every_pairing_stale_and_the_command_recomputes_them(world: Any) -> None:
    # given fresh facts
    populate(world.pairing_a)
    indicator_facts.ensure_fresh([world.pairing_a.pk, world.pairing_b.pk])
    # when a deployment's migrate has run (the presets the rules read may have changed)
    indicator_facts.mark_all_stale()
    # then every pairing is stale, and the command recomputes them all
    assert sorted(indicator_facts.stale_pairings([world.pairing_a.pk, world.pairing_b.pk])) == sorted(
        [world.pairing_a.pk, world.pairing_b.pk]
    )
    out = StringIO()
    call_command("refresh_indicator_facts", stdout=out)
    assert out.getvalue().startswith("2 pairings recomputed")
    assert indicator_facts.stale_pairings([world.pairing_a.pk, world.pairing_b.pk]) == []


@pytest.mark.django_db(transaction=True)
def test_a_writer_holding_a_stale_pairing_makes_the_answer_computed_not_wrong(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a pairing whose facts are stale (committed) and a writer that wrote it again, not committed yet
    populate(world.pairing_a)
    deployment = Deployment.objects.filter(team__pairing=world.pairing_a).first()
    monkeypatch.setattr(indicator_facts, "CLAIM_LOCK_TIMEOUT", "200ms")
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                f.AttendanceFactory(deployment=deployment, date=dt.date(2023, 2, 1))
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        # when the indicators are asked meanwhile
        with pytest.raises(indicator_facts.FactsBusy):
            indicator_facts.ensure_fresh([world.pairing_a.pk])
        # then the answer is computed over the period (as of before the writer), not read from stale facts
        _same(world.users["province"], IndicatorQuery())
        assert indicator_facts.stale_pairings([world.pairing_a.pk]) == [world.pairing_a.pk]
    finally:
        release.set()
        thread.join()
    # and once the writer committed, the facts follow it
    assert indicator_facts.ensure_fresh([world.pairing_a.pk]) == [world.pairing_a.pk]
    _same(world.users["province"], IndicatorQuery())


@pytest.mark.django_db(transaction=True)
def test_a_refresh_of_the_same_program_makes_the_answer_computed_not_waiting(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a stale pairing, and another refresh of its program holding the program sums' lock (a national
    # refresh holds it for seconds)
    populate(world.pairing_a)
    indicator_facts.mark_all_stale()
    monkeypatch.setattr(indicator_facts, "CLAIM_LOCK_TIMEOUT", "200ms")
    holding, release = threading.Event(), threading.Event()

    def other_refresh() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [indicator_facts._PROGRAM_SUMS_LOCK, world.pairing_a.program_id],
                )
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_refresh)
    thread.start()
    try:
        assert holding.wait(10)
        # when the indicators are asked meanwhile, the reader gives up within the claim's limit
        started = time.monotonic()
        with pytest.raises(indicator_facts.FactsBusy):
            indicator_facts.ensure_fresh([world.pairing_a.pk])
        assert time.monotonic() - started < 5
        # and changed nothing: the pairing is still stale, the answer computed over the period
        assert indicator_facts.stale_pairings([world.pairing_a.pk]) == [world.pairing_a.pk]
        _same(world.users["province"], IndicatorQuery())
    finally:
        release.set()
        thread.join()
    assert indicator_facts.ensure_fresh([world.pairing_a.pk]) == [world.pairing_a.pk]


@pytest.mark.django_db
def test_every_watched_table_has_its_triggers() -> None:
    # A migration that recreates a watched table (a partitioned attendance table, say) must create the
    # triggers again: without them the facts would silently stop following its writes.
    watched = {
        **importlib.import_module("assessments.migrations.0016_indicator_facts").WATCHED,
        **importlib.import_module("assessments.migrations.0017_period_facts").WATCHED,
    }
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tgrelid::regclass::text, count(*) FROM pg_trigger "
            "WHERE tgname LIKE 'facts\\_%%' GROUP BY 1"
        )
        found = dict(cur.fetchall())
    assert found == dict.fromkeys(watched, 4)


def test_a_stints_scope_is_its_pairings() -> None:
    # The period facts count a pairing's trainee stints for whoever may see the pairing
    # (assessments/selectors/indicator_read.py): that is only right while a stint is scoped by its pairing.
    pairing, stint = Pairing.SCOPE, TraineeStint.SCOPE

    def through(value: Any) -> Any:  # a path from the pairing, from the stint; anything else as it is
        if isinstance(value, str):
            return f"pairing__{value}"
        return tuple(f"pairing__{p}" for p in value) if isinstance(value, tuple) else value

    assert {f.name: getattr(stint, f.name) for f in dataclasses.fields(stint)} == {
        f.name: through(getattr(pairing, f.name)) for f in dataclasses.fields(pairing)
    }


@pytest.mark.django_db
def test_a_program_kept_by_the_process_is_checked_by_the_statement(world: Any) -> None:
    # given an answer for the program (the process keeps the program's row)
    _dataset(world)
    user = world.users["province"]
    query = IndicatorQuery(program_id=world.program.pk, date_from=dt.date(2023, 1, 1))
    _same(user, query)
    # when it is asked again, then the program is not read on its own: one statement
    with CaptureQueriesContext(connection) as queries:
        indicators(user=user, query=query, facts=True)
    assert not [q for q in queries.captured_queries if "FROM pairings_program WHERE" in q["sql"]]
    assert len(queries.captured_queries) == 1
    # when the program changes (its dates, its rules; in this transaction, as a service's caller could),
    # then the statement notices the kept row is not the program's, the program is read again, and the
    # answer is the computed one
    for change in (
        {"end_date": dt.date(2023, 6, 30)},
        {"params": {"team_min_size": 4}},
        {"preset": "guangdong_2019"},
    ):
        Program.objects.filter(pk=world.program.pk).update(**change)
        with CaptureQueriesContext(connection) as queries:
            indicators(user=user, query=query, facts=True)
        read = [q for q in queries.captured_queries if "FROM pairings_program WHERE" in q["sql"]]
        assert len(read) == 1, change
        _same(user, query)
