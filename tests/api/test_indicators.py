"""/api/v1/indicators/: the API returns exactly what the shared selector computes, scoped per user."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.urls import reverse

from assessments.api.serializers import IndicatorsSerializer
from assessments.selectors import indicator_facts
from assessments.selectors.indicators import IndicatorQuery, indicators
from devtools import factories as f
from pairings.models import Pairing
from teams.selectors.attendance import monthly_attendance
from teams.selectors.deployments import coverage_summaries, headcount_intervals
from tests.api.conftest import client_for, populate

URL = "api:indicators"


def _setup(world: Any) -> None:
    # pairing A: every kind of row (one member on site 2023-01-01 … 06-30, an open finding, a built centre …)
    populate(world.pairing_a)


def test_api_numbers_equal_the_selector(world: Any) -> None:
    # given data in pairing A and a period
    _setup(world)
    user = world.users["province"]
    params = {"program": world.program.pk, "date_from": "2023-01-01", "date_to": "2023-12-31"}
    # when the API is asked
    response = client_for(user).get(reverse(URL), params)
    assert response.status_code == 200
    # then it is the selector's result, number for number
    query = IndicatorQuery(
        program_id=world.program.pk, date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31)
    )
    expected = json.loads(
        json.dumps(IndicatorsSerializer(indicators(user=user, query=query)).data, default=str)
    )
    assert response.json() == expected


def test_coverage_uses_the_shared_headcount_computation(world: Any) -> None:
    _setup(world)
    body = (
        client_for(world.users["province"])
        .get(
            reverse(URL), {"pairing": world.pairing_a.pk, "date_from": "2023-01-01", "date_to": "2023-12-31"}
        )
        .json()
    )
    intervals = headcount_intervals(
        pairing_ids=[world.pairing_a.pk], date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31)
    )
    summary = coverage_summaries(intervals, minimum_for={world.pairing_a.pk: 5})[world.pairing_a.pk]
    coverage = body["coverage"]
    # one member on site Jan–Jun, nobody after: 181 covered days, one gap, never at full strength
    assert (
        (coverage["period_days"], coverage["covered_days"])
        == (365, 181)
        == (
            summary.period_days,
            summary.covered_days,
        )
    )
    assert coverage["gap_count"] == 1 and coverage["gaps"] == [
        {"pairing": world.pairing_a.pk, "start": "2023-07-01", "end": "2023-12-31"}
    ]
    assert coverage["full_strength_days"] == 0 and coverage["team_size_compliance_rate"] == 0.0
    assert body["findings_open"]["total"] == 1
    assert body["findings_open"]["by_rule_and_severity"] == [
        {"rule_code": "TEAM_MIN_SIZE", "severity": "major", "count": 1}
    ]
    assert body["appraisals"]["grades"]["good"] == 1
    assert body["capacity"]["centres_built"] == 1 and body["capacity"]["new_technology_cases"] == 12
    # trainee stint 2023-03-01 … 08-31 is six months: it counts against the quota of 3 a year
    assert body["training"] == {"trainees": 1, "qualifying_trainees": 1, "quota": 3, "quota_rate": 0.3333}
    # the attendance rate is the shared monthly computation's present / expected over the period
    rows = monthly_attendance(
        pairing_ids=[world.pairing_a.pk], month_from=dt.date(2023, 1, 1), month_to=dt.date(2023, 12, 31)
    )
    expected_days = sum(r.expected for r in rows)
    assert expected_days > 0
    assert body["attendance_rate"] == round(sum(r.present for r in rows) / expected_days, 4)


def test_indicators_are_scoped_to_the_caller(world: Any) -> None:
    _setup(world)
    bob = client_for(world.users["bob"]).get(reverse(URL)).json()
    alice = client_for(world.users["alice"]).get(reverse(URL)).json()
    city_b = client_for(world.users["city_b"]).get(reverse(URL), {"city": world.city_b.pk}).json()
    assert (alice["pairings"], bob["pairings"], city_b["pairings"]) == (1, 1, 1)
    assert alice["findings_open"]["total"] == 1
    assert bob["findings_open"]["total"] == 0 and city_b["findings_open"]["total"] == 0
    # asking for a foreign pairing gives nothing rather than its numbers
    peek = client_for(world.users["bob"]).get(reverse(URL), {"pairing": world.pairing_a.pk}).json()
    assert peek["pairings"] == 0 and peek["coverage"]["period_days"] == 0


def test_indicators_validate_their_parameters(world: Any) -> None:
    client = client_for(world.users["province"])
    bad = client.get(reverse(URL), {"date_from": "2023-12-31", "date_to": "2023-01-01"})
    assert bad.status_code == 400 and "date_to" in bad.json()["error"]["fields"]
    assert client.get(reverse(URL), {"program": "x"}).status_code == 400
    assert client_for(None).get(reverse(URL)).status_code == 401


def test_indicators_etag(world: Any) -> None:
    client = client_for(world.users["province"])
    first = client.get(reverse(URL))
    assert client.get(reverse(URL), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_indicator_query_count_does_not_grow_with_pairings(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(6):
        populate(f.PairingFactory(program=world.program))
    assert Pairing.objects.count() == 8
    client = client_for(world.users["province"])
    # The facts' recomputation after a write is counted in tests/assessments/test_indicator_facts.py.
    indicator_facts.ensure_fresh(list(Pairing.objects.values_list("pk", flat=True)))
    with django_assert_max_num_queries(20):
        assert client.get(reverse(URL)).status_code == 200


def test_a_query_kept_by_the_process_answers_as_a_new_one(world: Any, settings: Any) -> None:
    # given the answer cache off (every answer computed) and data in pairing A
    settings.API_CACHE_ENABLED = False
    _setup(world)
    client = client_for(world.users["province"])
    params = {"program": world.program.pk, "date_from": "2023-01-01", "date_to": "2023-12-31"}
    first = client.get(reverse(URL), params)
    # when the same query comes again (its parsed form kept), and with each parameter given twice (the
    # last value counts, as for the serializer), then the answers are the same bytes
    assert client.get(reverse(URL), params).content == first.content
    twice = {key: [str(value), str(value)] for key, value in params.items()}
    assert client.get(reverse(URL), twice).content == first.content
    # and another user's same query is answered for that user, not from the first
    other = client_for(world.users["bob"]).get(reverse(URL), params).json()
    assert (first.json()["pairings"], other["pairings"]) == (2, 1)
    # and an invalid query is refused every time (it is never kept)
    bad = {"date_from": "2023-12-31", "date_to": "2023-01-01"}
    assert [client.get(reverse(URL), bad).status_code for _ in range(2)] == [400, 400]
