"""Open findings counted ahead per program, rule, severity and period (``OpenFindingCount``, issue 18): the
findings' statement-level triggers keep the counts equal to a count of the findings after every kind of
write, and the indicators read them where the user sees findings through the program — with the same
answer as counting the findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from assessments.api.serializers import IndicatorsSerializer
from assessments.choices import FindingStatus
from assessments.models import Finding, OpenFindingCount
from assessments.selectors.indicators import IndicatorQuery, indicators
from assessments.services.findings import finding_reopen, finding_waive, rules_check
from assessments.services.rectifications import (
    rectification_accept,
    rectification_answer,
    rectification_assign,
)
from pairings.models import Pairing
from tests.assessments.rules_helpers import AS_OF

pytestmark = pytest.mark.django_db

KEY = ("program_id", "rule_code", "severity", "period_start", "period_end")
ROLES = ("province", "dashboard", "city_a", "alice")


def counted() -> list[tuple[Any, ...]]:
    return sorted(OpenFindingCount.objects.values_list(*KEY, "n"), key=str)


def actual() -> list[tuple[Any, ...]]:
    rows = Finding.objects.filter(status=FindingStatus.OPEN).values(*KEY).annotate(n=Count("pk")).order_by()
    return sorted((tuple(r[k] for k in KEY) + (r["n"],) for r in rows), key=str)


def answers(world: Any, superuser: Any) -> dict[str, bytes]:
    """Each role's indicators of the program and of everything, from the facts, asserted to be the bytes of
    the computation that counts the findings themselves."""
    out = {}
    users = {**{name: world.users[name] for name in ROLES}, "super": superuser}
    for name, user in users.items():
        for query in (
            IndicatorQuery(program_id=world.program.pk),
            IndicatorQuery(date_from=dt.date(2023, 1, 1)),
        ):
            body = JSONRenderer().render(
                IndicatorsSerializer(indicators(user=user, query=query, facts=True)).data
            )
            computed = indicators(user=user, query=query, facts=False)
            assert body == JSONRenderer().render(IndicatorsSerializer(computed).data), (name, query)
            out[f"{name} {query}"] = body
    return out


def test_counts_follow_every_write_to_findings_and_the_indicators_with_them(world: Any) -> None:
    # given a program checked once: a coverage gap open on each pairing
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    prov = world.users["province"]
    rules_check(program=world.program, as_of=AS_OF)
    assert actual() and counted() == actual()
    before = answers(world, superuser)
    gap_a = Finding.objects.get(rule_code="COVERAGE_GAP", pairing=world.pairing_a)

    def rectified() -> None:
        rectification = rectification_assign(
            user=prov,
            findings=[Finding.objects.get(pk=gap_a.pk)],
            hospital=world.recipient_a,
            due_date=timezone.localdate() + dt.timedelta(days=30),
            instruction="补齐派驻人员",
        )
        rectification_answer(user=world.users["alice"], rectification=rectification, text="已补派2人")
        rectification_accept(user=prov, rectification=rectification, comment="同意")

    steps: list[tuple[str, Callable[[], object], bool]] = [
        # (what is written, the write, whether the open findings change)
        (
            "a rerun that sees every finding again",
            lambda: rules_check(program=world.program, as_of=AS_OF),
            False,
        ),
        ("a waiver", lambda: finding_waive(user=prov, finding=gap_a, reason="已知情况"), True),
        ("a reopening", lambda: finding_reopen(user=prov, finding=Finding.objects.get(pk=gap_a.pk)), True),
        ("a rectification accepted", rectified, True),
        (
            # findings of 2022 now reach into the asked period (from 2023)
            "a bulk update of the periods",
            lambda: Finding.objects.filter(pairing=world.pairing_b).update(period_end=dt.date(2026, 1, 31)),
            True,
        ),
        (
            "a pairing deleted (its findings cascade)",
            lambda: Pairing.objects.filter(pk=world.pairing_b.pk).delete(),
            True,
        ),
    ]
    for label, write, changes in steps:
        # when the findings are written through the services, the ORM or a cascade
        write()
        # then the counts are a count of the open findings, with no key left at zero
        assert counted() == actual(), label
        assert not OpenFindingCount.objects.filter(n__lte=0).exists(), label
        # and every role's indicators are the computation's, changed exactly when the open findings changed
        after = answers(world, superuser)
        assert (after != before) == changes, label
        before = after
    # and a truncation empties them
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction has deferred checks pending
        cur.execute("TRUNCATE assessments_finding CASCADE")
    assert counted() == actual() == []


def test_the_indicators_read_the_counts_only_where_findings_are_seen_through_the_program(world: Any) -> None:
    # given open findings, and counts that (for this test only) say more than the findings do
    rules_check(program=world.program, as_of=AS_OF)
    OpenFindingCount.objects.update(n=1000)
    keys = OpenFindingCount.objects.count()
    query = IndicatorQuery(program_id=world.program.pk)

    def total(name: str, query: IndicatorQuery = query) -> int:
        return int(indicators(user=world.users[name], query=query, facts=True)["findings_open"]["total"])

    def seen(name: str, **kw: Any) -> int:
        mine = Finding.objects.for_user(world.users[name]).filter(status=FindingStatus.OPEN, **kw)
        return int(mine.count())

    # when the province and its dashboard ask for a whole program: the counts are read
    assert total("province") == total("dashboard") == 1000 * keys
    # when a city is asked for, or by those who see findings through their pairings: the findings are
    city = IndicatorQuery(program_id=world.program.pk, city_id=world.city_a.pk)
    assert total("province", city) == seen("province", pairing__recipient__city=world.city_a) > 0
    for name in ("city_a", "county_a", "alice", "charlie"):
        assert 0 < total(name) == seen(name) < 1000, name


def test_the_counts_are_scoped_as_findings_through_the_program_and_nowhere_else() -> None:
    # Reading the counts instead of the findings is right only while both are seen the same way through the
    # program: a change to Finding.SCOPE's province path, oversight or dashboard visibility must come here.
    counts, findings = OpenFindingCount.SCOPE, Finding.SCOPE
    assert counts.province == findings.province == "program__province"
    assert (counts.oversight, counts.dashboard) == (findings.oversight, findings.dashboard)
    assert counts.city is counts.county is counts.hospital_province is counts.person is counts.team is None
    assert counts.hospital == ()
