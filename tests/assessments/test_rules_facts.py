"""Rules read what the indicator facts of fresh pairings already know (issue 18): the team rules' head-count
intervals and the teams' composition (``assessments.rules.team.TEAM_RUNS_FROM_FACTS``,
``COMPOSITION_FROM_FACTS``), and the stay and roster rules compute only the
pairings the facts do not clear (``assessments.rules.base.scope_to_compute``). The drafts are the ones
computing every pairing drafts, after every kind of write, fresh or stale."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import override_settings

from assessments.models import CoverageIntervalFact, DeploymentFact, IndicatorFactState, TeamCompositionFact
from assessments.rules.base import Draft
from assessments.selectors import indicator_facts
from assessments.services.findings import rules_evaluate
from devtools import factories as f
from devtools.management.commands.rules_digest import draft_row
from pairings.choices import HospitalKind
from pairings.models import Hospital, Pairing
from teams.models import Deployment, Team
from tests.assessments.test_indicator_facts import _dataset, _writes

pytestmark = pytest.mark.django_db

TEAM = ["TEAM_MIN_SIZE", "TEAM_MAX_SIZE", "COVERAGE_GAP", "ONE_LEADER"]
# The rules that read the facts (the others read none: their drafts are the same by construction).
RULES = [
    "TEAM_MIN_SIZE",
    "TEAM_MAX_SIZE",
    "COVERAGE_GAP",
    "ONE_LEADER",
    "LEADER_MIN_STAY",
    "MEMBER_MIN_STAY",
    "ROSTER_FILED",
]
AS_OF = dt.date(2026, 6, 1)


def _drafts(
    world: Any, *, facts: bool, pairing_ids: list[int] | None = None, codes: list[str] = RULES
) -> list[str]:
    world.program.refresh_from_db()
    with override_settings(RULES_FACTS=facts):
        drafts: dict[str, list[Draft]] = rules_evaluate(
            program=world.program, as_of=AS_OF, codes=codes, pairing_ids=pairing_ids
        )
    return sorted(repr(draft_row(d, world.program.pk)) for ds in drafts.values() for d in ds)


def _same(world: Any, label: str) -> list[str]:
    """The drafts read through the facts, after asserting they are the computed ones (the program and each
    pairing's recheck)."""
    drafts = _drafts(world, facts=True)
    assert drafts == _drafts(world, facts=False), label
    for pairing in (world.pairing_a, world.pairing_b):
        assert _drafts(world, facts=True, pairing_ids=[pairing.pk]) == _drafts(
            world, facts=False, pairing_ids=[pairing.pk]
        ), label
    return drafts


def _codes(drafts: list[str]) -> set[str]:
    return {code for code in RULES if any(f"'rule_code': '{code}'" in d for d in drafts)}


def _fresh(world: Any) -> set[int]:
    ids = [world.pairing_a.pk, world.pairing_b.pk]
    return set(IndicatorFactState.objects.filter(pairing_id__in=ids, fresh=True).values_list("pk", flat=True))


def _team_writes(world: Any) -> list[tuple[str, Any]]:
    """Writes the team rules see beyond the indicators' (``_writes``)."""
    leader = Deployment.objects.filter(team__pairing=world.pairing_b, role="leader").order_by("pk").first()
    return [
        ("a second leader", lambda: Deployment.objects.filter(pk=leader.pk).update(role="member")),
        (
            "service period cut",
            lambda: Pairing.objects.filter(pk=world.pairing_b.pk).update(service_end=dt.date(2023, 5, 31)),
        ),
        (
            "team moved to the other pairing",
            lambda: Team.objects.filter(pairing=world.pairing_b, rotation=902).update(
                pairing=world.pairing_a, rotation=903
            ),
        ),
    ]


def test_rules_draft_the_same_from_fresh_facts_after_every_kind_of_write(co_world: Any) -> None:
    # given two populated pairings: short teams, gaps, leaders, a stay across rotations, a late roster (the
    # indicators' dataset)
    world = co_world
    _dataset(world)
    # when nothing was computed yet (no state row: every pairing computed) and once the facts are fresh
    assert _fresh(world) == set()
    before = _same(world, "never computed")
    assert {"TEAM_MIN_SIZE", "COVERAGE_GAP", "MEMBER_MIN_STAY", "ROSTER_FILED"} <= _codes(before)
    indicator_facts.ensure_fresh([world.pairing_a.pk, world.pairing_b.pk])
    assert _fresh(world) == {world.pairing_a.pk, world.pairing_b.pk}
    assert _same(world, "fresh") == before
    changed = 0
    for label, write in _writes(world) + _team_writes(world):
        # when something is written: the pairings it touched are stale, the others fresh
        write()
        assert _fresh(world) != {world.pairing_a.pk, world.pairing_b.pk}, label
        # then the drafts are the computed ones, stale and again once the facts are recomputed
        after = _same(world, f"{label} (stale)")
        indicator_facts.ensure_fresh([world.pairing_a.pk, world.pairing_b.pk])
        assert _same(world, f"{label} (fresh)") == after
        changed += after != before
        before = after
    # and the writes did change what the rules find
    assert changed >= 5
    # when the recipient's kind changes (the program sums count full-strength days by the recipient's kind,
    # so the pairings it receives are marked stale; the rules read the kind with the scope)
    Hospital.objects.filter(pk=world.pairing_a.recipient_id).update(kind=HospitalKind.TCM)
    assert world.pairing_a.pk not in _fresh(world)
    stale = _same(world, "recipient becomes TCM (stale)")
    indicator_facts.ensure_fresh([world.pairing_a.pk, world.pairing_b.pk])
    assert _fresh(world) == {world.pairing_a.pk, world.pairing_b.pk}
    # then the fresh facts are judged against the TCM minimum as the computation judges them
    assert _same(world, "recipient becomes TCM") == stale != before


def test_fresh_coverage_facts_are_read_and_stale_ones_are_not(world: Any) -> None:
    # given a pairing with five on site all year and its facts fresh
    world.program.refresh_from_db()
    pairing = world.pairing_a
    Pairing.objects.filter(pk=pairing.pk).update(
        service_start=dt.date(2023, 1, 1), service_end=dt.date(2023, 12, 31)
    )
    team = f.TeamFactory(pairing=pairing, year=2023, start_date=dt.date(2023, 1, 1))
    for i in range(5):
        f.DeploymentFactory(
            team=team, role="leader" if i == 0 else "member",
            planned_start=dt.date(2023, 1, 1), planned_end=dt.date(2023, 12, 31),
        )  # fmt: skip
    indicator_facts.ensure_fresh([pairing.pk])
    only = [pairing.pk]  # pairing B has nobody (a gap all along); nobody is on a roster
    assert (
        _drafts(world, facts=True, pairing_ids=only, codes=TEAM)
        == _drafts(world, facts=False, pairing_ids=only, codes=TEAM)
        == []
    )
    # when its facts say (wrongly) that nobody was on site in March
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE assessments_coverageintervalfact SET \"end\" = '2023-02-28' WHERE pairing_id = %s",
            [pairing.pk],
        )
    for start, end, on_site in (
        (dt.date(2023, 3, 1), dt.date(2023, 3, 31), 0),
        (dt.date(2023, 4, 1), dt.date(2023, 12, 31), 5),
    ):
        CoverageIntervalFact.objects.create(
            pairing_id=pairing.pk, start=start, end=end, on_site=on_site, leaders=min(on_site, 1)
        )
    IndicatorFactState.objects.filter(pk=pairing.pk).update(fresh=True)
    # then the rules read them (what they would find if the facts were right) …
    [gap] = [d for d in _drafts(world, facts=True, pairing_ids=only, codes=TEAM) if "COVERAGE_GAP" in d]
    assert "2023-03-01" in gap and _drafts(world, facts=False, pairing_ids=only, codes=TEAM) == []
    # … and once the pairing is marked stale they are not read any more
    IndicatorFactState.objects.filter(pk=pairing.pk).update(fresh=False)
    assert _drafts(world, facts=True, pairing_ids=only, codes=TEAM) == []


