"""Issue 13 item 7: the client address behind a reverse proxy, for the log-in lockout and public limits.

Behind our proxy REMOTE_ADDR is the proxy's own address and the client's is the rightmost X-Forwarded-For
entry the proxy appended; anything to its left is whatever the client wrote.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from axes.helpers import get_client_ip_address
from django.test import override_settings

from core.middleware import client_ip
from core.ratelimit import hit
from devtools import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/assessments/certificates/verify/"
PROXY = "127.0.0.1"


def _via_proxy(client: Any, password: str, *, forwarded: str) -> Any:
    return client.post(
        LOGIN,
        {"username": "alice", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@override_settings(AUDIT_TRUSTED_PROXY_COUNT=1)
def test_a_forged_header_cannot_lock_someone_elses_address(client: Any) -> None:
    # given alice, who logs in from 198.51.100.7 through our proxy
    f.UserFactory(username="alice")
    # when an attacker at 203.0.113.9 fails five times, claiming to be 198.51.100.7
    attempts = [_via_proxy(client, f"wrong-{i}", forwarded="198.51.100.7, 203.0.113.9") for i in range(5)]
    # then the attacker's own address is locked ...
    assert attempts[-1].status_code == 429
    # ... and alice, from her real address, logs in
    assert _via_proxy(client, f.DEFAULT_PASSWORD, forwarded="198.51.100.7").status_code == 302


@override_settings(AUDIT_TRUSTED_PROXY_COUNT=1)
def test_a_forged_header_does_not_dodge_the_lockout(client: Any) -> None:
    f.UserFactory(username="alice")
    # an attacker at 203.0.113.9 writes a new address into the header each time
    codes = [
        _via_proxy(client, f"wrong-{i}", forwarded=f"10.0.0.{i}, 203.0.113.9").status_code for i in range(7)
    ]
    assert codes == [200, 200, 200, 200, 429, 429, 429]
    # even the right password is refused from there while locked
    assert _via_proxy(client, f.DEFAULT_PASSWORD, forwarded="10.9.9.9, 203.0.113.9").status_code == 429


@override_settings(AUDIT_TRUSTED_PROXY_COUNT=0)
def test_without_a_proxy_the_header_is_ignored(client: Any) -> None:
    f.UserFactory(username="alice")
    for i in range(5):
        client.post(
            LOGIN,
            {"username": "alice", "password": f"wrong-{i}"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
    locked = client.post(
        LOGIN, {"username": "alice", "password": f.DEFAULT_PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert locked.status_code == 429
    other = client.post(
        LOGIN,
        {"username": "alice", "password": f.DEFAULT_PASSWORD},
        REMOTE_ADDR="198.51.100.0",
    )
    assert other.status_code == 302


def test_axes_reads_the_address_as_the_audit_does(rf: Any) -> None:
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    with override_settings(AUDIT_TRUSTED_PROXY_COUNT=1):
        assert get_client_ip_address(request) == client_ip(request) == "203.0.113.9"
    with override_settings(AUDIT_TRUSTED_PROXY_COUNT=0):
        assert get_client_ip_address(request) == PROXY


def _address() -> str:
    # a fresh address per run: counts live in Redis for the window, across test runs
    return f"198.18.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


@override_settings(CERTIFICATE_VERIFY_RATE=(3, 60), AUDIT_TRUSTED_PROXY_COUNT=1)
def test_certificate_verification_is_rate_limited_per_client(client: Any) -> None:
    me, other = _address(), _address()
    # three lookups a minute are answered
    codes = [
        client.get(VERIFY + f"CODE{i}/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=me).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 200]
    # the fourth is refused, in Chinese, with when to come back
    refused = client.get(VERIFY, {"code": "X"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"9.9.9.9, {me}")
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.content.decode() and 0 < int(refused["Retry-After"]) <= 60
    # another client is not affected
    assert client.get(VERIFY, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=other).status_code == 200


def test_the_limit_fails_open_when_redis_is_down() -> None:
    dead = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/1"}}
    with override_settings(CACHES=dead):
        assert [hit(scope="t", ident="a", limit=1, window=60) for _i in range(3)] == [0, 0, 0]


def test_the_window_counts_per_client_and_scope() -> None:
    me, other = _address(), _address()
    assert [hit(scope="t", ident=me, limit=2, window=3600) > 0 for _i in range(3)] == [False, False, True]
    assert hit(scope="t", ident=other, limit=2, window=3600) == 0
    assert hit(scope="u", ident=me, limit=2, window=3600) == 0
