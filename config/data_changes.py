"""A generation number of the business data, moved forward in Redis after every committed write.

Caches of computed answers (API lists, dashboard indicators) put the generation in their keys: a write
anywhere makes every earlier entry unreachable, so nothing needs to know which entry a write affects.

How writes are seen: an execute wrapper on every database connection (installed on ``connection_created``)
reads the statement text — ORM saves, bulk operations, ``QuerySet.update`` and raw SQL alike — and when it
writes a business table (one of our apps' tables, less the bookkeeping ones below) the generation moves on
*after the commit* (``on_commit``; at once in autocommit). Moving it after the commit matters: a reader that
saw the new number can only have read committed data, so no old answer is ever stored under a new number.
What this cannot see (psql by hand, a restore) is covered by ``bump()`` in those commands and by the
caches' own expiry.

Inside a transaction that has written but not committed, ``dirty()`` is true: its own reads must not come
from (or go into) a shared cache, since they see data nobody else sees yet.

If Redis is unreachable when a bump is due, it is remembered in the process and retried by the next bump or
``generation()`` call; until Redis answers, the caches miss anyway.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

from config.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)

KEY = "data-generation"
TRACKED_PREFIXES = ("pairings_", "teams_", "training_", "assessments_")
# Written constantly and shown by no cached answer: a token's last-used minute, the Redis-outage queue,
# an import's progress counter, the audit trail (trigger-written) and security events.
IGNORED_TABLES = frozenset(
    {
        "pairings_apiclient",
        "pairings_deferredtask",
        "pairings_userevent",
        "teams_importjob",
    }
)

# The table a data-changing statement writes: INSERT INTO t / UPDATE t / DELETE FROM t / TRUNCATE t /
# MERGE INTO t / COPY t, anywhere in the text (CTE writes such as ``WITH … UPDATE t`` included).
_WRITE = re.compile(
    r"\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?|merge\s+into|copy)\s+"
    r"(?:only\s+)?\"?([a-z_][a-z0-9_]*)\"?",
    re.IGNORECASE,
)
# Long bulk INSERTs repeat "(%s, %s, …)" for thousands of rows: the table is always near the start, and
# only statements that begin with WITH can hide a write further in.
_SCAN_LIMIT = 4096

_pending = False  # a bump that Redis did not take


def is_tracked(table: str) -> bool:
    table = table.lower()
    return table.startswith(TRACKED_PREFIXES) and table not in IGNORED_TABLES and not table.endswith("event")


def written_tables(sql: str) -> set[str]:
    """Business tables a statement writes (empty for reads)."""
    text = sql if sql.lstrip()[:4].lower() == "with" else sql[:_SCAN_LIMIT]
    return {m.group(1).lower() for m in _WRITE.finditer(text) if is_tracked(m.group(1))}


def generation() -> int:
    """The current generation (0 before any tracked write)."""
    retry_pending()
    try:
        value = cache.get(KEY)
    except CACHE_ERRORS:  # pragma: no cover - ResilientRedisCache already answers None
        value = None
    return int(value or 0)


def bump() -> None:
    """Move the generation on: every cached answer computed before is out of date."""
    global _pending
    try:
        try:
            cache.incr(KEY)
        except ValueError:  # the key does not exist yet (or expired with a flushed Redis)
            # add() then incr(): two processes starting at once both end up counted.
            cache.add(KEY, 0, timeout=None)
            cache.incr(KEY)
        _pending = False
    except CACHE_ERRORS as exc:
        _pending = True
        logger.warning("data generation not moved on (Redis unreachable), will retry: %s", exc)


def retry_pending() -> None:
    """Bump now if an earlier bump failed (readers call this before trusting the generation)."""
    if _pending:
        bump()


def _pending_in(conn: Any) -> bool:
    # Django drops the callbacks of rolled-back transactions and savepoints from ``run_on_commit``, so
    # "our callback is queued" means exactly "this transaction has uncommitted tracked writes".
    return any(func is _committed for _sids, func, _robust in conn.run_on_commit)


def dirty(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True inside a transaction that has written business data not yet committed."""
    conn = connections[using]
    return bool(conn.in_atomic_block and _pending_in(conn))


def _committed() -> None:
    bump()


def _track_writes(
    execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    result = execute(sql, params, many, context)
    text = sql.decode() if isinstance(sql, bytes) else str(sql)
    if written_tables(text):
        conn = context["connection"]
        if not conn.in_atomic_block:
            bump()  # autocommit: the statement is committed already
        elif not _pending_in(conn):
            conn.on_commit(_committed)
    return result


def install(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: put the tracker first (outermost) among the execute wrappers.

    First, not last: ``connection.execute_wrapper()`` context managers (pghistory's among them) pop the
    last wrapper on exit, so ours must never sit at the end of the list.
    """
    if _track_writes not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _track_writes)


def connect() -> None:
    connection_created.connect(install, dispatch_uid="config.data_changes.install")
    # Connections opened before the receiver was connected (e.g. by a management command's checks).
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            install(sender=None, connection=conn)
