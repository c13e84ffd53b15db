"""core.snapshots: lanes on connections of their own, read-only, in the exporting transaction's snapshot.

A snapshot is exported from a transaction's top level, never from a savepoint; pytest-django runs each
``django_db`` test inside one, so these tests open their own transaction (and write nothing that stays).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from core.snapshots import export_snapshot, run_in_lanes, snapshot_safe
from pairings.models import Province


@pytest.fixture
def db_access(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        yield


def _provinces(code: str) -> int:
    return Province.objects.filter(code=code).count()


def _setting(name: str) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting(%s)", [name])
        return str(cur.fetchone()[0])


def test_lanes_run_on_their_own_connections_with_the_settings_and_return_results_in_order(
    db_access: None,
) -> None:
    with transaction.atomic():
        # given a transaction that has written nothing
        assert snapshot_safe()
        snapshot = export_snapshot()
        # when two lanes run
        results = run_in_lanes(
            snapshot,
            [
                lambda: ("a", _setting("work_mem"), _setting("transaction_read_only")),
                lambda: ("b", _setting("transaction_isolation")),
            ],
            settings={"work_mem": "12MB"},
        )
        # then each ran read-only in the snapshot's isolation with the settings given, results in order
        assert results == [("a", "12MB", "on"), ("b", "repeatable read")]
        # and the caller's connection keeps its own setting
        assert _setting("work_mem") != "12MB"


def test_lanes_see_committed_data_only_so_a_transaction_that_wrote_is_not_snapshot_safe(
    db_access: None,
) -> None:
    with transaction.atomic():
        # given a transaction that has written a row (never committed: rolled back below)
        Province.objects.create(code="SNAP1", name="快照省")
        # then its snapshot is not safe to hand to lanes: they would not see the row
        assert not snapshot_safe()
        (seen,) = run_in_lanes(export_snapshot(), [lambda: _provinces("SNAP1")])
        assert seen == 0
        assert _provinces("SNAP1") == 1
        transaction.set_rollback(True)
    assert _provinces("SNAP1") == 0


def test_inside_a_savepoint_no_snapshot_is_safe(db_access: None) -> None:
    with transaction.atomic(), transaction.atomic():
        assert not snapshot_safe()


def test_a_lane_is_read_only_and_its_error_reaches_the_caller_after_every_lane_finished(
    db_access: None,
) -> None:
    finished: list[str] = []

    def write() -> None:
        Province.objects.create(code="SNAP2", name="写入省")

    def read() -> None:
        _provinces("SNAP2")
        finished.append("read")

    with transaction.atomic():
        snapshot = export_snapshot()
        # when a lane tries to write
        with pytest.raises(DatabaseError, match="read-only"):
            run_in_lanes(snapshot, [write, read])
    # then its error is raised in the caller, the other lane ran to its end, and nothing was written
    assert finished == ["read"]
    assert _provinces("SNAP2") == 0
