"""core/prepared.py: a statement prepared once per connection answers as the plain statement does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.prepared import execute_prepared

SQL = """SELECT %(n)s::int + 1, %(day)s::date, cardinality(%(ids)s::bigint[]), %(ids)s::bigint[],
                %(none)s::int IS NULL, %(n)s::int"""
PARAMS = {"n": 41, "day": dt.date(2023, 2, 1), "ids": [3, None, 5], "none": None, "unused": "x"}


@pytest.mark.django_db
def test_prepared_once_then_executed_with_the_same_answer() -> None:
    with connection.cursor() as cur:
        cur.execute(SQL, PARAMS)
        plain = cur.fetchone()
    # (cursors opened inside the contexts: only those record their queries)
    with CaptureQueriesContext(connection) as first, connection.cursor() as cur:
        execute_prepared(cur, SQL, PARAMS)
        assert cur.fetchone() == plain == (42, dt.date(2023, 2, 1), 3, [3, None, 5], True, 41)
    with CaptureQueriesContext(connection) as second, connection.cursor() as cur:
        execute_prepared(cur, SQL, {**PARAMS, "n": 1, "ids": []})
        assert cur.fetchone() == (2, dt.date(2023, 2, 1), 0, [], True, 1)
    assert any(q["sql"].startswith("PREPARE") for q in first.captured_queries)
    assert [q["sql"][:7] for q in second.captured_queries] == ["EXECUTE"]


@pytest.mark.django_db
def test_a_statement_that_cannot_be_prepared_is_run_as_it_is() -> None:
    # $1 alone has no type PostgreSQL can infer: PREPARE fails, the caller's transaction goes on
    with connection.cursor() as cur:
        execute_prepared(cur, "SELECT %(x)s", {"x": "plain"})
        assert cur.fetchone() == ("plain",)
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
