"""The findings list exports to Excel with its filters applied and the reader's scope, rule titles instead
of codes, cells escaped (issue 15 "Both")."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from assessments.models import Finding
from assessments.services.findings import rules_check
from tests.assessments.rules_helpers import AS_OF

pytestmark = pytest.mark.django_db
SEES_A = {"province": True, "city_a": True, "city_b": False, "county_a": True, "alice": True, "bob": False,
          "charlie": True, "dana": False}  # fmt: skip


def _export(client, user, **params):
    client.force_login(user)
    resp = client.get(reverse("assessments:finding_list"), {**params, "export": "xlsx"})
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize(("who", "sees"), SEES_A.items())
def test_export_is_scoped_and_filtered(client, world, who, sees):
    rules_check(program=world.program, as_of=AS_OF)
    rows = _export(client, world.users[who], rule_code="COVERAGE_GAP")
    header, body = rows[0], rows[1:]
    assert header[0] == "规则" and header[-1] == "说明"
    assert {r[0] for r in body} <= {"全年有人在岗"} or all("COVERAGE_GAP" not in str(r) for r in body)
    recipients = {r[3] for r in body}
    assert (world.recipient_a.name in recipients) is sees
    expected = Finding.objects.for_user(world.users[who]).filter(rule_code="COVERAGE_GAP").count()
    assert len(body) == expected


def test_export_escapes_formula_like_cells(client, world):
    rules_check(program=world.program, as_of=AS_OF)
    Finding.objects.filter(pairing=world.pairing_a).update(message='=HYPERLINK("http://x")', message_key="")
    rows = _export(client, world.users["province"])
    texts = [r[-1] for r in rows[1:] if r[3] == world.recipient_a.name]
    assert texts and all(not str(t).startswith("=") for t in texts)
