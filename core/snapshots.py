"""Read-only work on several database connections at once, all seeing one snapshot.

A whole-program read (the nightly rule sweep) is a set of independent queries; on a machine with a second
core, a second connection can run half of them while the first runs the rest. Each lane is a thread with a
connection of its own, in a read-only REPEATABLE READ transaction that imports the snapshot the caller's
transaction exported (``pg_export_snapshot()`` / ``SET TRANSACTION SNAPSHOT``), so every lane sees exactly
the same committed state, whatever commits meanwhile.

A snapshot shows what was *committed* when it was taken, never the exporting transaction's own uncommitted
writes: export only from a transaction that has written nothing the lanes must see (``snapshot_safe``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection, transaction

T = TypeVar("T")


def snapshot_safe() -> bool:
    """True when lanes may be given this connection's snapshot: outside a transaction (the caller opens one
    and exports from it), or in a transaction that is not inside a savepoint (PostgreSQL exports no snapshot
    from a subtransaction) and has written nothing yet (no transaction id assigned: PostgreSQL assigns one at
    the first write)."""
    if not connection.in_atomic_block:
        return True
    if connection.savepoint_ids:
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        return bool(cur.fetchone()[0])


def export_snapshot() -> str:
    """The current transaction's snapshot, for lanes to import; valid until that transaction ends. Not
    inside a savepoint (an ``atomic`` block nested in another)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_export_snapshot()")
        return str(cur.fetchone()[0])


def _in_snapshot(snapshot: str, settings: dict[str, str], fn: Callable[[], T]) -> T:
    """``fn()`` on this thread's own connection, read-only, in ``snapshot``; the connection is closed
    afterwards."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            for name, value in settings.items():
                cur.execute("SELECT set_config(%s, %s, true)", [name, value])
            return fn()
    finally:
        connection.close()


def run_in_lanes(
    snapshot: str, lanes: Sequence[Callable[[], Any]], *, settings: dict[str, str] | None = None
) -> list[Any]:
    """Run each callable on a thread and connection of its own, inside ``snapshot``; their results in order.

    ``settings`` are set for each lane's transaction (``set_config(name, value, true)``). The first failure
    is re-raised once every lane has finished (no lane is left running against a finished transaction).
    """
    results: list[Any] = [None] * len(lanes)
    errors: list[BaseException | None] = [None] * len(lanes)

    def work(i: int) -> None:
        try:
            results[i] = _in_snapshot(snapshot, settings or {}, lanes[i])
        except BaseException as exc:  # handed to the caller's thread below
            errors[i] = exc

    threads = [threading.Thread(target=work, args=(i,), name=f"lane-{i}") for i in range(len(lanes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for exc in errors:
        if exc is not None:
            raise exc
    return results
