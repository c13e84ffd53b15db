"""The benchmark's generator and naive baseline agree with the set-based rule (so the comparison is fair)."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.services.findings import rules_evaluate
from devtools.benchmarks.bench_rules import _generate, _naive_team_size


@pytest.mark.bench
@pytest.mark.django_db
def test_naive_baseline_finds_the_same_short_days_as_the_set_based_rule():
    # given a small generated program (some deployments end early)
    program = _generate(6, seed=11)
    # when both the naive loop and TEAM_MIN_SIZE check it
    _seconds, n, naive_days = _naive_team_size(program, 6)
    found = rules_evaluate(program=program, as_of=dt.date(2026, 6, 1), codes=["TEAM_MIN_SIZE"])
    drafts = found["TEAM_MIN_SIZE"]
    # then they count the same understaffed days
    assert n == 6
    assert naive_days == sum(d.evidence["days"] for d in drafts) > 0
