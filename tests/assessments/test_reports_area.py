"""City- and county-scoped reports (issue 14 item 6): who builds and reads which, and what a build holds."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document

from assessments.choices import JobStatus, ReportKind
from assessments.models import ReportFile
from assessments.reports.area import ReportArea
from assessments.reports.official_docx import build_provincial_docx
from assessments.reports.provincial import provincial_context
from assessments.services.reports import report_build
from tests.assessments.test_reports import data  # noqa: F401 - the shared report fixture

NEW = "/assessments/reports/new/"


def _post(client, user, program, **fields):
    client.force_login(user)
    return client.post(
        NEW, {"program": program.pk, "kind": ReportKind.PROVINCIAL_DOCX, "year": 2023, **fields}
    )


def _texts(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs if p.text.strip()]


def test_a_city_build_holds_only_the_citys_pairings(world, data):  # noqa: F811
    # given two pairings, one in each city
    # when the city's report context and Word document are built
    ctx = provincial_context(program=world.program, year=2023, area=ReportArea.of_city(world.city_a))
    out = io.BytesIO()
    build_provincial_docx(
        program=world.program,
        year=2023,
        out=out,
        issued_on=dt.date(2024, 1, 15),
        area=ReportArea.of_city(world.city_a),
    )
    # then only pairing A is in it, broken down by county
    assert [r.pairing_id for r in ctx["rows"]] == [world.pairing_a.pk]
    assert [name for name, _v in ctx["by_city"]] == [world.county_a.name]
    doc = Document(io.BytesIO(out.getvalue()))
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    # and the Word report is the city's: its title, addressed to the province, signed by the city
    assert texts[0] == f"关于2023年度{world.city_a.name}{world.program.name}对口帮扶工作情况的报告"
    assert texts[1] == f"{world.province.name}卫生健康委员会："
    assert any("全年共有帮扶关系1个" in t for t in texts)
    assert texts[-2] == f"{world.city_a.name}卫生健康委员会"
    table = doc.tables[-1]
    assert table.rows[0].cells[0].text == "县（市、区）"
    assert [row.cells[0].text for row in table.rows[1:]] == [world.county_a.name]
    assert world.recipient_b.name not in "".join(texts)


def test_a_county_user_builds_its_county_report(world, data, client):  # noqa: F811
    # when county staff ask for the county's Word report on the page
    response = _post(client, world.users["county_a"], world.program, area=f"county:{world.county_a.pk}")
    # then one report of the county (and its city) is queued
    assert response.status_code == 302
    report = ReportFile.objects.get()
    assert (report.county, report.city, report.requested_by) == (
        world.county_a,
        world.city_a,
        world.users["county_a"],
    )
    # and built, it is the county bureau's report of its one pairing
    report = report_build(report_id=report.pk)
    assert report.status == JobStatus.DONE
    texts = _texts(report.file.read())
    assert texts[1] == f"{world.city_a.name}卫生健康委员会："
    assert texts[-2] == f"{world.county_a.name}卫生健康局"
    assert any("全年共有帮扶关系1个" in t for t in texts)
    # and the county downloads it
    response = client.get(f"/assessments/reports/{report.pk}/download/")
    assert response.status_code == 200
    assert (
        world.county_a.name in response["Content-Disposition"]
        or "filename*" in response["Content-Disposition"]
    )


def test_a_city_pdf_report_renders(world, data):  # noqa: F811
    report = ReportFile.objects.create(
        program=world.program, kind=ReportKind.PROVINCIAL_REPORT, year=2023, city=world.city_a
    )
    report = report_build(report_id=report.pk)
    assert report.status == JobStatus.DONE and report.file.read(4) == b"%PDF"


def test_a_workbook_cannot_be_an_area_report(world, client):
    # the workbooks hold the whole program's people and findings: province only
    response = _post(
        client,
        world.users["city_a"],
        world.program,
        area=f"city:{world.city_a.pk}",
        kind=ReportKind.ANNUAL_WORKBOOK,
    )
    assert response.status_code == 302
    assert not ReportFile.objects.exists()


# who, area (a format string over world), expected status, built?
BUILD_MATRIX = [
    ("province", "", 302, True),
    ("province", "city:{city_b}", 302, True),
    ("city_a", "city:{city_a}", 302, True),
    ("city_a", "county:{county_a}", 302, True),
    ("city_a", "city:{city_b}", 404, False),  # another city's report: not found, nothing built
    ("city_a", "county:{county_b}", 404, False),
    ("city_a", "", 403, False),  # the whole province is not the city's
    ("county_a", "county:{county_a}", 302, True),
    ("county_a", "city:{city_a}", 403, False),  # its city sees more than the county
    ("county_a", "county:{county_b}", 404, False),
    ("charlie", "", 403, False),  # supporter
    ("erin", "", 403, False),  # co-supporter of the same pairing
    ("alice", "", 403, False),  # recipient
    ("charlie", "city:{city_a}", 403, False),
    ("dashboard", "", 403, False),
    ("zoe", "", 404, False),  # another province: the program is not found
    ("zoe", "city:{city_a}", 404, False),
]


@pytest.mark.parametrize(("who", "area", "status", "built"), BUILD_MATRIX)
def test_who_builds_which_area_report(co_world, client, who, area, status, built):
    w = co_world
    area = area.format(city_a=w.city_a.pk, city_b=w.city_b.pk, county_a=w.county_a.pk, county_b=w.county_b.pk)
    response = _post(client, w.users[who], w.program, area=area)
    assert response.status_code == status
    assert ReportFile.objects.exists() is built


@pytest.fixture
def reports(world):
    def make(**area):
        return ReportFile.objects.create(
            program=world.program, kind=ReportKind.PROVINCIAL_DOCX, year=2023, status=JobStatus.DONE, **area
        )

    return {
        "province": make(),
        "city_a": make(city=world.city_a),
        "county_a": make(city=world.city_a, county=world.county_a),
        "city_b": make(city=world.city_b),
    }


# who → the reports (keys of the ``reports`` fixture) listed to them
READ_MATRIX = {
    "province": {"province", "city_a", "county_a", "city_b"},
    "city_a": {"city_a", "county_a"},
    "city_b": {"city_b"},
    "county_a": {"county_a"},
    "charlie": set(),
    "erin": set(),
    "alice": set(),
    "dashboard": set(),
    "zoe": set(),
}


@pytest.mark.parametrize("who", READ_MATRIX)
def test_who_reads_which_report(co_world, reports, client, who):
    client.force_login(co_world.users[who])
    response = client.get("/assessments/reports/")
    assert response.status_code == 200
    listed = {key for key, r in reports.items() if r in response.context["page"].object_list}
    assert listed == READ_MATRIX[who]
    # and another area's report is not found, its status fragment neither
    for key, r in reports.items():
        if key not in READ_MATRIX[who]:
            assert client.get(f"/assessments/reports/{r.pk}/status/").status_code == 404
            assert client.get(f"/assessments/reports/{r.pk}/download/").status_code == 404


def test_the_city_report_list_runs_a_fixed_number_of_queries(world, client):
    client.force_login(world.users["city_a"])

    def count(n: int) -> int:
        for _i in range(n):
            ReportFile.objects.create(
                program=world.program, kind=ReportKind.PROVINCIAL_DOCX, year=2023, city=world.city_a
            )
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/assessments/reports/").status_code == 200
        return len(ctx.captured_queries)

    assert count(1) == count(5)
