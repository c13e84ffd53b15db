"""core.snapshots: lanes on connections of their own, read-only, all in one snapshot of committed data."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection

from core.snapshots import run_in_lanes, snapshot_safe
from pairings.models import Province


def _provinces(code: str) -> int:
    return Province.objects.filter(code=code).count()


def _setting(name: str) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting(%s)", [name])
        return str(cur.fetchone()[0])


def _snapshot() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_current_snapshot()::text")
        return str(cur.fetchone()[0])


@pytest.mark.django_db
def test_lanes_share_one_snapshot_read_only_with_the_settings_and_return_results_in_order() -> None:
    # given a transaction that has written nothing
    assert snapshot_safe()
    # when three lanes run
    results = run_in_lanes(
        [
            lambda: ("a", _setting("work_mem"), _setting("transaction_read_only"), _snapshot()),
            lambda: ("b", _setting("work_mem"), _setting("transaction_isolation"), _snapshot()),
            lambda: ("c", _snapshot()),
        ],
        settings={"work_mem": "12MB"},
    )
    # then each ran read-only, repeatable read, with the settings given; the results come back in order
    (a, work_mem_a, read_only, snap_a), (b, work_mem_b, isolation, snap_b), (c, snap_c) = results
    assert (a, b, c) == ("a", "b", "c")
    assert (work_mem_a, work_mem_b, read_only, isolation) == ("12MB", "12MB", "on", "repeatable read")
    # and all three saw the same snapshot
    assert snap_a == snap_b == snap_c
    # and the caller's connection keeps its own setting
    assert _setting("work_mem") != "12MB"


@pytest.mark.django_db
def test_lanes_see_committed_data_only_so_a_transaction_that_wrote_is_not_snapshot_safe() -> None:
    # given a transaction that has written a row (never committed: the test's transaction is rolled back)
    Province.objects.create(code="SNAP1", name="快照省")
    # then it is not safe to hand work to lanes: they do not see the row
    assert not snapshot_safe()
    assert run_in_lanes([lambda: _provinces("SNAP1")]) == [0]
    assert _provinces("SNAP1") == 1


@pytest.mark.django_db
def test_a_lane_is_read_only_and_its_error_reaches_the_caller_after_every_lane_finished() -> None:
    finished: list[str] = []

    def write() -> None:
        Province.objects.create(code="SNAP2", name="写入省")

    def read() -> None:
        _provinces("SNAP2")
        finished.append("read")

    # when a lane tries to write
    with pytest.raises(DatabaseError, match="read-only"):
        run_in_lanes([read, write])
    # then its error is raised in the caller, the other lane ran to its end, and nothing was written
    assert finished == ["read"]
    assert _provinces("SNAP2") == 0


class _LateWakingBarrier(threading.Barrier):
    """A barrier whose first lane, once released, is scheduled late: it wakes only after the other lanes had
    time to run on (at most 0.3 s), which a loaded machine does now and then (stdlib's ``_wait``, 3.11)."""

    def _wait(self, timeout: float | None) -> int:
        if threading.current_thread().name == "lane-0":
            self._cond.wait_for(lambda: self._state < 0, 0.3)  # type: ignore[attr-defined]
        return super()._wait(timeout)  # type: ignore[misc]


@pytest.mark.django_db
def test_a_lane_failing_right_after_the_snapshot_does_not_stop_a_lane_not_yet_woken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finished: list[str] = []

    def read() -> None:
        finished.append("read")

    def fail() -> None:
        raise ValueError("lane failed")

    # given a first lane that wakes late from the snapshot barrier (the race a CI run hit once)
    monkeypatch.setattr(threading, "Barrier", _LateWakingBarrier)
    # when the second lane fails at once
    with pytest.raises(ValueError, match="lane failed"):
        run_in_lanes([read, fail])
    # then the first lane still did its work
    assert finished == ["read"]
