"""Helpers shared by the rule tests: a one-pairing program and a way to evaluate one rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assessments.rules.base import Draft
from assessments.services.findings import rules_evaluate
from devtools import factories as f

D = dt.date
AS_OF = D(2026, 6, 1)


def program(**kw: Any) -> Any:
    kw.setdefault("code", "R2023")
    kw.setdefault("start_date", D(2023, 1, 1))
    kw.setdefault("end_date", D(2023, 12, 31))
    return f.ProgramFactory(**kw)


def pairing(prog: Any, **kw: Any) -> Any:
    kw.setdefault("service_start", prog.start_date)
    kw.setdefault("service_end", prog.end_date)
    return f.PairingFactory(program=prog, **kw)


def evaluate(
    prog: Any, code: str, *, as_of: dt.date = AS_OF, pairing_ids: list[int] | None = None
) -> list[Draft]:
    prog.refresh_from_db()
    return rules_evaluate(program=prog, as_of=as_of, codes=[code], pairing_ids=pairing_ids).get(code, [])


def periods(drafts: list[Draft]) -> list[tuple[Any, Any]]:
    return [(d.period_start, d.period_end) for d in drafts]
