"""The API token check doubles as the connection's health check (core/connections.py, issue 18).

Outside a test transaction (``transaction=True``): the point is a real connection that a real server
dropped, and a reused one that must not pay a ``SELECT 1`` before the token check.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, connection

from core.connections import checked_first_query
from devtools import factories as f
from pairings.services.api_clients import api_client_authenticate, api_client_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def token() -> str:
    province = f.ProvinceFactory()
    staff = f.make_member("conn_prov", "province_staff", province=province)
    _client, token = api_client_create(user=staff, name="看板", province=province)
    return token


def _new_request() -> None:
    # What Django's request_started does to a reused connection (the test client leaves it out).
    connection.ensure_connection()
    connection.health_check_done = False


def _spy_health_checks(monkeypatch: Any) -> list[bool]:
    calls: list[bool] = []
    is_usable = connection.is_usable

    def counted() -> bool:
        calls.append(True)
        return is_usable()

    monkeypatch.setattr(connection, "is_usable", counted)
    return calls


def test_a_reused_healthy_connection_sends_no_select_1_before_the_token_check(
    token: str, monkeypatch: Any
) -> None:
    # given a reused connection with its health check pending, as at the start of a request
    _new_request()
    checks = _spy_health_checks(monkeypatch)
    # when the API checks a token
    client = api_client_authenticate(token)
    # then the token query was the check: no round trip of its own, and none pending after
    assert client is not None
    assert checks == []
    assert connection.health_check_done
    # (without it, Django's own check runs before the first query)
    _new_request()
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    assert checks == [True]


def test_a_connection_the_server_dropped_is_replaced_and_the_token_still_checks(token: str) -> None:
    # given a reused connection whose server process was terminated since the last request
    _new_request()
    pid = connection.connection.get_backend_pid()
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        other.cursor().execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    # when the API checks a token
    client = api_client_authenticate(token)
    # then it is answered, on a new connection
    assert client is not None
    assert connection.connection.get_backend_pid() != pid


def test_a_querys_own_error_on_a_live_connection_is_raised_not_retried() -> None:
    # given a healthy connection with its check pending
    _new_request()
    pid = connection.connection.get_backend_pid()
    runs: list[bool] = []

    def slow() -> None:
        runs.append(True)
        with connection.cursor() as cur:
            cur.execute("SET statement_timeout = 1")
            try:
                cur.execute("SELECT pg_sleep(0.2)")
            finally:
                cur.execute("RESET statement_timeout")

    # when the first query fails on its own (a timeout)
    with pytest.raises(OperationalError):
        checked_first_query(slow)
    # then the error is the caller's, once, and the connection stays
    assert runs == [True]
    assert connection.connection.get_backend_pid() == pid
