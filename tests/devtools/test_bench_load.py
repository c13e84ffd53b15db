"""The mixed-load benchmark (``devtools/benchmarks/bench_load.py``): what its writer costs the database, and
the CPU accounting its second output line reports."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import IndicatorFactState
from assessments.selectors import indicator_facts
from core import data_changes
from devtools.benchmarks import bench_load
from teams.choices import Title
from teams.models import Staff


@pytest.mark.django_db
def test_the_writers_staff_row_is_one_insert_and_leaves_the_indicator_facts_fresh(world: Any) -> None:
    # given both pairings' indicator facts computed
    ids = [world.pairing_a.pk, world.pairing_b.pk]
    indicator_facts.ensure_fresh(ids)
    states = sorted(
        IndicatorFactState.objects.filter(pairing_id__in=ids).values_list("pairing_id", "fresh", "marked_at")
    )
    assert [s[1] for s in states] == [True, True]
    # when the benchmark's writer adds a staff row under a supporter (what it does every 10 ms)
    with CaptureQueriesContext(connection) as captured:
        Staff.objects.create(
            employer=world.supporter_a,
            name="压测0",
            licence_no=f"{bench_load.LICENCE_PREFIX}X000000",
            title=Title.INTERMEDIATE,
        )
    # then it is one statement writing the staff table alone: nothing recomputes or marks the facts (they are
    # not computed from staff rows; the suspect of the mixed-load regression of issue 18, ruled out)
    assert len(captured.captured_queries) == 1
    assert data_changes.written_tables(captured.captured_queries[0]["sql"]) == {"teams_staff"}
    assert (
        sorted(
            IndicatorFactState.objects.filter(pairing_id__in=ids).values_list(
                "pairing_id", "fresh", "marked_at"
            )
        )
        == states
    )


@pytest.mark.django_db
def test_the_cpu_accounting_counts_the_postgresql_backends_work() -> None:
    postmaster = bench_load._postmaster_pid()
    if postmaster is None:
        pytest.skip("PostgreSQL does not run on this machine: the benchmark prints n/a")
    # given the CPU of the cluster's processes so far
    before = bench_load._tree_cpu(postmaster)
    assert before is not None
    # when our backend works (~0.5 s of CPU)
    with connection.cursor() as cur:
        for _ in range(3):
            cur.execute("SELECT sum(i) FROM generate_series(1, 3000000) AS s(i)")
            cur.fetchone()
    # then the postmaster's tree (our backend is one of its children) counts it
    after = bench_load._tree_cpu(postmaster)
    assert after is not None and after - before >= 0.1
    # and a process that is not there counts as no process
    assert bench_load._tree_cpu(None) is None
    assert bench_load._proc_stat(os.getpid()) is not None
