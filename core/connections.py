"""The request's first query as the database connection's health check (CONN_HEALTH_CHECKS).

Why: with ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` on a reused connection before the first query
of every request — one round trip more on every API request, whose first query is the token check anyway
(issue 18: every request's overhead). ``checked_first_query(run)`` lets that query be the check: the
connection is taken as healthy, and if the query fails because the connection is dead (a restarted
server, a dropped socket), the connection is closed and the query runs again on a new one — what the
health check would have done. A query that fails on a live connection raises as it always did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError, connection

T = TypeVar("T")


def checked_first_query(run: Callable[[], T]) -> T:
    """``run()`` (read-only, safe to repeat) standing in for the connection's pending health check."""
    db: Any = connection  # the health-check attributes are not in django-stubs
    if db.connection is None or not db.health_check_enabled or db.health_check_done or db.in_atomic_block:
        return run()  # nothing pending (or a transaction Django must not reconnect under): as before
    db.health_check_done = True
    try:
        return run()
    except (OperationalError, InterfaceError):
        if connection.connection is not None and connection.is_usable():
            raise  # the query's own error, not the connection's
        connection.close()
        return run()  # on a new connection, healthy by definition
