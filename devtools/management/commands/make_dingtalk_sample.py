"""`manage.py make_dingtalk_sample --rows N --out FILE [--kind raw|summary] [--people P]`: a demo export."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from devtools.dingtalk_samples import write_sample


class Command(BaseCommand):
    help = "Write a realistic DingTalk attendance export (.xlsx or .csv by extension) for tests and demos."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rows", type=int, default=1000)
        parser.add_argument("--out", required=True)
        parser.add_argument("--kind", choices=["raw", "summary"], default="raw")
        parser.add_argument("--people", type=int, default=None)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **opts: Any) -> None:
        t = time.perf_counter()
        path = write_sample(
            opts["out"], opts["rows"], kind=opts["kind"], n_people=opts["people"], seed=opts["seed"]
        )
        self.stdout.write(f"{path}: {opts['rows']} rows in {time.perf_counter() - t:.1f} s")
