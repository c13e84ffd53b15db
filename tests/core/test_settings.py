"""Production settings pass Django's deployment checks; every response carries the security headers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_check_deploy_is_clean_under_production_settings() -> None:
    # given: the production settings with a strong secret and a host
    # (the browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for this process; a server never has it)
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "example.org",
    }
    # when: Django's deployment checks run, warnings counting as failures
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then: no issue at all
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_ALLOWED_HOSTS="example.org")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_responses_carry_security_headers_and_a_strict_csp(client: Any) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline' for scripts
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


@pytest.mark.django_db
def test_pages_need_no_inline_script(client: Any) -> None:
    # The CSP allows scripts from our own origin only: no inline handlers or inline script blocks.
    html = client.get("/accounts/login/").content.decode()
    assert "onchange=" not in html and "onclick=" not in html
    assert "<script>" not in html
    assert 'src="/static/js/app.js"' in html


def test_csrf_trusted_origins_and_sessions_are_configured() -> None:
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert isinstance(settings.CSRF_TRUSTED_ORIGINS, list)
    assert settings.CACHES["default"]["BACKEND"] == "core.cache.ResilientRedisCache"


def test_no_template_carries_inline_script() -> None:
    """The CSP (script-src 'self') would silently break inline scripts and handlers: keep them out."""
    import re
    from pathlib import Path

    pattern = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+=\"|javascript:", re.IGNORECASE)
    offenders = [
        str(path)
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
