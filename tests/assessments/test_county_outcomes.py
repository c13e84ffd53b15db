"""County outcome indicators (issue 14 item 9): entered by the county health bureau, shown against the
program's targets on the page, in the API (own endpoint and /indicators/) and in the annual workbook."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from assessments.models import CountyOutcome
from assessments.reports.official_docx import build_provincial_docx
from assessments.reports.provincial import render_provincial_html
from assessments.reports.workbook import build_annual_workbook
from assessments.services.county_outcomes import CountyOutcomeData, county_outcome_create
from pairings.choices import ProgramPreset
from pairings.presets import PRESETS
from pairings.services.api_clients import api_client_create
from tests.api.conftest import client_for, token_client

URL = reverse("assessments:county_outcomes")
API = reverse("api:county-outcome-list")


@pytest.fixture
def gd(co_world):
    """The world's program on the Guangdong preset (targets ≈ 90 %, ≥ 85 %, ≈ 65 %)."""
    co_world.program.preset = ProgramPreset.GUANGDONG_2019
    co_world.program.save()
    return co_world


def enter(world, county=None, year=2025, **values):
    data = CountyOutcomeData(year=year, **values)
    return county_outcome_create(user=world.users["province"], county=county or world.county_a, data=data)


def form(world, **over):
    data = {
        "county": world.county_a.pk,
        "year": 2025,
        "in_county_visit_rate": "91.5",
        "county_hospitalisation_rate": "80",
        "grassroots_visit_share": "66",
        "referrals_up": 120,
        "referrals_down": 300,
        "outward_transfer_rate": "8.5",
    }
    data.update(over)
    return data


def test_guangdong_preset_carries_the_targets_with_document_and_clause():
    settings = PRESETS["guangdong_2019"].settings
    assert settings["outcome_in_county_visit_rate"].value == 0.9
    assert settings["outcome_county_hospitalisation_rate"].value == 0.85
    assert settings["outcome_grassroots_visit_share"].value == 0.65
    assert "85%" in settings["outcome_county_hospitalisation_rate"].clause
    assert settings["outcome_grassroots_visit_share"].document.startswith("粤府办")


def test_page_role_matrix_and_targets(gd, client):
    enter(gd, in_county_visit_rate=Decimal("91.5"), county_hospitalisation_rate=Decimal("80"))
    enter(gd, county=gd.county_b, in_county_visit_rate=Decimal("70"))
    query = f"?program={gd.program.pk}&year=2025"
    seen = {
        "province": {"榆中县", "秦安县"},
        "city_a": {"榆中县"},
        "county_a": {"榆中县"},
        "city_b": {"秦安县"},
    }
    for who, counties in seen.items():
        client.force_login(gd.users[who])
        page = client.get(URL + query).content.decode()
        assert {c for c in ("榆中县", "秦安县") if f"<strong>{c}</strong>" in page} == counties, who
    client.force_login(gd.users["county_a"])
    page = client.get(URL + query).content.decode()
    assert "91.50%" in page and "目标 ≈90%" in page and "目标 ≥85%" in page
    assert "未达到" in page and "达到" in page
    assert 'data-testid="county-outcome-form"' in page
    # the county's and the province's home pages lead to it
    for who in ("county_a", "province"):
        client.force_login(gd.users[who])
        assert 'data-testid="home-county-outcomes"' in client.get(reverse("home")).content.decode(), who
    # hospital coordinators and another province have no such page
    for who in ("alice", "charlie", "erin", "zoe"):
        client.force_login(gd.users[who])
        resp = client.get(URL + query)
        assert resp.status_code == 404 or "榆中县" not in resp.content.decode(), who


def test_county_staff_enter_and_update_a_year(gd, client):
    client.force_login(gd.users["county_a"])
    resp = client.post(URL + f"?program={gd.program.pk}&year=2025", form(gd))
    assert resp.status_code == 302
    o = CountyOutcome.objects.get()
    assert (o.county, o.year, o.in_county_visit_rate, o.referrals_down) == (
        gd.county_a,
        2025,
        Decimal("91.5"),
        300,
    )
    client.post(URL, form(gd, county_hospitalisation_rate="86"))
    o.refresh_from_db()
    assert o.county_hospitalisation_rate == Decimal("86") and CountyOutcome.objects.count() == 1


@pytest.mark.parametrize("who", ["city_a", "alice", "charlie", "erin", "county_a"])
def test_refused_and_bad_writes_change_nothing(gd, client, who):
    enter(gd, in_county_visit_rate=Decimal("50"))
    before = list(CountyOutcome.objects.values_list())
    client.force_login(gd.users[who])
    if who == "county_a":
        # a rate over 100 % and another county are refused with the reason, nothing written
        resp = client.post(URL, form(gd, in_county_visit_rate="120"))
        assert resp.status_code == 400 and "100" in resp.content.decode()
        resp = client.post(URL, form(gd, county=gd.county_b.pk))
        assert resp.status_code == 400
    else:
        assert client.post(URL, form(gd)).status_code in (403, 404)
    assert list(CountyOutcome.objects.values_list()) == before


