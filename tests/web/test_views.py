"""Pages of the pairings app: who may see each page, who gets a 404, and constant query counts on lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from devtools import factories as f
from pairings.choices import PairingStatus

D = dt.date
ROLES = ["province", "city_a", "city_b", "county_a", "alice", "bob", "charlie", "dana", "dashboard", "nobody"]
# Who sees pairing A (recipient 榆中县第一人民医院) — everyone whose scope reaches it, nobody else.
SEES_A = {"province", "city_a", "county_a", "alice", "charlie", "dashboard"}


@pytest.fixture(autouse=True)
def _chinese_then_restore():
    """Render in the default language, and leave no language active for the next test (a request that
    switched to English would otherwise leak it into code that renders outside a request)."""
    with translation.override("zh-hans"):
        yield


def login(client, world, name):
    client.force_login(world.users[name])
    return client


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- log-in and home ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["home", "pairings:list", "pairings:hospital_list"])
def test_anonymous_is_sent_to_login(client, db, url_name):
    # when an anonymous visitor opens a page
    response = client.get(reverse(url_name))
    # then they are redirected to the log-in page with a way back
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_chinese_and_labelled(client, db):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert '<label for="id_username">用户名</label>' in html
    assert 'class="skip-link"' in html


def test_wrong_password_shows_an_error_and_changes_nothing(client, world):
    # when alice types a wrong password
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong-password"})
    # then the form says so and she stays anonymous
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_the_right_password_lands_on_home(client, world):
    response = client.post(reverse("login"), {"username": "alice", "password": f.DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize(
    ("user", "kind"),
    [
        ("province", "commission"),
        ("city_a", "commission"),
        ("county_a", "commission"),
        ("charlie", "supporter"),
        ("alice", "recipient"),
        ("dashboard", "dashboard"),
        ("nobody", "none"),
    ],
)
def test_home_page_per_role(client, world, user, kind):
    # when each role opens the home page
    response = login(client, world, user).get(reverse("home"))
    # then it gets the page of its role
    assert response.status_code == 200
    assert response.context["kind"] == kind
    assert f'data-kind="{kind}"' in response.content.decode()


def test_home_shows_the_role_badge_and_only_allowed_nav_links(client, world):
    html = login(client, world, "charlie").get(reverse("home")).content.decode()
    assert 'data-testid="role-badge"' in html
    assert "支援医院联络员" in html and "兰州大学第一医院" in html
    # the pairing list is for everyone; the roster filing queue is not a supporter's page
    assert reverse("pairings:list") in html
    assert 'aria-current="page"' in html


def test_as_of_replays_another_day_and_a_bad_value_is_a_400(client, world):
    c = login(client, world, "province")
    assert c.get(reverse("home"), {"as_of": "2023-05-10"}).context["as_of"] == D(2023, 5, 10)
    assert c.get(reverse("home"), {"as_of": ""}).context["as_of"] is not None
    # a value that is no date is said to be wrong (core.query_params), not silently replaced by today
    response = c.get(reverse("home"), {"as_of": "not-a-date"})
    assert response.status_code == 400 and "参数 as_of 无效" in response.content.decode()


# --- pairing list -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ROLES)
def test_pairing_list_shows_only_the_users_pairings(client, world, user):
    # when each role lists pairings
    response = login(client, world, user).get(reverse("pairings:list"))
    html = response.content.decode()
    # then it sees pairing A exactly when its scope reaches it
    assert response.status_code == 200
    assert ("榆中县第一人民医院" in html) == (user in SEES_A)
    shown = {p.pk for p in response.context["page"]}
    assert (world.pairing_a.pk in shown) == (user in SEES_A)


def test_pairing_list_filters_by_city_and_searches(client, world):
    c = login(client, world, "province")
    by_city = c.get(reverse("pairings:list"), {"city": world.city_b.pk})
    assert [p.pk for p in by_city.context["page"]] == [world.pairing_b.pk]
    by_name = c.get(reverse("pairings:list"), {"q": "榆中"})
    assert [p.pk for p in by_name.context["page"]] == [world.pairing_a.pk]
    # the search also finds a pairing by its supporter's name
    by_supporter = c.get(reverse("pairings:list"), {"q": "天水市第一"})
    assert [p.pk for p in by_supporter.context["page"]] == [world.pairing_b.pk]


def test_pairing_list_filters_open_findings_and_tcm(client, world):
    finding(world.pairing_b, "COVERAGE_GAP")
    c = login(client, world, "province")
    with_findings = c.get(reverse("pairings:list"), {"has_open_findings": "true"})
    assert [p.pk for p in with_findings.context["page"]] == [world.pairing_b.pk]
    assert with_findings.context["page"][0].open_findings == 1
    assert list(c.get(reverse("pairings:list"), {"tcm": "true"}).context["page"]) == []


def test_a_city_filter_cannot_name_another_city(client, world):
    # given city A staff who cannot see city B
    response = login(client, world, "city_a").get(reverse("pairings:list"), {"city": world.city_b.pk})
    # then the choice is refused (not an option) and nothing of city B is listed
    assert "秦安县人民医院" not in response.content.decode()


def test_htmx_request_gets_only_the_results_fragment(client, world):
    response = login(client, world, "province").get(reverse("pairings:list"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-testid="pairing-table"' in html
    assert "<html" not in html


def test_pairing_list_is_paginated(client, world):
    for _ in range(30):
        f.PairingFactory(program=world.program)
    c = login(client, world, "province")
    first = c.get(reverse("pairings:list"))
    assert len(first.context["page"]) == 25
    assert first.context["page"].paginator.count == 32
    second = c.get(reverse("pairings:list"), {"page": 2})
    assert len(second.context["page"]) == 7
    assert 'rel="prev"' in second.content.decode()


def test_pairing_list_query_count_is_constant(client, world):
    c = login(client, world, "province")
    url = reverse("pairings:list")
    few = count_queries(c, url)
    # given many more pairings, each with supporters and open findings
    for _ in range(12):
        p = f.PairingFactory(program=world.program)
        finding(p, "TEAM_MIN_SIZE")
    # then the page needs exactly as many queries
    assert count_queries(c, url) == few


# --- pairing detail -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ROLES)
def test_pairing_detail_role_matrix(client, world, user):
    # when each role opens pairing A
    response = login(client, world, user).get(reverse("pairings:detail", args=[world.pairing_a.pk]))
    # then those who may see it get the page and everyone else a 404 (never a 403 that leaks existence)
    assert response.status_code == (200 if user in SEES_A else 404)


def test_missing_pairing_is_404(client, world):
    assert login(client, world, "province").get(reverse("pairings:detail", args=[999999])).status_code == 404


@pytest.fixture
def gap_pairing(world):
    """Pairing A in 2023: a leader Jan–Jun, a member Jan–Feb, then nobody 1–15 July, then a member."""
    team = f.TeamFactory(pairing=world.pairing_a, year=2023, rotation=1)
    leader = f.DeploymentFactory(
        team=team,
        role="leader",
        post="副院长",
        planned_start=D(2023, 1, 1),
        planned_end=D(2023, 6, 30),
        staff=f.StaffFactory(employer=world.supporter_a, name="王队长", phone="13812345678"),
    )
    f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 2, 28))
    f.DeploymentFactory(team=team, planned_start=D(2023, 7, 16), planned_end=D(2023, 12, 31))
    return leader


def test_detail_timeline_shows_gap_leader_and_under_strength(client, world, gap_pairing):
    response = login(client, world, "province").get(
        reverse("pairings:detail", args=[world.pairing_a.pk]), {"year": 2023}
    )
    html = response.content.decode()
    timeline = response.context["d"].timeline
    # the gap is found by the shared head-count intervals and drawn with its dates
    assert [(s.start, s.end) for s in timeline.gaps] == [(D(2023, 7, 1), D(2023, 7, 15))]
    assert '<g class="tl-gap" data-start="2023-07-01" data-end="2023-07-15">' in html
    # TEAM_MIN_SIZE (5 for a general hospital): every staffed day is under strength
    assert timeline.minimum == 5
    assert 'class="tl-under"' in html
    # the leader has its own class and label; the second half of the year has no leader
    assert 'class="tl-deployment tl-leader"' in html and "队长 王队长" in html
    assert any(s.start == D(2023, 7, 16) and s.leaders == 0 for s in timeline.leader_issues)


def test_detail_masks_personal_data_unless_allowed(client, world, gap_pairing):
    url = reverse("pairings:detail", args=[world.pairing_a.pk]) + "?year=2023"
    html = login(client, world, "charlie").get(url).content.decode()
    assert "138****5678" in html and "13812345678" not in html
    # a member allowed to see personal data sees the full number
    membership = world.users["province"].membership
    membership.can_see_personal_data = True
    membership.save()
    html = login(client, world, "province").get(url).content.decode()
    assert "13812345678" in html


def test_detail_lists_supporters_agreements_and_open_findings(client, world):
    second = f.HospitalFactory(province=world.province, name="天津医科大学总医院")
    world.pairing_a.supporters.create(hospital=second, is_lead=False)
    agreement = f.AgreementFactory(pairing=world.pairing_a, title="榆中三方协议")
    agreement.items.create(kind="task", description="开展胸痛中心建设", status="in_progress")
    finding(world.pairing_a, "AGREEMENT_SIGNED")
    url = reverse("pairings:detail", args=[world.pairing_a.pk])
    html = login(client, world, "alice").get(url).content.decode()
    assert "兰州大学第一医院" in html and "牵头医院" in html and "天津医科大学总医院" in html
    assert "榆中三方协议" in html and "开展胸痛中心建设" in html and "进行中" in html
    assert "AGREEMENT_SIGNED" in html


def test_detail_year_defaults_into_the_service_period(client, world):
    response = login(client, world, "province").get(
        reverse("pairings:detail", args=[world.pairing_a.pk]), {"year": 2010}
    )
    assert response.context["d"].year in response.context["d"].years


def test_detail_query_count_does_not_grow_with_teams(client, world, gap_pairing):
    # given one agreement (an empty prefetch issues no query, so start from one)
    f.AgreementFactory(pairing=world.pairing_a)
    c = login(client, world, "province")
    url = reverse("pairings:detail", args=[world.pairing_a.pk]) + "?year=2023"
    few = count_queries(c, url)
    # when teams, deployments, agreements and items are added
    for rotation in range(2, 6):
        team = f.TeamFactory(pairing=world.pairing_a, year=2023, rotation=rotation)
        f.DeploymentFactory(team=team, planned_start=D(2023, 8, 1), planned_end=D(2023, 9, 30))
        agreement = f.AgreementFactory(
            pairing=world.pairing_a, kind="annual", year=2023 + rotation, title=f"年度补充协议{rotation}"
        )
        agreement.items.create(kind="goal", description="目标")
    assert count_queries(c, url) == few


# --- hospital registry --------------------------------------------------------------------------------------


def test_hospital_list_is_scoped_and_filtered(client, world):
    c = login(client, world, "city_a")
    names = {h.name for h in c.get(reverse("pairings:hospital_list")).context["page"]}
    assert "榆中县第一人民医院" in names and "秦安县人民医院" not in names
    recipients = c.get(reverse("pairings:hospital_list"), {"role": "recipient"}).context["page"]
    assert {h.name for h in recipients} == {"榆中县第一人民医院"}


def test_hospital_list_query_count_is_constant(client, world):
    c = login(client, world, "province")
    url = reverse("pairings:hospital_list")
    few = count_queries(c, url)
    for _ in range(15):
        f.RecipientFactory(province=world.province, city=world.city_a, county=world.county_a)
    assert count_queries(c, url) == few


# --- helpers ------------------------------------------------------------------------------------------------


def finding(pairing, rule_code, severity="major", status="open"):
    from django.utils import timezone

    from assessments.models import Finding

    now = timezone.now()
    return Finding.objects.create(
        rule_code=rule_code,
        severity=severity,
        program=pairing.program,
        pairing=pairing,
        subject_type="pairing",
        subject_id=pairing.pk,
        message=f"{rule_code} 测试问题",
        fingerprint=f"{rule_code}-{pairing.pk}-{severity}-{now.timestamp()}",
        status=status,
        first_seen=now,
        last_seen=now,
    )


def test_status_filter_lists_suspended_pairings(client, world):
    world.pairing_b.status = PairingStatus.SUSPENDED
    world.pairing_b.save()
    c = login(client, world, "province")
    page = c.get(reverse("pairings:list"), {"status": "suspended"}).context["page"]
    assert [p.pk for p in page] == [world.pairing_b.pk]


def test_english_is_selectable_and_sticks(client, world):
    c = login(client, world, "province")
    # when the user picks English with the language buttons of the header
    response = c.post(reverse("set_language"), {"language": "en", "next": reverse("pairings:list")})
    assert response.status_code == 302
    html = c.get(reverse("pairings:list")).content.decode()
    # then the page, the nav and the shared choice labels are English
    assert '<html lang="en">' in html
    assert "<h1>Pairings</h1>" in html and ">Hospitals<" in html and "Active" in html
    assert "帮扶中" not in html


def test_numbers_use_thousands_separators_and_dates_are_chinese(rf):
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    # given a list of 12,345 rows
    page = Paginator(range(12345), 25).get_page(2)
    context = {"page": page, "query": "city=3"}
    html = render_to_string("includes/pagination.html", context, request=rf.get("/"))
    # then the total reads with a thousands separator and the links keep the filters
    assert "共 12,345 条，当前显示第 26–50 条" in html
    assert 'href="?city=3&amp;page=3"' in html
    from django.template import Context, Template

    assert Template('{{ d|date:"Y年n月j日" }}').render(Context({"d": D(2023, 7, 1)})) == "2023年7月1日"


def test_the_commission_chart_names_rules_by_title_not_code(client, world):
    # given an open finding of the coverage rule in the province
    finding(world.pairing_a, "COVERAGE_GAP")
    # when province staff open the home page
    charts = login(client, world, "province").get(reverse("home")).context["charts"]
    chart = str(charts["findings"])
    # then the findings chart labels the bar with the rule's Chinese title, not its code
    assert "COVERAGE_GAP" not in chart
    from assessments.rules.base import get_rule

    assert str(get_rule("COVERAGE_GAP").title) in chart
