"""``manage.py rules_digest``: every finding the rules draft, as data — proof that a change of the engine
changes none.

Writes (``--out``) or compares against (``--compare``) the drafts of the named programs as of one day — for
each draft its rule, fingerprint, severity, subjects, period, message key and parameters and evidence — and,
for a sample of pairings, the drafts of that pairing's recheck. Nothing is written to the database. Run it
before a change with ``--out``, after it with ``--compare``: any draft gained, lost or changed is listed and
the command fails. It also checks that each sampled recheck drafts exactly what the program run drafts for
that pairing (the rules that look across pairings aside).

    manage.py rules_digest --program NAT2022 --as-of 2026-06-01 --out var/digest-before.json
    manage.py rules_digest --program NAT2022 --as-of 2026-06-01 --compare var/digest-before.json
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.rules.base import Draft, all_rules
from assessments.services.findings import rules_evaluate
from pairings.models import Program


def draft_row(d: Draft, program_id: int) -> dict[str, Any]:
    row = dataclasses.asdict(d)
    row["message"] = d.message.as_json()
    row["fingerprint"] = d.fingerprint(program_id)
    return json.loads(json.dumps(row, default=str, sort_keys=True))


def _key(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def digest(program: Program, as_of: dt.date, sample: int) -> dict[str, Any]:
    drafts = rules_evaluate(program=program, as_of=as_of)
    rows = sorted((draft_row(d, program.pk) for ds in drafts.values() for d in ds), key=_key)
    pairing_ids = list(program.pairings.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(pairing_ids) // sample) if sample else 0
    chosen = pairing_ids[::step][:sample] if step else []
    wide = {r.code for r in all_rules() if r.program_wide}
    rechecks: dict[str, list[dict[str, Any]]] = {}
    mismatched: list[int] = []
    for pid in chosen:
        one = rules_evaluate(program=program, as_of=as_of, pairing_ids=[pid])
        got = sorted((draft_row(d, program.pk) for ds in one.values() for d in ds), key=_key)
        rechecks[str(pid)] = got
        expected = [r for r in rows if r["pairing_id"] == pid and r["rule_code"] not in wide]
        if got != expected:
            mismatched.append(pid)
    return {
        "as_of": as_of.isoformat(),
        "drafts": rows,
        "rechecks": rechecks,
        "recheck_mismatches": mismatched,
    }


class Command(BaseCommand):
    help = "Write or compare the rule engine's drafts of some programs (no database writes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", action="append", required=True, help="program code (repeatable)")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
        parser.add_argument("--sample", type=int, default=20, help="pairings whose recheck is compared too")
        parser.add_argument("--out", type=Path)
        parser.add_argument("--compare", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        result: dict[str, Any] = {}
        for code in opts["program"]:
            program = Program.objects.get(code=code)
            result[code] = digest(program, opts["as_of"], opts["sample"])
            by_rule = Counter(r["rule_code"] for r in result[code]["drafts"])
            self.stdout.write(f"{code}: {len(result[code]['drafts'])} drafts {dict(sorted(by_rule.items()))}")
        problems = [
            f"{code}: a recheck differs from the program run for pairings {r['recheck_mismatches']}"
            for code, r in result.items()
            if r["recheck_mismatches"]
        ]
        if opts["out"]:
            opts["out"].write_text(json.dumps(result, ensure_ascii=False, sort_keys=True))
            self.stdout.write(f"written to {opts['out']}")
        if opts["compare"]:
            problems += self.compare(json.loads(opts["compare"].read_text()), result)
        for p in problems:
            self.stderr.write(p)
        if problems:
            raise CommandError(f"{len(problems)} difference(s)")
        self.stdout.write(self.style.SUCCESS("no differences"))

    def compare(self, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
        problems = []
        for code in after:
            if code not in before:
                problems.append(f"{code}: not in the earlier digest")
                continue
            if before[code]["as_of"] != after[code]["as_of"]:
                problems.append(f"{code}: as of {before[code]['as_of']} before, {after[code]['as_of']} now")
            for what in ("drafts", *(f"recheck {pid}" for pid in after[code]["rechecks"])):
                old, new = self._pair(before[code], after[code], what)
                gone = Counter(map(_key, old)) - Counter(map(_key, new))
                added = Counter(map(_key, new)) - Counter(map(_key, old))
                if gone or added:
                    problems.append(
                        f"{code} {what}: {sum(gone.values())} drafts gone, {sum(added.values())} new"
                    )
                    for k in list(gone)[:3]:
                        problems.append(f"  - {k[:400]}")
                    for k in list(added)[:3]:
                        problems.append(f"  + {k[:400]}")
            self.stdout.write(f"{code}: {len(after[code]['drafts'])} drafts compared")
        return problems

    @staticmethod
    def _pair(before: dict[str, Any], after: dict[str, Any], what: str) -> tuple[list[Any], list[Any]]:
        if what == "drafts":
            return before["drafts"], after["drafts"]
        pid = what.removeprefix("recheck ")
        return before["rechecks"].get(pid, []), after["rechecks"][pid]
