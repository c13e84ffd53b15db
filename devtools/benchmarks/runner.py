"""The benchmark harness behind `make bench` (`manage.py bench`).

Every app may hold ``<app>/benchmarks/bench_*.py`` modules, each with ``run(ctx: BenchContext) -> None``.
A benchmark measures the real thing and, where the issue asks for it, a baseline in the same run, and
reports both; the table shows the ratio, since absolute seconds depend on the machine.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
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
    """Peak resident memory of this process (and waited-for children) in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


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
