"""core/prepared.py: a statement prepared once per connection answers as the plain statement does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import prepared
from core.prepared import execute_planned_once, execute_prepared

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


def _texts(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db
def test_a_statement_is_planned_once_from_its_second_time() -> None:
    sql = "SELECT %s::int + 1, %s::date, '100%%' || %s, %s::text LIKE '%%x'"
    values = (41, dt.date(2023, 2, 1), "x'y%", "ax")
    with connection.cursor() as cur:
        cur.execute(sql, values)
        plain = cur.fetchone()
    assert plain == (42, dt.date(2023, 2, 1), "100%x'y%", True)
    answers, asked = [], []
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx, connection.cursor() as cur:
            execute_planned_once(cur, sql, values)
            answers.append(cur.fetchone())
        asked.append(_texts(ctx))
    assert answers == [plain] * 3
    # the first time as it is, the second prepared (values inlined) and executed, then executed
    assert not any("PREPARE" in t or "EXECUTE" in t for t in asked[0])
    assert any("PREPARE plan_" in t for t in asked[1]) and asked[1][-1].startswith("EXECUTE plan_")
    assert asked[2] == [asked[1][-1]]
    # other values: another statement, as it is the first time
    with CaptureQueriesContext(connection) as other, connection.cursor() as cur:
        execute_planned_once(cur, sql, (1, dt.date(2023, 2, 1), "", "x"))
        assert cur.fetchone() == (2, dt.date(2023, 2, 1), "100%", True)
    assert not any("EXECUTE" in t for t in _texts(other))


@pytest.mark.django_db
def test_values_that_are_not_inlined_run_as_they_are() -> None:
    # a string with whitespace (it could read as "update <table>" to the write tracker), a list
    for sql, values in (("SELECT %s || 'x'", ("update teams_staff",)), ("SELECT %s::int[]", ([1, 2],))):
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx, connection.cursor() as cur:
                execute_planned_once(cur, sql, values)
                cur.fetchone()
            assert not any("PREPARE" in t or "EXECUTE" in t for t in _texts(ctx))


@pytest.mark.django_db
def test_an_integer_beyond_a_columns_type_compares_as_the_plain_statement_does() -> None:
    # inlined, 99999 = a smallint is false (as a smallint parameter it would be an error)
    sql = "SELECT count(*) FROM (VALUES (1::smallint)) v(x) WHERE x = %s OR x = %s"
    with connection.cursor() as cur:
        for _ in range(3):
            execute_planned_once(cur, sql, (99999, 1))
            assert cur.fetchone() == (1,)
            execute_planned_once(cur, sql, (10**20, -(2**15)))
            assert cur.fetchone() == (0,)


@pytest.mark.django_db
def test_a_session_holds_a_bounded_number_of_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepared, "_PREPARED_MAX", 3)
    with connection.cursor() as cur:
        for n in range(7):
            for _ in range(2):
                execute_planned_once(cur, "SELECT %s::int + 1", (n,))
                assert cur.fetchone() == (n + 1,)
        cur.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cur.fetchone()[0] <= 3
        assert len(prepared._prepared_names()) <= 3


@pytest.mark.django_db
def test_an_executed_plan_goes_without_the_audit_context_and_a_write_keeps_it() -> None:
    """pghistory puts its context in front of every statement not starting with ``select`` (a request's
    ``EXECUTE`` too); the EXECUTE of a planned read goes without it (issue 18), a write still gets it."""
    sql, values = "SELECT %s::int + 1", (41,)
    sent: list[str] = []

    def record(execute: Any, text: str, params: Any, many: bool, context: Any) -> Any:
        sent.append(text)
        return execute(text, params, many, context)

    with pghistory.context(user=None, url="/api/v1/x/"):
        # registered inside the context: the innermost wrapper, it sees the text PostgreSQL is sent
        with connection.execute_wrapper(record), connection.cursor() as cur:
            for _ in range(3):
                execute_planned_once(cur, sql, values)
                assert cur.fetchone() == (42,)
            cur.execute("CREATE TEMPORARY TABLE planned_once_probe (n int)")
            cur.execute("INSERT INTO planned_once_probe VALUES (1)")
        wrappers = list(connection.execute_wrappers)
    executed = [t for t in sent if "EXECUTE plan_" in t]
    assert executed and all(t.startswith("EXECUTE plan_") for t in executed)
    assert any(t.startswith("SELECT set_config('pghistory.context_id'") and "INSERT" in t for t in sent)
    # the wrappers are put back as they were (pghistory's own still there until its context closed)
    assert prepared._inject_history_context in wrappers
    assert prepared._inject_history_context not in connection.execute_wrappers
