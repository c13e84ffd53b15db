"""Read-only work on several database connections at once, all seeing one snapshot.

A whole-program read (the nightly rule sweep) is a set of independent queries; on a machine with a second
core, a second connection can run half of them while the first runs the rest. Each lane is a thread with a
connection of its own in a read-only REPEATABLE READ transaction; the first lane exports its snapshot
(``pg_export_snapshot()``) and the others import it (``SET TRANSACTION SNAPSHOT``), so every lane sees
exactly the same committed state, whatever commits meanwhile.

Lanes see what is *committed*, never the caller's own uncommitted writes: hand work to lanes only from a
transaction that has written nothing they must see (``snapshot_safe``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, transaction

# Seconds a lane waits for the others to have taken the shared snapshot (each is a connect and three
# statements away); past it the lanes give up rather than hang a worker.
_SNAPSHOT_WAIT = 60


def snapshot_safe() -> bool:
    """True when lanes see everything the caller's connection sees: outside a transaction, or in one that
    has written nothing yet (no transaction id assigned: PostgreSQL assigns one at the first write)."""
    if not connection.in_atomic_block:
        return True
    with connection.cursor() as cur:
        cur.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        return bool(cur.fetchone()[0])


def run_in_lanes(lanes: Sequence[Callable[[], Any]], *, settings: dict[str, str] | None = None) -> list[Any]:
    """Run each callable on a thread and connection of its own, all in one snapshot; their results in order.

    ``settings`` are set for each lane's transaction (``set_config(name, value, true)``). The first failure
    is re-raised once every lane has finished (no lane is left running).
    """
    n = len(lanes)
    results: list[Any] = [None] * n
    errors: list[BaseException | None] = [None] * n
    shared: dict[str, str] = {}
    exported = threading.Event()
    # The first lane's transaction must outlive the others' imports of its snapshot.
    imported = threading.Barrier(n)

    def work(i: int) -> None:
        passed = False
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                if i == 0:
                    cur.execute("SELECT pg_export_snapshot()")
                    shared["snapshot"] = str(cur.fetchone()[0])
                    exported.set()
                else:
                    exported.wait(_SNAPSHOT_WAIT)
                    if "snapshot" not in shared:
                        raise RuntimeError("the first lane exported no snapshot")
                    cur.execute("SET TRANSACTION SNAPSHOT %s", [shared["snapshot"]])
                imported.wait(_SNAPSHOT_WAIT)
                passed = True
                for name, value in (settings or {}).items():
                    cur.execute("SELECT set_config(%s, %s, true)", [name, value])
                results[i] = lanes[i]()
        except BaseException as exc:  # handed to the caller's thread below
            errors[i] = exc
            # The lanes still waiting for the snapshot stop waiting. Only before the barrier: once this lane
            # passed it every lane did, but a lane released and not yet woken would see the aborted barrier as
            # broken and skip its work (the intermittent "read lane never ran" of a CI run).
            if not passed:
                imported.abort()
        finally:
            exported.set()
            connection.close()

    threads = [threading.Thread(target=work, args=(i,), name=f"lane-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The lane that failed first, rather than the others' broken barrier.
    for exc in sorted(
        (e for e in errors if e is not None), key=lambda e: isinstance(e, threading.BrokenBarrierError)
    ):
        raise exc
    return results
