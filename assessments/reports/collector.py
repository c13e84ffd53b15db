"""Python's cyclic garbage collector paused while a report is built (issue 18).

A report build allocates millions of small objects (WeasyPrint's boxes, the workbook's rows and figure
dicts) and frees almost all of them by reference counting; the collector's passes over the growing heap —
the whole worker's objects included — cost about a quarter of WeasyPrint's CPU time on GS2022 and a sixth
of the national workbook's Python time, for nothing to collect. Whatever cycles a build leaves are freed
by the first collection after it. Peak RSS barely moves (national workbook in a fresh worker: 195 → 199 MiB).
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