def test_fresh_composition_facts_are_read_and_stale_ones_are_not(world: Any) -> None:
    # given a rotation of four (one short of the minimum) and a full one of five, the facts fresh
    world.program.refresh_from_db()
    pairing = world.pairing_a
    short = f.TeamFactory(pairing=pairing, year=2023, rotation=1, start_date=dt.date(2023, 1, 1))
    full = f.TeamFactory(pairing=pairing, year=2023, rotation=2, start_date=dt.date(2023, 7, 1))
    for team, n, start, end in ((short, 4, (1, 1), (6, 30)), (full, 5, (7, 1), (12, 31))):
        for i in range(n):
            f.DeploymentFactory(
                team=team, role="leader" if i == 0 else "member",
                planned_start=dt.date(2023, *start), planned_end=dt.date(2023, *end),
            )  # fmt: skip
    indicator_facts.ensure_fresh([pairing.pk])
    kept = TeamCompositionFact.objects.filter(pairing_id=pairing.pk).values_list("team_id", "people")
    assert dict(kept) == {short.pk: 4, full.pk: 5}
    only = [pairing.pk]

    def composed(*, facts: bool) -> list[str]:
        return [d for d in _drafts(world, facts=facts, pairing_ids=only, codes=TEAM) if "'composition'" in d]

    [four] = composed(facts=True)
    assert f"'subject_id': {short.pk}" in four and composed(facts=False) == [four]
    # when its facts say (wrongly) that the full rotation is three and the short one five
    TeamCompositionFact.objects.filter(team_id=full.pk).update(people=3)
    TeamCompositionFact.objects.filter(team_id=short.pk).update(people=5)
    # then the rules read them …
    [three] = composed(facts=True)
    assert f"'subject_id': {full.pk}" in three
    # … and once the pairing is marked stale they are not read any more
    IndicatorFactState.objects.filter(pk=pairing.pk).update(fresh=False)
    assert composed(facts=True) == [four]


