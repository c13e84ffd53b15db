"""Log-in throttling (django-axes), strong passwords and session expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from devtools import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _attempt(client: Any, password: str, ip: str = "198.51.100.9") -> Any:
    return client.post(LOGIN, {"username": "alice", "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_for_that_address(client: Any) -> None:
    # given: alice exists
    f.UserFactory(username="alice")

    # when: four wrong passwords, then a fifth
    first_four = [_attempt(client, f"wrong-{i}") for i in range(4)]
    fifth = _attempt(client, "wrong-5")

    # then: the first four show the form again, the fifth is refused with the lockout message ...
    assert [r.status_code for r in first_four] == [200, 200, 200, 200]
    assert fifth.status_code == 429
    assert "登录已锁定" in fifth.content.decode()
    # ... and even the right password is refused from that address while locked
    locked = _attempt(client, f.DEFAULT_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client: Any) -> None:
    # given: alice is locked out from one address
    f.UserFactory(username="alice")
    for i in range(5):
        _attempt(client, f"wrong-{i}")

    # when: she logs in from another address with the right password
    response = _attempt(client, f.DEFAULT_PASSWORD, ip="203.0.113.5")

    # then: that works (the lock is on username + IP)
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_success_before_the_limit_resets_the_failure_count(client: Any) -> None:
    f.UserFactory(username="alice")
    for i in range(4):
        _attempt(client, f"wrong-{i}")
    assert _attempt(client, f.DEFAULT_PASSWORD).status_code == 302
    client.logout()
    # four more failures after the reset do not lock
    assert [_attempt(client, f"again-{i}").status_code for i in range(4)] == [200] * 4


@pytest.mark.parametrize("weak", ["12345678901", "password123", "alice-2024", "short9!"])
def test_weak_passwords_are_rejected(weak: str) -> None:
    user = f.UserFactory(username="alice-2024", email="alice@example.org")
    with pytest.raises(ValidationError):
        validate_password(weak, user=user)


def test_a_strong_password_is_accepted() -> None:
    user = f.UserFactory(username="alice")
    assert validate_password("Kangaroo-Lantern-739", user=user) is None


def test_session_expires_after_eight_hours_and_at_browser_close(client: Any) -> None:
    # given: alice logs in
    f.UserFactory(username="alice")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        response = _attempt(client, f.DEFAULT_PASSWORD)
        assert response.status_code == 302
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]

        # then: the cookie is a browser-session cookie (no expiry date) and the server keeps it 8 hours
        assert cookie["expires"] == "" and cookie["max-age"] == ""
        assert client.session.get_expiry_age() == 8 * 3600
        assert client.get(reverse("home")).status_code == 200

    # when: 7 hours 59 minutes later the session still works; after 8 hours 1 minute it does not
    with time_machine.travel(start + dt.timedelta(hours=7, minutes=59), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=8, minutes=1), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
