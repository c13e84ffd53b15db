"""``manage.py seed_demo``: the demo provinces (idempotent), or a national-scale benchmark program."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assessments.choices import RunTrigger
from assessments.services.findings import rule_run_create, rule_run_execute
from devtools.demo import builder, national, reset, users
from devtools.demo.violations import gs_shift, planted
from pairings.models import Program


class Command(BaseCommand):
    help = "Load the demo data (GS2022, GD2019, BZ2016 with planted rule violations) or a national benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2022, help="random seed (same seed, same data)")
        parser.add_argument("--reset", action="store_true", help="delete the data first and rebuild it")
        parser.add_argument("--scale", choices=["demo", "national"], default="demo")
        parser.add_argument("--program", default="NAT2022", help="program code of the national benchmark")
        parser.add_argument("--pairings", type=int, default=2500, help="pairings of the national benchmark")
        parser.add_argument("--print-manifest", action="store_true", help="print the planted violations")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="the day the demo is laid for, YYYY-MM-DD (default: today); same day and seed, same data",
        )

    def handle(self, *args: Any, **opts: Any) -> None:

        today = opts["today"] or dt.date.today()
        if opts["print_manifest"]:
            for item in planted(gs_shift(today)):
                self.stdout.write(repr(item))
            return
        t0 = time.monotonic()
        if opts["scale"] == "national":
            code = opts["program"]
            if opts["reset"]:
                deleted = reset.delete_provinces([national.province_code(code)])
                self.stdout.write(f"deleted {sum(deleted.values())} rows in {time.monotonic() - t0:.1f}s")
                t0 = time.monotonic()
            elif national.present(code):
                self.stdout.write(f"national data {code} already loaded")
                return
            counts = national.build_national(opts["seed"], pairings=opts["pairings"], program_code=code)
        else:
            if opts["reset"]:
                deleted = reset.delete_provinces(list(builder.DEMO_PROVINCES), users.DEMO_USERNAMES)
                self.stdout.write(f"deleted {sum(deleted.values())} rows in {time.monotonic() - t0:.1f}s")
                t0 = time.monotonic()
            elif builder.demo_present():
                self.stdout.write("demo data already loaded")
                return
            counts = dict(builder.build_demo(opts["seed"], today=today).counts)
            findings = self.check_rules(today)
            self.stdout.write(f"rule check as of {today}: {findings} open findings")
        elapsed = time.monotonic() - t0
        for model, n in sorted(counts.items()):
            self.stdout.write(f"  {model:<24} {n:>8}")
        self.stdout.write(self.style.SUCCESS(f"seeded {sum(counts.values())} rows in {elapsed:.1f}s"))

    def check_rules(self, today: dt.date) -> int:
        """Compute the findings once, as of the demo's day, so every page has them without a worker."""
        total = 0
        for program in Program.objects.filter(code__in=builder.DEMO_PROGRAMS).order_by("code"):
            run = rule_run_create(program=program, trigger=RunTrigger.MANUAL, enqueue=False)
            done = rule_run_execute(run_id=run.pk, as_of=today)
            assert done is not None
            total += sum(c.get("open", 0) for c in done.counts.values())
        return total
