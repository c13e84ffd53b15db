"""A generation number of the business data, moved forward after every committed write.

Caches of computed answers (API lists, dashboard indicators) store the generation they were computed at
and are used only while it is still the current one: a write anywhere retires every earlier answer, so
nothing needs to know which answer a write affects.

The number is a PostgreSQL sequence (``data_generation``, migration pairings 0004): reading it is one tiny
query, moving it (``nextval``) is not transactional and is never lost, so a Redis outage can cost cache
hits but can never let an old answer be served after a write.

How writes are seen: an execute wrapper on every database connection (installed on ``connection_created``)
reads the statement text — ORM saves, bulk operations, ``QuerySet.update`` and raw SQL alike — and when it
writes a business table (one of our apps' tables, less the bookkeeping ones below) the generation moves on
*after the commit* (``on_commit``; at once in autocommit). Moving it after the commit matters: a reader that
saw the new number can only have read committed data, so no old answer is ever stored under a new number.
What this cannot see is covered by a bump after ``migrate`` and ``restore`` and, for psql by hand, by the
caches' own expiry (``API_CACHE_SECONDS``).

Inside a transaction that has written but not committed, ``dirty()`` is true: its own reads must not come
from (or go into) a shared cache, since they see data nobody else sees yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

TRACKED_PREFIXES = ("pairings_", "teams_", "training_", "assessments_")
# Written constantly and shown by no cached answer: a token's last-used minute, the Redis-outage queue,
# an import's progress counter, the audit trail (trigger-written) and security events.
IGNORED_TABLES = frozenset(
    {
        "pairings_apiclient",
        "pairings_userevent",
        "teams_importjob",
        # The indicators' facts: derived rows, recomputed while answering (a read), never a change of data.
        "assessments_indicatorfactstate",
        "assessments_attendancemonthfact",
        "assessments_deploymentfact",
        "assessments_coverageintervalfact",
        "assessments_periodfact",
        "assessments_programperiodfact",
        "assessments_programfactpairings",
        "assessments_teamcompositionfact",
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


def is_tracked(table: str) -> bool:
    table = table.lower()
    return table.startswith(TRACKED_PREFIXES) and table not in IGNORED_TABLES and not table.endswith("event")


def written_tables(sql: str) -> set[str]:
    """Business tables a statement writes (empty for reads)."""
    text = sql if sql.lstrip()[:4].lower() == "with" else sql[:_SCAN_LIMIT]
    return {m.group(1).lower() for m in _WRITE.finditer(text) if is_tracked(m.group(1))}


def generation(using: str = DEFAULT_DB_ALIAS) -> int:
    """The current generation."""
    with connections[using].cursor() as cur:
        cur.execute("SELECT last_value FROM data_generation")
        return int(cur.fetchone()[0])


def bump(using: str = DEFAULT_DB_ALIAS) -> int:
    """Move the generation on (every cached answer computed before is out of date); the new number."""
    with connections[using].cursor() as cur:
        # to_regclass: NULL instead of an error while migrating a new database, before pairings 0004
        cur.execute("SELECT nextval(to_regclass('data_generation'))")
        value = cur.fetchone()[0]
        return int(value) if value is not None else 0


def move_past(number: int, using: str = DEFAULT_DB_ALIAS) -> None:
    """After a restore put the sequence back: move it beyond ``number`` (its value before), so no answer
    cached before the restore can match again."""
    with connections[using].cursor() as cur:
        cur.execute(
            "SELECT setval('data_generation', GREATEST(last_value, %s) + 1) FROM data_generation", [number]
        )


def _pending_in(conn: Any) -> bool:
    # Django drops the callbacks of rolled-back transactions and savepoints from ``run_on_commit``, so
    # "our callback is queued" means exactly "this transaction has uncommitted tracked writes".
    return any(func is _committed for _sids, func, _robust in conn.run_on_commit)


def dirty(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True inside a transaction that has written business data not yet committed."""
    conn = connections[using]
    return bool(conn.in_atomic_block and _pending_in(conn))


def _committed() -> None:
    bump()  # one database (DEFAULT_DB_ALIAS) holds all business data


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


def _migrated(sender: Any, **kwargs: Any) -> None:
    bump(kwargs.get("using", DEFAULT_DB_ALIAS))


def connect() -> None:
    connection_created.connect(install, dispatch_uid="core.data_changes.install")
    # Data migrations may write with SQL of their own; one bump after ``migrate`` covers them.
    post_migrate.connect(_migrated, dispatch_uid="core.data_changes.migrated")
    # Connections opened before the receiver was connected (e.g. by a management command's checks).
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            install(sender=None, connection=conn)
