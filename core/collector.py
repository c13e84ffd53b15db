"""Python's cyclic garbage collector paused while a large job allocates and frees (issue 18).

A report build allocates millions of small objects (WeasyPrint's boxes, the workbook's rows and figure
dicts) and frees almost all of them by reference counting; the collector's passes over the growing heap —
the whole worker's objects included — cost about a quarter of WeasyPrint's CPU time on GS2022 and a sixth
of the national workbook's Python time, for nothing to collect. Whatever cycles a build leaves are freed
by the first collection after it. Peak RSS barely moves (national workbook in a fresh worker: 195 → 199 MiB).

A program's rule run is the same kind of burst (rows, drafts, COPY lines: 8,300 findings of a first national
sweep), with its lanes and hashing thread in one process: each full collection held the GIL for ~0.12 s,
stopping every thread of the run (0.15–0.2 s of a first national sweep).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """``with collector_paused(): build()`` — the collector is enabled again afterwards (if it was)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
