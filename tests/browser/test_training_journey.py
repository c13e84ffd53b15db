"""Issue 15 journey: the recipient nominates a trainee, the supporter accepts, and the TRAINING_QUOTA finding
of that year resolves on the re-check the acceptance asks for; the training page works at 390 px."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from assessments.choices import FindingStatus
from assessments.models import Finding
from assessments.services.findings import rules_check
from config.celery_app import app as celery_app
from devtools import factories as f
from training.choices import StintStatus
from training.models import TraineeStint

D = dt.date


@pytest.fixture
def rechecks_run_at_once() -> Iterator[None]:
    """No Celery worker runs beside the live server: the re-check queued on acceptance runs in the request."""
    conf = celery_app.conf
    before = {key: conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    conf.update(**before)


@pytest.fixture
def one_short(world: Any) -> Finding:
    """Pairing A trained two staff free in 2023, one short of Gansu's three: TRAINING_QUOTA is open."""
    for _ in range(2):
        f.TraineeStintFactory(pairing=world.pairing_a, start_date=D(2023, 3, 1), end_date=D(2023, 8, 31))
    rules_check(program=world.program)
    return Finding.objects.get(
        rule_code="TRAINING_QUOTA", pairing=world.pairing_a, period_start=D(2023, 1, 1)
    )


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 390, "height": 844}


def test_recipient_nominates_supporter_accepts_and_the_quota_finding_resolves(
    page: Any, live_server: Any, login_as: Any, screenshot: Any, world: Any, one_short: Finding,
    rechecks_run_at_once: None,
) -> None:  # fmt: skip
    assert one_short.status == FindingStatus.OPEN
    # the recipient opens 培训 from the navigation and nominates 马学员 to train at 兰州大学第一医院
    login_as(page, "alice")
    page.goto(f"{live_server.url}/training/")
    expect(page.locator("#quota")).to_contain_text("未达标")
    form = page.locator("form#nominate")
    form.get_by_label("接收医院（支援医院）").select_option(label=world.supporter_a.name)
    form.get_by_label("学员姓名").fill("马学员")
    form.get_by_label("身份证号").fill(f.valid_national_id(42))
    form.get_by_label("类型").select_option(label="进修")
    form.get_by_label("开始日期").fill("2023-04-01")
    form.get_by_label("结束日期").fill("2023-09-30")
    form.get_by_role("button", name="推荐").click()
    expect(page.locator("#stints")).to_contain_text("马学员")
    expect(page.locator("#stints")).to_contain_text("已推荐，待接收")
    # no sideways scrolling at 390 px
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "recipient-training")
    # the supporter accepts the nomination on its hosted-trainees page
    login_as(page, "charlie")
    page.goto(f"{live_server.url}/training/hosted/")
    row = page.locator("tr", has_text="马学员")
    row.get_by_role("button", name="接收", exact=True).click()
    expect(page.locator("tr", has_text="马学员")).to_contain_text("已接收")
    assert TraineeStint.objects.get(trainee_name="马学员").status == StintStatus.ACCEPTED
    # the acceptance asked for a re-check: 2023's quota finding is resolved, and the page says so
    one_short.refresh_from_db()
    assert one_short.status == FindingStatus.RESOLVED
    login_as(page, "alice")
    page.goto(f"{live_server.url}/training/")
    expect(page.locator("#quota tr", has_text="2023")).to_contain_text("已达标")