def test_service_refuses_another_county(gd):
    with pytest.raises(PermissionDenied):
        county_outcome_create(
            user=gd.users["county_a"], county=gd.county_b, data=CountyOutcomeData(year=2025)
        )
    assert not CountyOutcome.objects.exists()


def test_api_writes_and_matrix(gd):
    _client, token = api_client_create(user=gd.users["province"], name="省级看板", province=gd.province)
    body = {"county": gd.county_a.pk, "year": 2025, "in_county_visit_rate": "88.00"}
    created = client_for(gd.users["county_a"]).post(API, body, format="json")
    assert created.status_code == 201, created.content
    detail = reverse("api:county-outcome-detail", args=[created.json()["id"]])
    patched = client_for(gd.users["county_a"]).patch(detail, {"referrals_up": 7}, format="json")
    assert patched.status_code == 200 and patched.json()["in_county_visit_rate"] == "88.00"
    before = list(CountyOutcome.objects.values_list())
    for who in ("city_a", "province"):
        assert client_for(gd.users[who]).get(detail).status_code == 200
    assert client_for(gd.users["city_a"]).patch(detail, {"referrals_up": 1}, format="json").status_code == 403
    assert token_client(token).get(detail).status_code == 200
    for who in ("alice", "charlie", "erin", "bob", "city_b", "zoe", "yan"):
        c = client_for(gd.users[who])
        assert c.get(detail).status_code == 404, who
        assert c.patch(detail, {"referrals_up": 1}, format="json").status_code == 404, who
        assert c.post(API, dict(body, year=2024), format="json").status_code in (400, 403), who
    bad = client_for(gd.users["county_a"]).post(
        API, dict(body, year=2024, in_county_visit_rate="101"), format="json"
    )
    assert bad.status_code == 400 and "in_county_visit_rate" in bad.json()["error"]["fields"]
    assert list(CountyOutcome.objects.values_list()) == before


def test_indicators_api_lists_figures_with_targets(gd):
    enter(gd, year=2024, in_county_visit_rate=Decimal("89"))
    enter(gd, year=2025, in_county_visit_rate=Decimal("91"))
    data = client_for(gd.users["province"]).get(reverse("api:indicators"), {"date_from": "2025-01-01"}).json()
    [row] = data["county_outcomes"]
    assert (row["county"], row["year"], row["in_county_visit_rate"]) == (gd.county_a.pk, 2025, "91.00")
    assert row["targets"] == {
        "in_county_visit_rate": "90.00",
        "county_hospitalisation_rate": "85.00",
        "grassroots_visit_share": "65.00",
    }
    # a hospital coordinator's indicators carry no county statistics
    alice = client_for(gd.users["alice"]).get(reverse("api:indicators")).json()
    assert alice["county_outcomes"] == []


def test_annual_workbook_has_the_county_sheet(gd):
    enter(gd, year=2023, in_county_visit_rate=Decimal("91"), county_hospitalisation_rate=Decimal("80"))
    out = io.BytesIO()
    build_annual_workbook(program=gd.program, year=2023, out=out)
    ws = load_workbook(io.BytesIO(out.getvalue()), read_only=True)["县域指标"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    assert rows[0][:4] == ("市州", "县区", "县域内就诊率", "目标")
    a = next(r for r in rows[1:] if r[1] == "榆中县")
    assert a[2] == pytest.approx(0.91) and a[3] == pytest.approx(0.9) and a[5] == pytest.approx(0.85)
    assert a[-1] == "未达目标：县域内住院率（%）"
    b = next(r for r in rows[1:] if r[1] == "秦安县")
    assert b[-1] == "未填报"
    assert dt.date.today().year >= 2023


def test_the_pdf_and_word_reports_carry_the_county_section(gd, co_world):
    # given one county's figures against the Guangdong targets
    enter(gd, year=2023, in_county_visit_rate=Decimal("91"), county_hospitalisation_rate=Decimal("80"))
    # then the PDF's HTML has the section, the targets once and each county's line
    html = render_provincial_html(program=gd.program, year=2023)
    assert "六、县域医疗服务指标" in html and "县域内就诊率 90.0%" in html
    assert "91.0%" in html and "未达目标：县域内住院率（%）" in html and "未填报" in html
    # and so has the Word report, whose next heading moves down one
    out = io.BytesIO()
    build_provincial_docx(program=gd.program, year=2023, out=out)
    doc = Document(io.BytesIO(out.getvalue()))
    texts = [p.text for p in doc.paragraphs]
    assert "四、县域医疗服务指标" in texts and "五、下一步工作" in texts
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "榆中县" in cells and "91.0%" in cells


def test_a_report_without_targets_or_figures_has_no_county_section(co_world):
    # a program whose preset sets no outcome targets, and no county entered anything
    html = render_provincial_html(program=co_world.program, year=2023)
    assert "县域医疗服务指标" not in html
