"""Property-based run of the pages: random query strings for the parameters they read, and random form
posts, as a logged-in province user. Checks: never a server error (the API has test_schemathesis.py).

Bounded and deterministic (``derandomize``, fixed example counts), well under a minute. A failure prints
the request Hypothesis shrank it to; reproduce it as a case in test_bad_input.py, then fix at the root.
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import populate

# The query-string parameters the pages and filter forms read.
PARAMS = [
    "year",
    "month",
    "as_of",
    "page",
    "cursor",
    "program",
    "pairing",
    "status",
    "q",
    "kind",
    "rule_code",
    "severity",
    "hospital",
    "city",
    "county",
    "fragment",
    "code",
    "updated_since",
    "ordering",
]

# Values that broke pages before, or that parsers commonly choke on, mixed with random text.
TRICKY = [
    "",
    "0",
    "-1",
    "²",
    "٣",
    "２０２４",
    "9999",
    "99999999999999999999",
    "1e400",
    "nan",
    "9999-12",
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "2024-13",
    "２０２４-０５-１０",
    "2024-05-10",
    "2023-05",
    "2023",
    "cD1hYmM=",
    "\x00",
    "%00",
    "abc",
    "1.5",
    "[]",
    "' OR 1=1 --",
    "<script>",
    "𝟚𝟘𝟚𝟛",
]

values = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=string.digits + "-/:.+ eE", max_size=12),
    st.text(max_size=12),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)
queries = st.dictionaries(st.sampled_from(PARAMS), values, max_size=4)


def _pages(world: Any, made: dict[str, Any]) -> list[str]:
    names = [
        "home",
        "pairings:list",
        "pairings:hospital_list",
        "teams:roster_list",
        "teams:roster_queue",
        "teams:attendance_monthly",
        "teams:attendance_unmatched",
        "teams:attendance_upload",
        "assessments:monthly_assessments",
        "assessments:spot_checks",
        "assessments:end_appraisals",
        "assessments:annual_appraisals",
        "assessments:annual_scorecard",
        "assessments:finding_list",
        "assessments:report_list",
        "assessments:certificate_verify",
        "assessments:county_outcomes",
    ]
    return [reverse(n) for n in names] + [
        reverse("pairings:detail", args=[world.pairing_a.pk]),
        reverse("teams:roster_detail", args=[made["roster"].pk]),
        reverse("assessments:finding_detail", args=[made["finding"].pk]),
        reverse("assessments:capacity", args=[world.pairing_a.pk]),
    ]


# Form posts: (URL, the form's field names); rows come from the API tests' populate().
def _forms(world: Any, made: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [
        (reverse("assessments:annual_appraisal_compute"), ["program", "year"]),
        (reverse("assessments:annual_appraisal_publish"), ["program", "year"]),
        (
            reverse("assessments:annual_scorecard"),
            [
                "program",
                "note",
                "weight_attendance",
                "weight_coverage",
                "band_excellent",
                "band_pass",
                "reset",
            ],
        ),
        (
            reverse("assessments:annual_appraisal_adjust", args=[made["annual-appraisal"].pk]),
            ["adjustment", "reason"],
        ),
        (reverse("assessments:report_create"), ["program", "kind", "year"]),
        (
            reverse("assessments:county_outcomes"),
            ["county", "year", "in_county_visit_rate", "county_hospitalisation_rate", "referrals_up", "note"],
        ),
        (reverse("assessments:rule_run_start"), ["program", "pairing"]),
        (reverse("assessments:finding_waive", args=[made["finding"].pk]), ["reason"]),
        (reverse("teams:roster_action", args=[made["roster"].pk, "return"]), ["comment", "next", "entry"]),
        (reverse("teams:roster_action", args=[made["roster"].pk, "remove_entry"]), ["entry"]),
        (reverse("teams:attendance_unmatched"), ["hospital", "userid", "staff"]),
    ]


@pytest.fixture
def fuzz(world: Any) -> tuple[Client, list[str], list[tuple[str, list[str]]]]:
    made = populate(world.pairing_a)
    client = Client(raise_request_exception=False)
    client.force_login(world.users["province"])
    return client, _pages(world, made), _forms(world, made)


def test_random_query_strings_never_answer_500(fuzz: Any) -> None:
    client, pages, _forms_ = fuzz
    failures: list[str] = []

    @given(page=st.sampled_from(pages), query=queries)
    @settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def check(page: str, query: dict[str, str]) -> None:
        response = client.get(page, query)
        if response.status_code >= 500:
            failures.append(f"GET {page} {query!r} → {response.status_code}")
        assert response.status_code < 500

    try:
        check()
    finally:
        assert not failures, "\n".join(sorted(set(failures))[:20])


def test_random_form_posts_never_answer_500(fuzz: Any) -> None:
    client, _pages_, forms = fuzz
    failures: list[str] = []

    @given(form=st.sampled_from(forms), data=st.data())
    @settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def check(form: tuple[str, list[str]], data: st.DataObject) -> None:
        url, fields = form
        body = data.draw(st.dictionaries(st.sampled_from(fields), values, max_size=len(fields)))
        response = client.post(url, body)
        if response.status_code >= 500:
            failures.append(f"POST {url} {body!r} → {response.status_code}")
        assert response.status_code < 500

    try:
        check()
    finally:
        assert not failures, "\n".join(sorted(set(failures))[:20])
