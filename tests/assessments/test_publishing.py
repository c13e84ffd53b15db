"""Publishing 年度考核 with a confirmed summary; revising a published result; 表扬 beside 通报批评."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.choices import AppraisalStatus, Grade
from assessments.models import AnnualAppraisal
from assessments.reports.data import commendation_rows, pairing_rows
from assessments.services.appraisals import annual_appraisal_compute, annual_appraisal_publish
from assessments.services.publishing import annual_appraisal_revise, annual_publish_summary
from core.roles import Role
from devtools import factories as f

CONFIRM = reverse("assessments:annual_publish_confirm")
PUBLISH = reverse("assessments:annual_appraisal_publish")


@pytest.fixture
def drafts(world):
    world.users["other_province"] = f.make_member(
        "sc_prov", Role.PROVINCE_STAFF, province=f.ProvinceFactory(code="51", name="四川省")
    )
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    # pairing A excellent, pairing B failed: one supporter to commend, one to criticise
    AnnualAppraisal.objects.filter(pairing=world.pairing_a).update(grade=Grade.EXCELLENT, score=Decimal(95))
    AnnualAppraisal.objects.filter(pairing=world.pairing_b).update(grade=Grade.FAIL, score=Decimal(40))
    return world


def snapshot():
    return sorted(AnnualAppraisal.objects.values_list("pk", "status", "score", "revision_reason"))


def data(world, **extra):
    return {"program": world.program.pk, "year": 2023, **extra}


def test_summary_counts_grades_and_names_criticised_and_commended(drafts):
    s = annual_publish_summary(user=drafts.users["province"], program=drafts.program, year=2023)
    assert s.count == 2
    by_grade = dict(s.by_grade)
    assert by_grade["优秀"] == 1 and by_grade["不合格"] == 1 and by_grade["良好"] == 0
    assert [c["supporter"] for c in s.criticised] == [drafts.supporter_b]
    assert [c["supporter"] for c in s.commended] == [drafts.supporter_a]


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 200), ("city_a", 403), ("county_a", 403), ("alice", 403), ("charlie", 403),
     ("other_province", 404), ("nobody", 404)],
)  # fmt: skip
def test_confirmation_page_role_matrix(client, drafts, who, status):
    client.force_login(drafts.users[who])
    resp = client.get(CONFIRM, data(drafts))
    assert resp.status_code == status
    if status == 200:
        html = resp.content.decode()
        assert "将发布 2 个帮扶关系" in html
        assert drafts.supporter_b.name in html and drafts.supporter_a.name in html


@pytest.mark.parametrize("who", ["city_a", "county_a", "alice", "charlie", "other_province", "nobody"])
def test_others_cannot_publish_and_nothing_changes(client, drafts, who):
    before = snapshot()
    client.force_login(drafts.users[who])
    resp = client.post(PUBLISH, data(drafts, confirm="1", expected="2"))
    assert resp.status_code in (403, 404)
    assert snapshot() == before


def test_publish_without_confirmation_or_with_a_stale_count_publishes_nothing(client, drafts):
    before = snapshot()
    client.force_login(drafts.users["province"])
    resp = client.post(PUBLISH, data(drafts))
    assert resp.status_code == 302 and resp["Location"].startswith(CONFIRM)
    client.post(PUBLISH, data(drafts, expected="2"))  # box not ticked
    client.post(PUBLISH, data(drafts, confirm="1", expected="1"))  # the summary seen is not what is there
    assert snapshot() == before
    resp = client.post(PUBLISH, data(drafts, confirm="1", expected="2"))
    assert resp.status_code == 302
    assert AnnualAppraisal.objects.filter(status=AppraisalStatus.PUBLISHED).count() == 2


def test_a_published_result_changes_only_through_a_revision_with_a_reason(client, drafts):
    prov = drafts.users["province"]
    annual_appraisal_publish(user=prov, program=drafts.program, year=2023, expected=2)
    published = AnnualAppraisal.objects.get(pairing=drafts.pairing_b, status=AppraisalStatus.PUBLISHED)
    # a recompute makes a draft that a publish leaves alone (no reason given)
    annual_appraisal_compute(user=prov, program=drafts.program, year=2023)
    assert annual_publish_summary(user=prov, program=drafts.program, year=2023).count == 0
    # others may not revise; no reason, no revision
    url = reverse("assessments:annual_appraisal_revise", args=[published.pk])
    before = snapshot()
    for who, status in (("city_b", 403), ("bob", 403), ("city_a", 404), ("other_province", 404)):
        client.force_login(drafts.users[who])
        assert client.post(url, {"reason": "复核"}).status_code == status
    client.force_login(prov)
    client.post(url, {"reason": "  "})
    assert snapshot() == before
    with pytest.raises(PermissionDenied):
        annual_appraisal_revise(user=drafts.users["city_a"], appraisal=published, reason="复核")
    # with a reason: the draft carries it and the summary lists it as a revision
    assert client.post(url, {"reason": "考勤数据补录后复核"}).status_code == 302
    draft = AnnualAppraisal.objects.get(pairing=drafts.pairing_b, status=AppraisalStatus.DRAFT)
    assert draft.revision_reason == "考勤数据补录后复核"
    summary = annual_publish_summary(user=prov, program=drafts.program, year=2023)
    assert summary.count == 1 and summary.revisions == [draft]
    # publishing it supersedes the published row, which is kept
    assert annual_appraisal_publish(user=prov, program=drafts.program, year=2023, expected=1) == 1
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == AppraisalStatus.SUPERSEDED and draft.status == AppraisalStatus.PUBLISHED
    # and the revision is in the audit trail
    events = apps.get_model("assessments", "AnnualAppraisalEvent").objects.filter(pgh_obj_id=draft.pk)
    assert events.filter(revision_reason="考勤数据补录后复核").exists()


def test_revising_a_draft_is_refused(drafts):
    draft = AnnualAppraisal.objects.get(pairing=drafts.pairing_a)
    with pytest.raises(ValidationError):
        annual_appraisal_revise(user=drafts.users["province"], appraisal=draft, reason="复核")


def test_commendations_are_in_the_report_beside_criticism(drafts):
    rows = pairing_rows(program=drafts.program, year=2023)
    commended = commendation_rows(program=drafts.program, year=2023, rows=rows)
    assert [r[0] for r in commended] == [drafts.supporter_a.name]
    assert drafts.recipient_a.name in commended[0][1]
