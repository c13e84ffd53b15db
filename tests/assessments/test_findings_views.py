"""Findings pages: role matrix (who sees, who gets 404, who may waive), filters, constant query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Finding, RuleRun
from assessments.services.findings import rules_check
from devtools import factories as f
from tests.assessments.rules_helpers import AS_OF, D, pairing

SEES_A = {"province": True, "city_a": True, "city_b": False, "county_a": True, "alice": True, "bob": False,
          "charlie": True, "dana": False, "dashboard": True, "nobody": False}  # fmt: skip


@pytest.fixture
def checked(world):
    rules_check(program=world.program, as_of=AS_OF)
    return world


def gap(world, p):
    return Finding.objects.get(rule_code="COVERAGE_GAP", pairing=p)


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(("who", "sees"), SEES_A.items())
def test_finding_detail_role_matrix(client, checked, who, sees):
    finding = gap(checked, checked.pairing_a)
    resp = login(client, checked.users[who]).get(reverse("assessments:finding_detail", args=[finding.pk]))
    assert resp.status_code == (200 if sees else 404)
    if sees:
        assert finding.message in resp.content.decode()
        assert "2022-01-01" in resp.content.decode()  # the evidence is shown


@pytest.mark.parametrize(("who", "sees"), SEES_A.items())
def test_finding_list_shows_only_the_users_findings(client, checked, who, sees):
    resp = login(client, checked.users[who]).get(reverse("assessments:finding_list"))
    assert resp.status_code == 200
    rows = {fd.pairing_id for fd in resp.context["page"].object_list}
    assert (checked.pairing_a.pk in rows) is sees
    if who in ("alice", "charlie", "city_a", "county_a"):
        assert checked.pairing_b.pk not in rows


def test_anonymous_is_sent_to_login(client, checked):
    resp = client.get(reverse("assessments:finding_list"))
    assert resp.status_code == 302 and "login" in resp["Location"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 302), ("city_a", 403), ("county_a", 403), ("alice", 403), ("charlie", 403),
     ("dashboard", 403), ("city_b", 404), ("bob", 404), ("nobody", 404)],
)  # fmt: skip
def test_waive_role_matrix(client, checked, who, status):
    finding = gap(checked, checked.pairing_a)
    resp = login(client, checked.users[who]).post(
        reverse("assessments:finding_waive", args=[finding.pk]), {"reason": "经审核同意豁免"}
    )
    assert resp.status_code == status
    finding.refresh_from_db()
    assert finding.status == ("waived" if status == 302 else "open")


def test_waive_without_reason_shows_the_error_and_changes_nothing(client, checked):
    finding = gap(checked, checked.pairing_a)
    resp = login(client, checked.users["province"]).post(
        reverse("assessments:finding_waive", args=[finding.pk]), {"reason": "  "}
    )
    assert resp.status_code == 400 and resp.context["form"].errors
    finding.refresh_from_db()
    assert finding.status == "open"


def test_reopen_via_the_page(client, checked):
    finding = gap(checked, checked.pairing_a)
    c = login(client, checked.users["province"])
    c.post(reverse("assessments:finding_waive", args=[finding.pk]), {"reason": "理由"})
    c.post(reverse("assessments:finding_reopen", args=[finding.pk]))
    finding.refresh_from_db()
    assert finding.status == "open"


def test_filters_by_rule_severity_status_and_city(client, checked):
    c = login(client, checked.users["province"])
    url = reverse("assessments:finding_list")
    rows = c.get(url, {"rule_code": "COVERAGE_GAP"}).context["page"].object_list
    assert {fd.rule_code for fd in rows} == {"COVERAGE_GAP"} and len(rows) == 2
    rows = c.get(url, {"severity": "critical", "city": checked.city_b.pk}).context["page"].object_list
    assert [(fd.rule_code, fd.pairing_id) for fd in rows] == [("COVERAGE_GAP", checked.pairing_b.pk)]
    assert list(c.get(url, {"status": "waived"}).context["page"].object_list) == []


def test_list_query_count_is_constant_as_rows_grow(client, world, django_assert_max_num_queries):
    c = login(client, world.users["province"])
    rules_check(program=world.program, as_of=AS_OF)
    with django_assert_max_num_queries(12) as small:
        c.get(reverse("assessments:finding_list"))
    for _ in range(8):
        p = pairing(world.program)
        team = f.TeamFactory(pairing=p, year=2023, start_date=D(2023, 1, 1))
        f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 3, 1))
    rules_check(program=world.program, as_of=AS_OF)
    with django_assert_max_num_queries(len(small.captured_queries)):
        resp = c.get(reverse("assessments:finding_list"))
    assert len(resp.context["page"].object_list) > 20


def test_province_staff_start_a_run_and_watch_it(client, checked, django_capture_on_commit_callbacks):
    c = login(client, checked.users["province"])
    with django_capture_on_commit_callbacks() as callbacks:
        resp = c.post(reverse("assessments:rule_run_start"), {"program": checked.program.pk})
    run = RuleRun.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "assessments:rule_run_status", args=[run.pk]
    )
    assert len(callbacks) == 1 and run.started_by == checked.users["province"]
    page = c.get(resp["Location"])
    assert page.status_code == 200 and "fragment=1" in page.content.decode()
    fragment = c.get(resp["Location"], {"fragment": "1"})
    assert fragment.status_code == 200 and 'id="run-status"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


@pytest.mark.parametrize("who", ["alice", "charlie", "county_a", "dashboard", "nobody"])
def test_others_cannot_start_a_program_run(client, checked, who):
    resp = login(client, checked.users[who]).post(
        reverse("assessments:rule_run_start"), {"program": checked.program.pk}
    )
    assert resp.status_code in (403, 404) and not RuleRun.objects.exists()


def test_city_staff_recheck_their_pairing_only(client, checked, django_capture_on_commit_callbacks):
    c = login(client, checked.users["city_a"])
    url = reverse("assessments:rule_run_start")
    assert c.post(url, {"program": checked.program.pk, "pairing": checked.pairing_b.pk}).status_code == 404
    with django_capture_on_commit_callbacks():
        resp = c.post(url, {"program": checked.program.pk, "pairing": checked.pairing_a.pk})
    run = RuleRun.objects.get()
    assert resp.status_code == 302 and run.pairing == checked.pairing_a
    # their run is visible to them; a run of the whole program is not
    assert c.get(reverse("assessments:rule_run_status", args=[run.pk])).status_code == 200
    other = RuleRun.objects.create(program=checked.program)
    assert c.get(reverse("assessments:rule_run_status", args=[other.pk])).status_code == 404
