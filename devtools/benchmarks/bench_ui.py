"""UI pages under load: the pairing list and the commission home page with many pairings.

Everything is created inside a transaction that is rolled back, so the database is left as it was, also
when a run is interrupted. The province has a code and a name of its own: ``ProvinceFactory`` gets a
province by code, so a shared code would put another suite's leftover pairings (the rules suite's province
``99``) into this suite's lists and break the comparison of the two.
Baseline: the naive list (one query per row for supporters, lead and open findings) against the set-based
selector the page uses; the page itself is timed through Django's test client (render included).
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments.models import Finding
from core.roles import Role
from devtools.benchmarks.runner import BenchContext, stopwatch
from pairings.models import Pairing
from web.selectors import pairings as selectors

D = dt.date
PROVINCE_CODE = "BENCH-UI"
REPEAT = 9


class _Rollback(Exception):
    pass


def run(ctx: BenchContext) -> None:
    n = 60 if ctx.quick else 400
    try:
        with transaction.atomic():
            _run(ctx, n)
            raise _Rollback
    except _Rollback:
        pass


def _run(ctx: BenchContext, n: int) -> None:
    from devtools import factories as f

    province = f.ProvinceFactory(code=PROVINCE_CODE, name="界面基准省")
    if Pairing.objects.filter(program__province=province).exists():
        raise RuntimeError(f"province {PROVINCE_CODE} already has pairings: the comparison needs its own")
    city = f.CityFactory(province=province)
    program = f.ProgramFactory(code="BENCH-UI", province=province)
    user = f.make_member("bench-ui-prov", Role.PROVINCE_STAFF, province=province)
    now = dt.datetime.now(dt.UTC)
    for i in range(n):
        pairing = f.PairingFactory(
            program=program, recipient=f.RecipientFactory(province=province, city=city)
        )
        team = f.TeamFactory(pairing=pairing, year=2023, rotation=1)
        for k in range(3):
            f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1 + k), planned_end=D(2023, 6, 30 - k))
        Finding.objects.create(
            rule_code="TEAM_MIN_SIZE",
            severity="major",
            program=program,
            pairing=pairing,
            subject_type="pairing",
            subject_id=pairing.pk,
            message="bench",
            fingerprint=f"bench-ui-{i}",
            first_seen=now,
            last_seen=now,
        )

    # Fresh statistics, as a live database has them (ANALYZE runs inside the rolled-back transaction).
    with connection.cursor() as cur:
        tables = ["pairings_pairing", "pairings_pairingsupporter", "pairings_hospital", "assessments_finding"]
        for table in [*tables, "teams_team", "teams_deployment"]:
            cur.execute(f"ANALYZE {table}")
    connection.queries_log.clear()  # the setup filled the query log; counts below start from zero

    def naive() -> list[tuple[Any, ...]]:
        rows = []
        for p in selectors.Pairing.objects.for_user(user).select_related("recipient__county__city")[:n]:
            lead = p.supporters.filter(is_lead=True).select_related("hospital").first()
            rows.append(
                (
                    p.recipient.name,
                    p.supporters.count(),
                    lead and lead.hospital.name,
                    p.findings.filter(status="open").count(),
                )
            )
        return rows

    def set_based() -> list[tuple[Any, ...]]:
        return [
            (p.recipient.name, p.supporter_count, p.lead_name, p.open_findings)
            for p in selectors.pairing_list(user=user)[:n]
        ]

    with CaptureQueriesContext(connection) as q_naive, stopwatch() as t_naive:
        expected = naive()
    with CaptureQueriesContext(connection) as q_set, stopwatch() as t_set:
        got = set_based()
    assert sorted(got) == sorted(expected)
    ctx.report(
        f"pairing list rows ×{n} (set-based selector)",
        t_set["seconds"],
        baseline_name="per-row queries",
        baseline_seconds=t_naive["seconds"],
        queries=len(q_set),
        baseline_queries=len(q_naive),
    )

    client = Client()
    client.force_login(user)
    # The htmx fragment skips the filter form, whose <select>s list every visible supporter, city and county.
    for name, url, headers in [
        ("GET /pairings/ (page of 25)", "/pairings/", {}),
        ("GET /pairings/?q=县 htmx fragment", "/pairings/?q=%E5%8E%BF", {"HX-Request": "true"}),
        ("GET / commission home", "/?as_of=2023-03-15", {}),
    ]:
        client.get(url, headers=headers)  # warm-up
        # The median of several requests: one request's time swings by 2× on a shared machine.
        times = []
        for _ in range(REPEAT):
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as q, stopwatch() as t:
                response = client.get(url, headers=headers)
            assert response.status_code == 200
            times.append(t["seconds"])
        ctx.report(
            f"{name}, {n} pairings",
            statistics.median(times),
            queries=len(q),
            target="< 0.5 s",
            fastest=round(min(times), 3),
            requests=REPEAT,
        )
