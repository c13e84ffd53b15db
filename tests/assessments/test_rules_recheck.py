"""A pairing's recheck (issue 18: ≤ 100 ms at national scale) is the program run narrowed in SQL, not a
program run filtered afterwards: on the demo programs, with every rule's planted violations, each rule
evaluated for one pairing drafts only that pairing's findings, and exactly the ones the program run drafts
for it. A program run in lanes (two connections at once) drafts what one lane drafts.
"""

from __future__ import annotations

from typing import Any

import pytest

from assessments.rules.base import Draft, RuleContext, all_rules
from assessments.services.findings import SHARED_PART, rules_evaluate
from core.snapshots import snapshot_safe
from devtools.demo import builder
from pairings.models import Program
from tests.assessments.test_measures_consistency import AS_OF, demo  # noqa: F401  (the seeded demo)


def _sorted(drafts: list[Draft], program_id: int) -> list[Draft]:
    return sorted(drafts, key=lambda d: (d.fingerprint(program_id), repr(d)))


@pytest.mark.django_db
@pytest.mark.parametrize("code", builder.DEMO_PROGRAMS)
def test_a_rule_for_one_pairing_drafts_what_the_program_run_drafts_for_it(demo: Any, code: str) -> None:  # noqa: F811
    # given a demo program and what the program run drafts
    program = Program.objects.get(code=code)
    everything = rules_evaluate(program=program, as_of=AS_OF)
    assert sum(map(len, everything.values())) > 0
    rules = [r for r in all_rules() if not r.program_wide and r.enabled(program.rules)]
    for pairing_id in program.pairings.order_by("pk").values_list("pk", flat=True):
        ctx = RuleContext(program=program, as_of=AS_OF, pairing_ids=[pairing_id])
        for rule in rules:
            # when the rule itself (no filtering after it) is evaluated for one pairing
            drafts = list(rule.evaluate(ctx))
            # then every draft is that pairing's, and they are the program run's drafts of that pairing
            assert {d.pairing_id for d in drafts} <= {pairing_id}, rule.code
            expected = [d for d in everything[rule.code] if d.pairing_id == pairing_id]
            assert _sorted(drafts, program.pk) == _sorted(expected, program.pk), rule.code


@pytest.mark.django_db
@pytest.mark.parametrize("code", builder.DEMO_PROGRAMS)
def test_a_program_run_in_lanes_drafts_what_one_lane_drafts(demo: Any, code: str) -> None:  # noqa: F811
    # The nightly sweep evaluates the rule families in lanes, each on a connection of its own in one snapshot
    # (issue 18: two cores); the lanes see the committed demo, and this test writes nothing.
    # given a demo program and what one lane drafts
    program = Program.objects.get(code=code)
    assert snapshot_safe()
    one_lane = rules_evaluate(program=program, as_of=AS_OF)
    assert sum(map(len, one_lane.values())) > 0
    # when the rules are evaluated in lanes
    timings: dict[str, float] = {}
    lanes = rules_evaluate(program=program, as_of=AS_OF, lanes=True, timings=timings)
    # then every rule drafts the same findings, in the same order, and every rule and both lanes were timed
    assert list(lanes.items()) == list(one_lane.items())
    parts = {k for k in timings if k.startswith(SHARED_PART)}  # the shared reads one by one
    assert set(timings) - parts == set(one_lane) | {"shared", "lane 1", "lane 2"}
