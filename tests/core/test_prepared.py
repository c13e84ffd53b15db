"""core/prepared.py: a statement prepared once per connection answers as the plain statement does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import prepared
from core.prepared import execute_prepared, execute_prepared_args

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


@pytest.mark.django_db
def test_django_positional_parameters_prepared_per_key() -> None:
    sql = "SELECT %s::int + 1, %s::date, '100%%' || %s::text"
    with connection.cursor() as cur:
        cur.execute(sql, (41, dt.date(2023, 2, 1), "x"))
        plain = cur.fetchone()
        execute_prepared_args(cur, sql, (41, dt.date(2023, 2, 1), "x"), key=("province", 1))
        assert cur.fetchone() == plain == (42, dt.date(2023, 2, 1), "100%x")
    # the same key: executed; another key: a statement of its own (its own plan choice)
    with CaptureQueriesContext(connection) as same, connection.cursor() as cur:
        execute_prepared_args(cur, sql, (1, dt.date(2024, 1, 1), ""), key=("province", 1))
        assert cur.fetchone() == (2, dt.date(2024, 1, 1), "100%")
    with CaptureQueriesContext(connection) as other, connection.cursor() as cur:
        execute_prepared_args(cur, sql, (2, dt.date(2024, 1, 1), "y"), key=("province", 2))
        assert cur.fetchone() == (3, dt.date(2024, 1, 1), "100%y")
    assert [q["sql"][:7] for q in same.captured_queries] == ["EXECUTE"]
    assert any(q["sql"].startswith("PREPARE") for q in other.captured_queries)
    names = {q["sql"].split()[1] for q in other.captured_queries if q["sql"].startswith("PREPARE")}
    assert not any(n in q["sql"] for n in names for q in same.captured_queries)


@pytest.mark.django_db
def test_a_positional_statement_that_cannot_be_prepared_is_not_tried_again() -> None:
    # $1 IS NULL: no type PostgreSQL can infer; run as it is, the transaction goes on
    with connection.cursor() as cur:
        execute_prepared_args(cur, "SELECT %s IS NULL", ("plain",))
        assert cur.fetchone() == (False,)
    with CaptureQueriesContext(connection) as again, connection.cursor() as cur:
        execute_prepared_args(cur, "SELECT %s IS NULL", (None,))
        assert cur.fetchone() == (True,)
    assert [q["sql"] for q in again.captured_queries] == ["SELECT NULL IS NULL"]


@pytest.mark.django_db
def test_a_session_holds_a_bounded_number_of_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepared, "_PREPARED_MAX", 3)
    with connection.cursor() as cur:
        for n in range(7):
            execute_prepared_args(cur, f"SELECT %s::int + {n}", (1,))
            assert cur.fetchone() == (1 + n,)
        cur.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cur.fetchone()[0] <= 3
        assert len(prepared._prepared_names()) <= 3


@pytest.mark.django_db
def test_an_integer_beyond_its_parameters_type_is_compared_as_the_plain_statement_does() -> None:
    # inlined, 99999 = a smallint is false; as a smallint parameter it would be an error
    sql = "SELECT count(*) FROM (VALUES (1::smallint)) v(x) WHERE x = %s OR x = %s"
    with connection.cursor() as cur:
        execute_prepared_args(cur, sql, (2, 3))
        assert cur.fetchone() == (0,)
        execute_prepared_args(cur, sql, (99999, 1))
        assert cur.fetchone() == (1,)
        execute_prepared_args(cur, sql, (10**20, -(2**15)))
        assert cur.fetchone() == (0,)
