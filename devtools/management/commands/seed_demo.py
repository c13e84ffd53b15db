"""``manage.py seed_demo``: the demo provinces (idempotent), or a national-scale benchmark program."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from devtools.demo import builder, national, reset, users
from devtools.demo.violations import PLANTED


class Command(BaseCommand):
    help = "Load the demo data (GS2022, GD2019, BZ2016 with planted rule violations) or a national benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2022, help="random seed (same seed, same data)")
        parser.add_argument("--reset", action="store_true", help="delete the data first and rebuild it")
        parser.add_argument("--scale", choices=["demo", "national"], default="demo")
        parser.add_argument("--program", default="NAT2022", help="program code of the national benchmark")
        parser.add_argument("--pairings", type=int, default=2500, help="pairings of the national benchmark")
        parser.add_argument("--print-manifest", action="store_true", help="print the planted violations")

    def handle(self, *args: Any, **opts: Any) -> None:

        if opts["print_manifest"]:
            for item in PLANTED:
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
            counts = dict(builder.build_demo(opts["seed"]).counts)
        elapsed = time.monotonic() - t0
        for model, n in sorted(counts.items()):
            self.stdout.write(f"  {model:<24} {n:>8}")
        self.stdout.write(self.style.SUCCESS(f"seeded {sum(counts.values())} rows in {elapsed:.1f}s"))
