"""Chinese everywhere (issue 15 "Both"): every page of the navigation, as every role, in the default
Chinese UI, shows no "---------" empty choice (filters say 全部), no English gloss such as "帮扶中 (active)"
and no raw rule code such as ``AGREEMENT_SIGNED`` in its visible text."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from assessments.rules.base import all_rules
from assessments.services.findings import rules_check
from devtools import factories as f
from tests.conftest import World
from web.nav import NAV

pytestmark = pytest.mark.django_db

# A Chinese word followed by an English gloss in brackets: "帮扶中 (active)", "草稿 (draft)".
GLOSS = re.compile(r"[\u4e00-\u9fff][)）]?\s?\((?:[a-z][a-z -]{2,})\)")
CODES = re.compile(r"\b(" + "|".join(sorted((r.code for r in all_rules()), key=len, reverse=True)) + r")\b")
ROLES = ["province", "city_a", "county_a", "charlie", "erin", "alice", "zoe", "yan"]


def _visible_text(page: str) -> str:
    """Text a reader sees: scripts, styles and tags (with their attributes and URLs) removed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def populated(co_world: World) -> World:
    """Pairing A with a team, a deployment, a trainee and open findings, so lists have rows."""
    team = f.TeamFactory(pairing=co_world.pairing_a, year=2023)
    f.DeploymentFactory(team=team, role="leader", post="副院长")
    f.RosterEntryFactory(roster=f.RosterFactory(team=team), role="member")
    f.TraineeStintFactory(pairing=co_world.pairing_a)
    rules_check(program=co_world.program, as_of=dt.date(2024, 1, 2))
    return co_world


@pytest.mark.parametrize("role", ROLES)
def test_every_nav_page_is_chinese(client: Client, populated: World, role: str) -> None:
    client.force_login(populated.users[role])
    problems: list[str] = []
    for name, _label, _roles in NAV:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        resp: Any = client.get(url, follow=True)
        if resp.status_code != 200:
            continue  # pages a role may not use answer 403/404; their scoping has its own tests
        page = resp.content.decode()
        text = _visible_text(page)
        if "---------" in page:
            problems.append(f"{url}: ---------")
        for m in GLOSS.finditer(text):
            problems.append(f"{url}: gloss {text[max(0, m.start() - 10) : m.end()]!r}")
        for m in CODES.finditer(text):
            problems.append(f"{url}: rule code {m.group(0)}")
    assert problems == [], "\n".join(problems[:60])


@pytest.mark.parametrize("role", ["province", "charlie", "alice"])
def test_the_pairing_page_with_its_timeline_is_chinese(client: Client, populated: World, role: str) -> None:
    # given a pairing with a team on duty (its timeline shows the rule's minimum head-count)
    client.force_login(populated.users[role])
    resp: Any = client.get(reverse("pairings:detail", args=[populated.pairing_a.pk]) + "?year=2023")
    assert resp.status_code == 200
    text = _visible_text(resp.content.decode())
    # then the legend says the minimum in words, and no rule code shows
    assert "最低在岗人数" in text
    assert CODES.findall(text) == []
    assert GLOSS.findall(text) == []


@pytest.mark.parametrize(("lang", "title"), [("zh-hans", "页面不存在"), ("en", "Page not found")])
def test_a_pairing_outside_the_scope_answers_a_page_in_the_users_language(
    client: Client, populated: World, lang: str, title: str
) -> None:
    # given recipient B's coordinator, who may not see pairing A
    client.force_login(populated.users["bob"])
    client.cookies["django_language"] = lang
    # when they open it
    resp: Any = client.get(reverse("pairings:detail", args=[populated.pairing_a.pk]))
    # then it is not found, on the app's own page in their language, and nothing of pairing A shows
    assert resp.status_code == 404
    page = resp.content.decode()
    assert title in page and 'class="site-header"' in page
    assert populated.pairing_a.recipient.name not in _visible_text(page)
