"""Planner settings for one whole-set statement.

The measures' set-based queries (a program's stays, rosters on time, the indicator facts) are right with hash
joins at every size. With statistics taken while a table was nearly empty (a test database between tests,
a table just bulk-loaded before autovacuum ran) PostgreSQL estimates one row and nests loops whose inner side
is a join of whole result sets, rerun for every deployment: a CI run spent 14 minutes in one such statement
that takes 0.04 s with hash joins. ``whole_set_plan`` turns nested loops off for the statements inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction


@contextmanager
def whole_set_plan() -> Iterator[Any]:
    """A cursor whose statements are planned without nested loops; the setting is put back afterwards
    (``set_config(…, true)`` lasts until the end of the transaction, which may be the caller's)."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)")
        previous = cur.fetchone()[0]
        try:
            yield cur
        finally:
            cur.execute("SELECT set_config('enable_nestloop', %s, true)", [previous])
