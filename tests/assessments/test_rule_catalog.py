"""The rule catalog page and the officer's explanation on the finding page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from assessments.models import Finding
from assessments.rules.base import all_rules
from assessments.rules.catalog import CATALOG, EVIDENCE_LABELS, PARAM_LABELS
from assessments.services.findings import rules_check
from core.roles import Role
from devtools import factories as f
from tests.assessments.rules_helpers import AS_OF

URL = reverse("assessments:rule_catalog")


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    yield
    translation.activate("zh-hans")


@pytest.fixture
def checked(world):
    rules_check(program=world.program, as_of=AS_OF)
    other = f.ProvinceFactory(code="51", name="四川省")
    world.users["other_province"] = f.make_member("other", Role.PROVINCE_STAFF, province=other)
    return world


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_every_rule_has_an_explanation_a_clause_and_labelled_parameters():
    with translation.override("en"):
        for rule in all_rules():
            info = CATALOG[rule.code]
            assert info.document and info.clause and info.params, rule.code
            assert translation.gettext(info.explanation) != info.explanation, rule.code
            for name in info.params:
                assert translation.gettext(PARAM_LABELS[name]) != PARAM_LABELS[name], name
        for key, label in EVIDENCE_LABELS.items():
            assert translation.gettext(label) != label, key


@pytest.mark.parametrize(
    ("who", "sees"),
    [("province", True), ("city_a", True), ("county_a", True), ("charlie", True), ("alice", True),
     ("dashboard", True), ("other_province", False), ("nobody", False)],
)  # fmt: skip
def test_catalog_role_matrix(client, checked, who, sees):
    resp = get(client, checked.users[who], program=checked.program.pk)
    assert resp.status_code == (200 if sees else 404)
    if sees:
        codes = [r.code for r in resp.context["rows"]]
        assert codes == [r.code for r in all_rules()]
        html = resp.content.decode()
        assert "甘卫医政发〔2022〕37号" in html and "帮扶队在岗人数不足" in html


def test_catalog_counts_are_the_users_findings(client, checked):
    prog = checked.program
    for who in ("province", "alice", "bob", "charlie"):
        user = checked.users[who]
        resp = get(client, user, program=prog.pk)
        row = next(r for r in resp.context["rows"] if r.code == "COVERAGE_GAP")
        mine = Finding.objects.for_user(user).filter(program=prog, rule_code="COVERAGE_GAP")
        assert row.total == mine.count() and row.open == mine.filter(status="open").count()
    province = get(client, checked.users["province"], program=prog.pk).context["rows"]
    alice = get(client, checked.users["alice"], program=prog.pk).context["rows"]
    gap = {r.code: r.total for r in province}["COVERAGE_GAP"]
    assert gap == 2 and {r.code: r.total for r in alice}["COVERAGE_GAP"] == 1


def test_catalog_shows_the_programs_effective_parameters_and_overrides(client, checked):
    prog = checked.program
    prog.params = {"team_min_size": 7}
    prog.save(update_fields=["params"])
    rows = {r.code: r for r in get(client, checked.users["province"], program=prog.pk).context["rows"]}
    team = {p.name: p for p in rows["TEAM_MIN_SIZE"].params}
    assert team["team_min_size"].value == "7" and team["team_min_size"].overridden
    assert team["team_min_size_tcm"].value == "3" and not team["team_min_size_tcm"].overridden
    assert not rows["EXPERT_VISITS"].enabled  # off in the Gansu defaults
    assert [p.value for p in rows["EXPERT_VISITS"].params] == ["关闭", "关闭"]


def test_catalog_without_a_program_param_picks_the_first_and_nobody_sees_an_empty_page(client, checked):
    assert get(client, checked.users["province"]).context["program"] == checked.program
    resp = get(client, checked.users["nobody"])
    assert (
        resp.status_code == 200 and resp.context["rows"] == [] and "没有可查看的项目" in resp.content.decode()
    )


def test_catalog_queries_do_not_grow_with_findings(client, checked):
    client.force_login(checked.users["province"])
    client.get(URL, {"program": checked.program.pk})
    with CaptureQueriesContext(connection) as before:
        client.get(URL, {"program": checked.program.pk})
    rules_check(program=checked.program, as_of=AS_OF.replace(year=AS_OF.year + 1))
    with CaptureQueriesContext(connection) as after:
        client.get(URL, {"program": checked.program.pk})
    assert len(after) == len(before) <= 12


def test_catalog_in_english_and_linked_from_nav_and_findings(client, checked):
    client.force_login(checked.users["county_a"])
    client.cookies["django_language"] = "en"
    html = client.get(URL, {"program": checked.program.pk}).content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert "Every day someone is on site" in html or "on site" in html
    assert "帮扶队在岗人数不足" in html  # the Chinese title stays beside the English one
    home = client.get(reverse("home")).content.decode()
    assert URL in home
    assert URL in client.get(reverse("assessments:finding_list")).content.decode()


def test_finding_page_explains_the_rule_for_an_officer_and_tabulates_the_evidence(client, checked):
    gap = Finding.objects.filter(program=checked.program, rule_code="COVERAGE_GAP").first()
    client.force_login(checked.users["province"])
    url = reverse("assessments:finding_detail", args=[gap.pk])
    html = client.get(url).content.decode()
    assert "服务期内每一天都应有派驻人员在岗" in html
    assert "``" not in html and "COVERAGE_GAP —" not in html  # not the developer docstring
    assert "{&quot;" not in html and '"intervals"' not in html  # no raw JSON
    assert "<th>区间</th>" in html and "<th>在岗人数</th>" in html
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "服务期内每一天都应有派驻人员在岗" not in english
    assert "<th>Intervals</th>" in english
