"""A program run in lanes (issue 18): data one lane computes for another (``SharedPool``) is computed once
and handed over, failures included; the drafts come back with the fingerprints and digests persisting
compares already computed, and the same as computed afresh."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest

from assessments.rules.base import SharedPool
from assessments.services.findings import rules_evaluate
from pairings.models import Program
from tests.assessments.test_measures_consistency import AS_OF, demo  # noqa: F401  (the seeded demo)


def test_a_shared_value_is_computed_once_and_handed_to_the_lane_that_waits() -> None:
    # given a pool and a computation that is slow to finish
    pool = SharedPool()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "rows"

    got: list[str] = []
    first = threading.Thread(target=lambda: got.append(pool.get("k", compute)))
    first.start()
    started.wait(5)
    # when a second lane asks for the same key while the first computes it
    second = threading.Thread(target=lambda: got.append(pool.get("k", compute)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    # then it was computed once and both lanes got it
    assert calls == [1]
    assert got == ["rows", "rows"]


def test_a_failure_reaches_the_lane_that_waits() -> None:
    # given a pool whose computation of a key failed
    pool = SharedPool()

    def fail() -> str:
        raise RuntimeError("statement failed")

    with pytest.raises(RuntimeError):
        pool.get("k", fail)
    # when another lane asks for it, then it gets the failure, not a value nor a hang
    with pytest.raises(RuntimeError, match="statement failed"):
        pool.get("k", lambda: "never computed")


@pytest.mark.django_db
def test_drafts_of_a_program_run_in_lanes_come_with_their_hashes(demo: Any) -> None:  # noqa: F811
    # given the demo program swept in lanes (the team composition read by the other lane)
    program = Program.objects.get(code="GS2022")
    drafts = [d for ds in rules_evaluate(program=program, as_of=AS_OF, lanes=True).values() for d in ds]
    assert any(d.rule_code == "TEAM_MIN_SIZE" for d in drafts)
    for d in drafts:
        # then each draft's fingerprint and digest were computed while the lanes ran ...
        assert "_fingerprint" in d.__dict__ and "_digest" in d.__dict__, d.rule_code
        # ... and are what a copy computes afresh
        fresh = dataclasses.replace(d)
        assert "_digest" not in fresh.__dict__
        assert (d.fingerprint(program.pk), d.digest()) == (fresh.fingerprint(program.pk), fresh.digest())
