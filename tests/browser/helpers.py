"""Helpers for browser tests (the fixtures in conftest.py hand them out)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings

from devtools.factories import DEFAULT_PASSWORD

SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


def login_as(page: Any, base_url: str, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Sign in through the real log-in form and wait for the home page (signing out anyone before)."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG under artifacts/screenshots/ (git-ignored) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
