"""Role matrix of the deployed person and the team leader (issue 19): a member sees only their own records;
a leader also the team's deployments, attendance and reports — never the team's scores or ID numbers;
nobody else gains anything from these roles, and their pages and endpoints refuse the other roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Certificate, MonthlyAssessment, SpotCheck
from devtools import factories as f
from teams.models import AttendanceRecord, Deployment, MonthlyActivity, Roster, Staff
from teams.services import leave as leave_svc
from teams.services import work_reports as wr

User = get_user_model()


def u(name):
    return User.objects.get(username={"province": "prov"}.get(name, name))


@pytest.fixture
def records(people):
    out = {}
    for name in ("leader", "mei", "mu", "bo"):
        dep = getattr(people, name)
        out[name] = {
            "attendance": f.AttendanceFactory(deployment=dep, date=people.month),
            "assessment": f.MonthlyAssessmentFactory(
                deployment=dep, month=people.month, score=70 + len(name)
            ),
            "activity": MonthlyActivity.objects.create(
                deployment=dep, month=people.month, outpatient_visits=9
            ),
        }
    appraisal = f.EndOfStintAppraisalFactory(deployment=people.mu)
    out["certificate"] = Certificate.objects.create(
        appraisal=appraisal, number="C-1", verification_code="v-1", issued_on=people.month
    )
    SpotCheck.objects.create(deployment=people.mei, checked_at=people.team.start_date.isoformat() + "T09:00Z",
                             reached=True)  # fmt: skip
    return out


def ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_a_member_sees_only_their_own_records(people, records):
    mei = u("mei")
    assert ids(Deployment.objects.for_user(mei)) == {people.mei.pk}
    assert ids(Deployment.objects.for_user(mei, scope=Deployment.RECORDS_SCOPE)) == {people.mei.pk}
    assert ids(AttendanceRecord.objects.for_user(mei)) == {records["mei"]["attendance"].pk}
    assert ids(MonthlyActivity.objects.for_user(mei)) == {records["mei"]["activity"].pk}
    assert ids(MonthlyAssessment.objects.for_user(mei)) == {records["mei"]["assessment"].pk}
    assert ids(Staff.objects.for_user(mei)) == {people.mei.staff_id}
    # spot checks are the supporter's supervision, rosters the coordinator's files
    assert not SpotCheck.objects.for_user(mei).exists() and not Roster.objects.for_user(mei).exists()
    # another member's certificate is not theirs; the owner sees it
    assert not Certificate.objects.for_user(mei).exists()
    assert ids(Certificate.objects.for_user(u("mu"))) == {records["certificate"].pk}


def test_a_leader_sees_the_teams_work_but_not_its_scores(people, records):
    lin = u("lin")
    team = {people.leader.pk, people.mei.pk, people.mu.pk}
    assert ids(Deployment.objects.for_user(lin)) == team
    assert ids(AttendanceRecord.objects.for_user(lin)) == {
        records[n]["attendance"].pk for n in ("leader", "mei", "mu")
    }
    assert ids(MonthlyActivity.objects.for_user(lin)) == {
        records[n]["activity"].pk for n in ("leader", "mei", "mu")
    }
    assert ids(Staff.objects.for_user(lin)) == {
        people.leader.staff_id,
        people.mei.staff_id,
        people.mu.staff_id,
    }
    # scores, appraisals and certificates stay personal
    assert ids(MonthlyAssessment.objects.for_user(lin)) == {records["leader"]["assessment"].pk}
    assert not Certificate.objects.for_user(lin).exists()


def test_another_teams_person_sees_nothing_of_this_team(people, records):
    bo = u("bo")
    assert ids(Deployment.objects.for_user(bo)) == {people.bo.pk}
    assert ids(MonthlyActivity.objects.for_user(bo)) == {records["bo"]["activity"].pk}
    assert not Staff.objects.for_user(bo).filter(pk=people.mei.staff_id).exists()


@pytest.mark.parametrize(
    ("who", "home", "team", "confirm", "accounts"),
    [
        ("mei", 200, 403, 403, 403),
        ("lin", 200, 200, 403, 403),
        ("alice", 403, 403, 200, 403),
        ("charlie", 403, 403, 403, 200),
        ("erin", 403, 403, 403, 200),
        ("province", 403, 403, 403, 403),
        ("city_a", 403, 403, 403, 403),
        ("county_a", 403, 403, 403, 403),
        ("zoe", 403, 403, 403, 403),
    ],
)
def test_pages_role_matrix(people, records, client, who, home, team, confirm, accounts):
    client.force_login(u(who))
    assert client.get(reverse("me_home")).status_code == home
    assert client.get(reverse("me:team")).status_code == team
    assert client.get(reverse("teams:reports_to_confirm")).status_code == confirm
    assert client.get(reverse("teams:account_list")).status_code == accounts


def test_the_home_redirects_people_to_their_workspace_and_shows_only_their_own(people, records, client):
    client.force_login(u("mu"))
    assert client.get(reverse("home")).url == reverse("me_home")
    page = client.get(reverse("me_home")).content.decode()
    assert people.mu.team.pairing.recipient.name in page and "C-1" in page
    assert people.mei.staff.name not in page and people.mu.staff.national_id not in page


def test_me_api_role_matrix(people, records, client):
    for who, expected in [("mei", {people.mei.pk}), ("lin", {people.leader.pk}), ("bo", {people.bo.pk}),
                          ("alice", set()), ("charlie", set()), ("province", set())]:  # fmt: skip
        client.force_login(u(who))
        got = {d["id"] for d in client.get("/api/v1/me/deployments/").json()["results"]}
        assert got == expected, who
        reports = client.get("/api/v1/me/reports/").json()["results"]
        assert {r["deployment"] for r in reports} == expected, who


def test_me_api_writes_are_refused_to_others_and_change_nothing(people, client):
    body = {"deployment": people.mei.pk, "month": people.month.isoformat(), "outpatient_visits": 5}
    for who in ("alice", "charlie", "province", "mu", "lin"):
        client.force_login(u(who))
        r = client.post("/api/v1/me/reports/", body, content_type="application/json")
        assert r.status_code in (400, 403), who
    assert not MonthlyActivity.objects.exists()
    client.force_login(u("mei"))
    r = client.post("/api/v1/me/reports/", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "submitted"
    bad = client.post("/api/v1/me/reports/", {**body, "surgeries": -1}, content_type="application/json")
    assert bad.status_code == 400 and "surgeries" in bad.content.decode()


def test_the_leader_reads_the_team_through_the_api_with_ids_masked(people, records, client):
    client.force_login(u("lin"))
    staff = client.get("/api/v1/staff/").json()["results"]
    assert {s["id"] for s in staff} == {people.leader.staff_id, people.mei.staff_id, people.mu.staff_id}
    assert all("*" in s["national_id"] for s in staff)
    scores = client.get("/api/v1/monthly-assessments/").json()["results"]
    assert {s["deployment"] for s in scores} == {people.leader.pk}


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_and_endpoints_take_a_fixed_number_of_queries(people, records, client):
    """More reports, leave and people do not cost more queries (no query per row)."""
    urls = {
        "mu": [reverse("me_home"), "/api/v1/me/deployments/", "/api/v1/me/reports/", "/api/v1/me/leave/",
               reverse("me:leave")],
        "lin": [reverse("me:team")],
        "alice": [reverse("teams:reports_to_confirm"), reverse("teams:leave_queue")],
        "charlie": [reverse("teams:account_list")],
    }  # fmt: skip

    def counts():
        out = {}
        for who, paths in urls.items():
            client.force_login(u(who))
            for path in paths:
                out[path] = _queries(client, path)
        return out

    before = counts()
    # more rows of every kind: a second team member's report and leave, mu's older months
    for dep, who in ((people.mei, "mei"), (people.mu, "mu")):
        MonthlyActivity.objects.filter(deployment=dep).delete()
        wr.work_report_submit(user=u(who), deployment=dep, month=people.month, figures={"surgeries": 1},
                              narrative={"work_done": "x"})  # fmt: skip
        day = max(dep.start, people.month)
        item = leave_svc.leave_request(user=u(who), deployment=dep, start_date=day, end_date=day, reason="x")
        leave_svc.leave_approve(user=u("lin"), leave=item)
    for i in range(1, 4):
        month = (people.month - dt.timedelta(days=28 * i)).replace(day=1)
        MonthlyActivity.objects.create(deployment=people.mu, month=month, outpatient_visits=i)
    assert counts() == before