def test_a_pairing_the_fresh_facts_clear_is_not_computed(world: Any) -> None:
    # given a member whose stay is two months (short) and who is on no roster, the facts fresh
    world.program.refresh_from_db()
    pairing = world.pairing_a
    team = f.TeamFactory(pairing=pairing, year=2023, start_date=dt.date(2023, 1, 1))
    f.DeploymentFactory(
        team=team, role="member", planned_start=dt.date(2023, 1, 1), planned_end=dt.date(2023, 2, 28)
    )
    indicator_facts.ensure_fresh([pairing.pk])
    only = [pairing.pk]
    stay_and_roster = {"MEMBER_MIN_STAY", "ROSTER_FILED"}
    assert _codes(_drafts(world, facts=True, pairing_ids=only)) >= stay_and_roster
    assert _drafts(world, facts=True, pairing_ids=only) == _drafts(world, facts=False, pairing_ids=only)
    # when the facts say (wrongly) that every stay was met and every roster on time
    DeploymentFact.objects.filter(pairing_id=pairing.pk).update(
        stay_met=F("deployments"), roster_timely=F("deployments")
    )
    # then the rules take their word for it and do not compute the pairing …
    assert not _codes(_drafts(world, facts=True, pairing_ids=only)) & stay_and_roster
    # … unless its facts are stale
    IndicatorFactState.objects.filter(pk=pairing.pk).update(fresh=False)
    assert _drafts(world, facts=True, pairing_ids=only) == _drafts(world, facts=False, pairing_ids=only)
