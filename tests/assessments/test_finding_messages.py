"""Findings speak the reader's language: stored as key + parameters, rendered at display time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from assessments.models import Finding
from assessments.rules.base import Draft
from assessments.rules.messages import msg, render_message
from assessments.services.findings import rules_check
from teams.choices import Title
from tests.assessments.rules_helpers import AS_OF, pairing, program

RULES_DIR = Path(__file__).resolve().parents[2] / "assessments" / "rules"
PLACEHOLDER = re.compile(r"%\((\w+)\)")


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    # LocaleMiddleware leaves the last request's language active in the thread; later tests expect Chinese.
    yield
    translation.activate("zh-hans")


def rule_message_keys() -> list[str]:
    """Every msgid drafted with ``gettext_noop`` in the rule sources (titles included)."""
    keys = []
    for path in sorted(p for p in RULES_DIR.glob("*.py") if p.name != "messages.py"):
        source = path.read_text()
        for call in re.finditer(r"gettext_noop\(\s*((?:\"[^\"]*\"\s*)+)\)", source):
            keys.append("".join(re.findall(r"\"([^\"]*)\"", call.group(1))))
    return keys


def test_every_rule_message_has_an_english_translation_with_the_same_placeholders():
    keys = rule_message_keys()
    assert len(keys) > 40  # the scan found the rule sources
    with translation.override("en"):
        for key in keys:
            english = translation.gettext(key)
            assert english != key, f"untranslated: {key}"
            assert set(PLACEHOLDER.findall(english)) <= set(PLACEHOLDER.findall(key)), key


@pytest.mark.django_db
def test_the_same_finding_renders_chinese_and_english():
    # given a program with a pairing nobody serves: a coverage gap
    prog = program()
    p = pairing(prog)
    rules_check(program=prog, as_of=AS_OF)
    gap = Finding.objects.get(program=prog, pairing=p, rule_code="COVERAGE_GAP")
    # then the key and its parameters are stored, the Chinese rendering beside them
    assert gap.message_key == "%(start)s … %(end)s：无派驻人员在岗（空档 %(days)s 天）"
    assert set(gap.message_params) == {"start", "end", "days"}
    assert "无派驻人员在岗" in gap.message
    # and it renders in the reader's language
    with translation.override("zh-hans"):
        assert gap.text == gap.message
    with translation.override("en"):
        assert "nobody" in gap.text.lower() or "no deployed" in gap.text.lower()
        assert "无派驻" not in gap.text
        assert gap.message_params["start"] in gap.text


@pytest.mark.django_db
def test_finding_pages_and_api_follow_the_language(client, world):
    rules_check(program=world.program, as_of=AS_OF)
    gap = Finding.objects.filter(program=world.program, rule_code="COVERAGE_GAP").first()
    assert gap is not None
    client.force_login(world.users["province"])
    with translation.override("en"):
        english = gap.text
    detail = reverse("assessments:finding_detail", args=[gap.pk])
    assert gap.message in client.get(detail).content.decode()
    # pages: the reader picks English with the switch (a cookie); the browser's Accept-Language is ignored
    assert english not in client.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.cookies["django_language"] = "en"
    assert english in client.get(detail).content.decode()
    listing = client.get(reverse("assessments:finding_list")).content.decode()
    assert english in listing
    api = client.get(f"/api/v1/findings/{gap.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 200
    body = api.json()
    assert body["message"] == english and body["message_key"] == gap.message_key


@pytest.mark.django_db
def test_a_finding_stored_before_keys_keeps_its_text_and_gets_its_key_on_the_next_run():
    # given a finding stored as Chinese text only (as the migration leaves older rows)
    prog = program()
    pairing(prog)
    rules_check(program=prog, as_of=AS_OF)
    gap = Finding.objects.get(program=prog, rule_code="COVERAGE_GAP")
    Finding.objects.filter(pk=gap.pk).update(message="旧的说明", message_key="", message_params={})
    gap.refresh_from_db()
    with translation.override("en"):
        assert gap.text == "旧的说明"  # no key: the stored text is the only rendering there is
    # when the rules run again, the same row (same fingerprint) gets its key
    rules_check(program=prog, as_of=AS_OF)
    again = Finding.objects.get(program=prog, rule_code="COVERAGE_GAP")
    assert again.pk == gap.pk and again.fingerprint == gap.fingerprint
    assert again.message_key and "无派驻人员在岗" in again.message


def test_the_fingerprint_ignores_the_message():
    same = {"rule_code": "X", "severity": "major", "subject_type": "pairing", "subject_id": 1}
    a = Draft(**same, message=msg("甲"), evidence={})
    b = Draft(**same, message=msg("乙"), evidence={"x": 1})
    assert a.fingerprint(7) == b.fingerprint(7)


def test_nested_terms_lists_and_lazy_labels_are_translated_too():
    message = msg(
        gettext_noop("三方协议尚未全部签署（未签：%(parties)s）"),
        parties=[msg(gettext_noop("县政府")), msg(gettext_noop("受援医院"))],
    )
    title = msg(
        gettext_noop("队员 %(name)s 职称为%(title)s，应为%(min)s及以上"),
        name="张三",
        title=Title.choices[0][1],
        min=Title.choices[-1][1],
    )
    assert message.params["parties"][0] == {"key": "县政府", "params": {}}
    with translation.override("zh-hans"):
        assert str(message) == "三方协议尚未全部签署（未签：县政府、受援医院）"
        chinese_title = str(title)
    with translation.override("en"):
        assert "County government, Recipient hospital" in str(message)
        assert "County government" in message  # drafts keep working with `in`, as rule tests use them
        assert str(title) != chinese_title and "张三" in str(title)


def test_a_broken_translation_falls_back_to_chinese_not_an_error():
    with translation.override("en"):
        assert render_message("%(n)s 个测试对象", {"m": 1}, fallback="旧") == "旧"
        assert render_message("%(n)s 个测试对象", {"n": 3}) == "3 个测试对象"  # not in the catalog
        assert render_message("", {}, fallback="旧") == "旧"
