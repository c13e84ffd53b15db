"""`manage.py run_rules [--program CODE] [--pairing ID] [--sync] [--as-of YYYY-MM-DD]`: check the rules.

Without --sync the run is queued for the Celery worker and its RuleRun id printed; with --sync it runs here
and prints, per rule, the findings open / new / resolved. Without --program/--pairing every active program.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assessments.choices import RunTrigger
from assessments.services.findings import rule_run_create, rule_run_execute
from pairings.models import Pairing, Program


class Command(BaseCommand):
    help = "Run the rule engine (SPEC §3) on a program, a pairing, or every active program."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--program", help="program code, e.g. GS2022")
        parser.add_argument("--pairing", type=int, help="pairing id (checks that pairing only)")
        parser.add_argument("--sync", action="store_true", help="run here instead of queueing for Celery")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="run date (default: today)")

    def handle(self, *args: Any, **opts: Any) -> None:
        scopes: list[tuple[Program, Pairing | None]]
        if opts["pairing"]:
            try:
                pairing = Pairing.objects.select_related("program").get(pk=opts["pairing"])
            except Pairing.DoesNotExist as exc:
                raise CommandError(f"no pairing {opts['pairing']}") from exc
            if opts["program"] and pairing.program.code != opts["program"]:
                raise CommandError("the pairing is not in that program")
            scopes = [(pairing.program, pairing)]
        elif opts["program"]:
            try:
                scopes = [(Program.objects.get(code=opts["program"]), None)]
            except Program.DoesNotExist as exc:
                raise CommandError(f"no program {opts['program']}") from exc
        else:
            scopes = [(p, None) for p in Program.objects.filter(is_active=True).order_by("code")]
        for program, pairing in scopes:
            run = rule_run_create(
                program=program, pairing=pairing, trigger=RunTrigger.MANUAL, enqueue=not opts["sync"]
            )
            label = f"{program.code}" + (f" pairing {pairing.pk}" if pairing else "")
            if not opts["sync"]:
                self.stdout.write(f"queued RuleRun {run.pk} ({label})")
                continue
            done = rule_run_execute(run_id=run.pk, as_of=opts["as_of"])
            assert done is not None
            self.stdout.write(self.style.MIGRATE_HEADING(f"RuleRun {run.pk} ({label}): {done.status}"))
            self._table(done.counts)

    def _table(self, counts: dict[str, dict[str, int]]) -> None:
        width = max([len("rule")] + [len(c) for c in counts])
        self.stdout.write(f"{'rule':<{width}}  {'open':>6}  {'new':>6}  {'resolved':>8}  {'waived':>6}")
        totals = [0, 0, 0, 0]
        for code, c in counts.items():
            row = [c.get("open", 0), c.get("new", 0), c.get("resolved", 0), c.get("waived", 0)]
            totals = [a + b for a, b in zip(totals, row, strict=True)]
            self.stdout.write(f"{code:<{width}}  {row[0]:>6}  {row[1]:>6}  {row[2]:>8}  {row[3]:>6}")
        self.stdout.write(
            f"{'total':<{width}}  {totals[0]:>6}  {totals[1]:>6}  {totals[2]:>8}  {totals[3]:>6}"
        )
