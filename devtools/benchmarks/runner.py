"""The benchmark harness behind `make bench` (`manage.py bench`).

Every app may hold ``<app>/benchmarks/bench_*.py`` modules, each with ``run(ctx: BenchContext) -> None``.
A benchmark measures the real thing and, where the issue asks for it, a baseline in the same run, and
reports both; the table shows the ratio, since absolute seconds depend on the machine.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import pkgutil
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings


@dataclasses.dataclass
class Measurement:
    suite: str
    name: str
    seconds: float
    baseline_name: str | None = None
    baseline_seconds: float | None = None
    target: str = ""
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline_seconds is None or self.seconds == 0:
            return None
        return self.baseline_seconds / self.seconds


@dataclasses.dataclass
class BenchContext:
    scale: str = "demo"
    quick: bool = False
    # Full-size inputs, but without the baselines that take minutes (the national PDF's full appendix).
    skip_slow_baselines: bool = False
    suite: str = ""
    results: list[Measurement] = dataclasses.field(default_factory=list)
    out: Callable[[str], None] = print

    def report(
        self,
        name: str,
        seconds: float,
        *,
        baseline_name: str | None = None,
        baseline_seconds: float | None = None,
        target: str = "",
        **extra: Any,
    ) -> Measurement:
        # The machine is shared: every figure carries the 1-minute load average it was measured at.
        extra = {"load": load_average(), **extra}
        m = Measurement(self.suite, name, seconds, baseline_name, baseline_seconds, target, extra)
        self.results.append(m)
        ratio = f"  ×{m.ratio:.1f} vs {baseline_name}" if m.ratio else ""
        self.out(f"  {name}: {seconds:.3f} s{ratio} {extra or ''} {target}")
        return m


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """``with stopwatch() as t: ...`` then ``t["seconds"]``."""
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB since the start or the last :func:`reset_peak_rss`.

    Read from /proc/self/status (VmHWM), which :func:`reset_peak_rss` can reset, so each phase reports its
    own peak; elsewhere the process's lifetime peak (getrusage).
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start a new peak-RSS phase (Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM to the current RSS)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


@contextmanager
def phase() -> Iterator[dict[str, float]]:
    """``with phase() as p: ...`` then ``p["seconds"]`` and ``p["peak_rss_mib"]`` (this phase's own peak);
    ``p["start_rss_mib"]``: what the process already held when the phase began (the peak starts there, so
    ``peak - start`` is what the phase itself added)."""
    reset_peak_rss()
    with stopwatch() as box:
        box["start_rss_mib"] = round(peak_rss_mib())
        try:
            yield box
        finally:
            box["peak_rss_mib"] = round(peak_rss_mib())


def load_average() -> float:
    """The machine's 1-minute load average (as ``uptime`` prints it)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def discover() -> list[tuple[str, Any]]:
    suites = []
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)):
            continue
        try:
            pkg = importlib.import_module(f"{config.name}.benchmarks")
        except ModuleNotFoundError:
            continue
        for mod in pkgutil.iter_modules(pkg.__path__):
            if mod.name.startswith("bench_"):
                suites.append(
                    (mod.name.removeprefix("bench_"), importlib.import_module(f"{pkg.__name__}.{mod.name}"))
                )
    return sorted(suites, key=lambda s: s[0])


def write_results(ctx: BenchContext, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [dataclasses.asdict(m) | {"ratio": m.ratio} for m in ctx.results]
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
