"""本院考核结果 (issue 15 "Both"): a hospital's coordinator sees its pairings' published annual results
with the figures behind each score, the 通报批评 / 表扬 naming them and the rectifications addressed to it;
a draft is never shown to a hospital (neither here nor on the annual list and detail pages)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.choices import AppraisalStatus, RectificationStatus
from assessments.models import AnnualAppraisal, Rectification
from devtools import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("assessments:own_results")

BREAKDOWN = {
    "indicators": [
        {"code": "coverage", "label": "全年有人在岗", "weight": 20, "ratio": 0.5, "score": "10.0",
         "figures": {"covered_days": {"label": "在岗天数", "value": 183}}},
    ]
}  # fmt: skip


def _annual(pairing, *, year=2023, status=AppraisalStatus.PUBLISHED, grade="good", score=85):
    return AnnualAppraisal.objects.create(
        pairing=pairing, year=year, status=status, computed_score=score, score=score, grade=grade,
        breakdown=BREAKDOWN, computed_at=timezone.now(),
        published_at=timezone.now() if status == AppraisalStatus.PUBLISHED else None,
    )  # fmt: skip


def _rectify(w, pairing, hospital, instruction):
    return Rectification.objects.create(
        program=w.program, pairing=pairing, hospital=hospital, instruction=instruction,
        due_date=dt.date(2024, 3, 31), assigned_by=w.users["province"],
    )  # fmt: skip


@pytest.fixture
def results(co_world):
    w = co_world
    _annual(w.pairing_a, grade="excellent", score=95)  # supporters of A commended
    _annual(w.pairing_b, grade="fail", score=50)  # supporter B criticised
    # A draft (2024) of pairing A graded 不合格: the commission's work in progress, never a hospital's.
    _annual(w.pairing_a, year=2024, status=AppraisalStatus.DRAFT, grade="fail", score=41)
    _rectify(w, w.pairing_a, w.supporter_a, "补齐派驻人员-甲")
    _rectify(w, w.pairing_a, w.recipient_a, "完善协议事项-乙")
    _rectify(w, w.pairing_b, w.supporter_b, "整改考勤-丙")
    return w


def _page(client, user):
    client.force_login(user)
    resp = client.get(URL)
    return resp.status_code, resp.content.decode() if resp.status_code == 200 else ""


# who: (sees pairing A's result, sees B's, rectifications it sees)
MATRIX = {
    "charlie": (True, False, {"补齐派驻人员-甲"}),
    "erin": (True, False, set()),  # co-supporter of A: the result yes, charlie's rectification no
    "alice": (True, False, {"完善协议事项-乙"}),
    "bob": (False, True, set()),
    "dana": (False, True, {"整改考勤-丙"}),
    "yan": (False, False, set()),  # another province
}


@pytest.mark.parametrize(("who", "expected"), MATRIX.items())
def test_hospital_sees_its_own_published_results(results, client, who, expected):
    sees_a, sees_b, rectifications = expected
    status, html = _page(client, results.users[who])
    assert status == 200
    assert (
        (results.recipient_a.name + " · ") in html
        if sees_a
        else (results.recipient_a.name + " · ") not in html
    )
    assert ("秦安县人民医院 · " in html) is sees_b
    for text in ("补齐派驻人员-甲", "完善协议事项-乙", "整改考勤-丙"):
        assert (text in html) is (text in rectifications)
    # never the draft: its year, its score, its grade
    # (the score as the page prints it, "41.0": a bare "41" can occur in the random CSRF token)
    assert "2024 年度" not in html and "41.0" not in html


@pytest.mark.parametrize("who", ["province", "city_a", "county_a", "zoe"])
def test_commission_staff_use_the_annual_list_instead(results, client, who):
    status, _html = _page(client, results.users[who])
    assert status == 403


def test_page_shows_figures_criticism_commendation_and_links(results, client):
    w = results
    _status, html = _page(client, w.users["charlie"])
    assert "在岗天数：183" in html and "全年有人在岗" in html  # the figures behind the score
    assert 'data-testid="commendation"' in html and w.supporter_a.name in html
    assert 'data-testid="criticism"' not in html
    rect = Rectification.objects.get(hospital=w.supporter_a)
    assert reverse("assessments:rectification_detail", args=[rect.pk]) in html and "答复整改" in html
    assert f"{reverse('agreements:overview')}?program={w.program.pk}&amp;year=2023" in html
    _status, html = _page(client, w.users["dana"])
    assert 'data-testid="criticism"' in html and "年度考核不合格" in html


def test_answered_rectification_is_only_viewed(results, client):
    Rectification.objects.filter(hospital=results.supporter_a).update(status=RectificationStatus.ANSWERED)
    _status, html = _page(client, results.users["charlie"])
    assert "补齐派驻人员-甲" in html and "答复整改" not in html


def test_draft_not_shown_on_annual_pages_to_hospitals(results, client):
    draft = AnnualAppraisal.objects.get(status=AppraisalStatus.DRAFT)
    client.force_login(results.users["charlie"])
    assert client.get(reverse("assessments:annual_appraisal_detail", args=[draft.pk])).status_code == 404
    html = client.get(
        reverse("assessments:annual_appraisals"), {"program": results.program.pk, "year": 2024}
    ).content.decode()
    assert "草稿" not in html
    client.force_login(results.users["province"])
    assert client.get(reverse("assessments:annual_appraisal_detail", args=[draft.pk])).status_code == 200


def test_query_count_does_not_grow_with_pairings(results, client):
    w = results
    client.force_login(w.users["charlie"])
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    for _ in range(3):
        r = f.RecipientFactory(province=w.province, city=w.city_a, county=w.county_a)
        p = f.PairingFactory(program=w.program, recipient=r, supporter=w.supporter_a)
        _annual(p)
        _rectify(w, p, w.supporter_a, "再整改")
    with CaptureQueriesContext(connection) as after:
        html = client.get(URL).content.decode()
    assert html.count('data-testid="own-result"') == 4
    assert len(after) == len(before)


def test_nav_links_the_page_for_hospitals_only(results, client):
    client.force_login(results.users["alice"])
    assert "本院考核结果" in client.get(reverse("home")).content.decode()
    client.force_login(results.users["province"])
    assert "本院考核结果" not in client.get(reverse("home")).content.decode()
