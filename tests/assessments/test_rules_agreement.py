"""AGREEMENT_ITEMS_OVERDUE: open agreement items past their due date, at the day boundary."""

from __future__ import annotations

from typing import Any

import pytest

from devtools import factories as f
from pairings.models import AgreementItem
from tests.assessments.rules_helpers import D, evaluate, pairing, program

pytestmark = pytest.mark.django_db


def _item(agreement: Any, due: Any, **kw: Any) -> AgreementItem:
    kw.setdefault("kind", "milestone")
    kw.setdefault("description", "开展腹腔镜手术")
    return AgreementItem.objects.create(agreement=agreement, due_date=due, **kw)


def test_item_due_on_the_run_date_is_not_yet_overdue_and_the_day_after_it_is():
    # given an open item due 2023-06-30
    prog = program()
    p = pairing(prog)
    item = _item(f.AgreementFactory(pairing=p), D(2023, 6, 30))
    # when evaluated on its due date, then nothing is found
    assert evaluate(prog, "AGREEMENT_ITEMS_OVERDUE", as_of=D(2023, 6, 30)) == []
    # when evaluated the day after, then the item is overdue, against the agreement's supporter
    [d] = evaluate(prog, "AGREEMENT_ITEMS_OVERDUE", as_of=D(2023, 7, 1))
    assert d.pairing_id == p.pk
    assert d.hospital_id == p.supporters.get(is_lead=True).hospital_id
    assert d.evidence["item"] == item.pk
    assert d.evidence["due"] == "2023-06-30"
    assert d.severity == "minor"


def test_done_cancelled_and_undated_items_are_never_overdue():
    # given items done, cancelled, delayed and without a due date, all before the run date
    prog = program()
    a = f.AgreementFactory(pairing=pairing(prog))
    _item(a, D(2023, 1, 31), status="done", completed_on=D(2023, 3, 1))
    _item(a, D(2023, 1, 31), status="cancelled")
    _item(a, None)
    delayed = _item(a, D(2023, 1, 31), status="delayed")
    # when evaluated, then only the delayed (open) item is found
    found = evaluate(prog, "AGREEMENT_ITEMS_OVERDUE", as_of=D(2023, 7, 1))
    assert [d.evidence["item"] for d in found] == [delayed.pk]


def test_two_overdue_items_of_one_pairing_are_two_findings():
    # given two open items of one agreement past due
    prog = program()
    a = f.AgreementFactory(pairing=pairing(prog))
    first, second = _item(a, D(2023, 2, 1)), _item(a, D(2023, 3, 1), description="建立胸痛中心")
    # when evaluated, then each item has its own finding (distinct fingerprints)
    found = evaluate(prog, "AGREEMENT_ITEMS_OVERDUE", as_of=D(2023, 7, 1))
    assert sorted(d.evidence["item"] for d in found) == [first.pk, second.pk]
    assert len({d.fingerprint(prog.pk) for d in found}) == 2


def test_switched_off_by_the_parameter():
    prog = program(params={"agreement_items_overdue": False})
    _item(f.AgreementFactory(pairing=pairing(prog)), D(2023, 2, 1))
    assert evaluate(prog, "AGREEMENT_ITEMS_OVERDUE", as_of=D(2023, 7, 1)) == []
