"""Rectification (限期整改) on the calendar and as notices; new findings announced to the hospital."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Q

from assessments.models import Finding
from assessments.services.findings import rules_check
from assessments.services.rectifications import rectification_answer, rectification_assign
from reminders.choices import DeadlineKind, DeadlineStatus
from reminders.models import Notification
from reminders.selectors.deadlines import deadlines_for
from reminders.services import notices
from reminders.services.reminders import reminders_send_due


def _titles(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_rectification_is_a_deadline_of_the_hospital_and_a_notice_both_ways(
    live: Any, today: dt.date
) -> None:
    # given a rule run: new findings are announced to the hospitals concerned, once per hospital
    rules_check(program=live.program, as_of=today)
    assert any(t.startswith("本院新增问题") for t in _titles(live.users["alice"]))
    gap = Finding.objects.filter(pairing=live.pairing_a, rule_code="COVERAGE_GAP").first()
    assert gap is not None
    # when the province assigns it to recipient A, due on Thursday 2026-09-24
    rect = rectification_assign(
        user=live.users["province"],
        findings=[gap],
        hospital=live.recipient_a,
        due_date=dt.date(2026, 9, 24),
        instruction="补齐派驻人员，提交排班表",
    )
    assert any("限期整改" in t and "2026-09-24" in t for t in _titles(live.users["alice"]))
    assert not any("限期整改" in t for t in _titles(live.users["bob"]))
    items = [
        d
        for d in deadlines_for(
            live.users["alice"], first=today, last=today + dt.timedelta(days=30), today=today
        )
        if d.kind == DeadlineKind.RECTIFICATION
    ]
    (item,) = items
    assert (item.due, item.status, item.hospital_id) == (
        dt.date(2026, 9, 24),
        DeadlineStatus.DUE_SOON,
        live.recipient_a.pk,
    )
    assert item.url.endswith(f"/rectifications/{rect.pk}/")
    assert (
        deadlines_for(
            live.users["bob"],
            first=today,
            last=today + dt.timedelta(days=30),
            today=today,
            kinds=["rectification"],
        )
        == []
    )
    # the sweep reminds alice (the hospital that must act)
    reminders_send_due()
    assert any("限期整改 3 天后截止" in t for t in _titles(live.users["alice"]))
    # when alice answers, the province hears of it and the deadline is done
    rectification_answer(user=live.users["alice"], rectification=rect, text="已补齐人员。")
    assert any(t.startswith("整改已答复") for t in _titles(live.users["province"]))
    (item,) = deadlines_for(
        live.users["alice"],
        first=today,
        last=today + dt.timedelta(days=30),
        today=today,
        kinds=["rectification"],
    )
    assert item.status == DeadlineStatus.DONE


@pytest.mark.parametrize("few_ids", [notices._FEW_IDS, 0], ids=["looked-up-by-id", "matched-as-a-set"])
def test_new_findings_are_announced_once_per_hospital_with_their_number(
    live: Any, today: dt.date, few_ids: int, monkeypatch: Any
) -> None:
    # (a first national sweep's thousands of new findings are counted as a whole set: the same numbers)
    monkeypatch.setattr(notices, "_FEW_IDS", few_ids)
    # when a first rule run opens findings
    rules_check(program=live.program, as_of=today)
    # then each recipient's coordinator is told how many concern that hospital: its own findings, and a
    # pairing's findings with no hospital of their own count for the pairing's recipient
    for user, hospital in (("alice", live.recipient_a), ("bob", live.recipient_b)):
        n = Finding.objects.filter(
            Q(hospital=hospital) | Q(hospital__isnull=True, pairing__recipient=hospital)
        ).count()
        titles = [t for t in _titles(live.users[user]) if t.startswith("本院新增问题")]
        assert n > 0
        assert titles == [f"本院新增问题 {n} 条"]
