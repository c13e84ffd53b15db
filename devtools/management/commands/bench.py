"""`manage.py bench [--only rules,imports] [--scale demo|national] [--quick] [--skip-slow-baselines]`:
run the benchmark suites."""

from __future__ import annotations

import traceback
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devtools.benchmarks.runner import BenchContext, discover, write_results


class Command(BaseCommand):
    help = "Run the performance benchmarks (<app>/benchmarks/bench_*.py) and print ratios against baselines."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--only", default="", help="comma-separated suite names")
        parser.add_argument("--scale", default="national", choices=["demo", "national"])
        parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
        parser.add_argument(
            "--skip-slow-baselines",
            action="store_true",
            help="full-size inputs without the baselines that take minutes (national PDF's full appendix)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        only = {s for s in opts["only"].split(",") if s}
        ctx = BenchContext(
            scale=opts["scale"],
            quick=opts["quick"],
            skip_slow_baselines=opts["skip_slow_baselines"],
            out=self.stdout.write,
        )
        failed = []
        for name, module in discover():
            if only and name not in only:
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name}"))
            ctx.suite = name
            try:
                module.run(ctx)
            except Exception:  # report every suite, then fail the command
                failed.append(name)
                self.stderr.write(traceback.format_exc())
        out = settings.BASE_DIR / "var" / "bench" / "results.json"
        write_results(ctx, out)
        self.stdout.write(f"results written to {out}")
        if failed:
            raise CommandError(f"benchmark suites failed: {', '.join(failed)}")
