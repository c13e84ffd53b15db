"""Browser-test fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test in tests/browser/ gets the ``browser`` marker. Playwright's own browser download does not work
here: the tests launch /usr/bin/chromium (``make browser-deps`` installs it with the CJK fonts), or the
binary named by CHROMIUM_PATH.

    def test_something(page, live_server, login_as, screenshot, world):
        login_as(page, "alice")
        page.goto(f"{live_server.url}/pairings/")
        screenshot(page, "pairings-list")
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import helpers

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls from fixtures
# ("SynchronousOnlyOperation") although nothing here is really async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run `make browser-deps` (Debian chromium + fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    """Override in a test module (or parametrize indirectly) for another screen size."""
    return DESKTOP


@pytest.fixture
def page(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def login_as(live_server: Any) -> Callable[..., None]:
    """``login_as(page, "alice")`` signs in through the log-in form of the live server."""

    def _login(page: Any, username: str, password: str = helpers.DEFAULT_PASSWORD) -> None:
        helpers.login_as(page, live_server.url, username, password)

    return _login


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """``screenshot(page, "name")`` saves artifacts/screenshots/name.png."""
    return helpers.screenshot
