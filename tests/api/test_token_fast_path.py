"""Dashboard tokens' cached answers served before the stack runs (pairings/api/middleware.py, issue 18).

The fast path must answer byte for byte what the full stack answers — body and headers — for every user,
and never anything the full stack would not: a revoked token, another province's token, another language,
a write in between, unknown query parameters each take the full stack again. Committed data
(``transactional_db``), real Redis.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.api.cache import raw_key
from devtools import factories as f
from pairings.api.middleware import TokenAnswerApp
from pairings.models import ApiClient, Hospital, Membership
from pairings.services.api_clients import api_client_create, api_client_revoke
from tests.api.conftest import client_for, populate, token_client

# Lists of every shape (nested supporters, masked staff, findings) and the indicators, with filters.
URLS = [
    ("api:pairing-list", ""),
    ("api:pairing-list", "?page_size=1"),
    ("api:deployment-list", "?year=2023&page_size=100"),
    ("api:staff-list", ""),
    ("api:finding-list", "?status=open"),
    ("api:trainee-stint-list", ""),
    ("api:indicators", "?date_from=2023-01-01&date_to=2023-12-31"),
]


@pytest.fixture
def committed(transactional_db: Any, co_world: Any) -> Any:
    populate(co_world.pairing_a)
    populate(co_world.pairing_b)
    cache.clear()
    return co_world


@pytest.fixture
def tokens(committed: Any) -> dict[str, str]:
    """Dashboard tokens of the province, of one city, and of another province."""
    w = committed
    other = f.ProvinceFactory(code="52", name="贵州省")
    other_staff = f.make_member("gz_prov", "province_staff", province=other)
    return {
        "province": api_client_create(user=w.users["province"], name="省看板", province=w.province)[1],
        "city": api_client_create(user=w.users["city_a"], name="市看板", city=w.city_a)[1],
        "other_province": api_client_create(user=other_staff, name="外省看板", province=other)[1],
    }


def _headers(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.items() if k.lower() != "x-request-id"}


def test_a_repeated_token_request_is_answered_with_one_query_and_identical_bytes(
    committed: Any, tokens: dict[str, str]
) -> None:
    for name, token in tokens.items():
        for basename, query in URLS:
            url = reverse(basename) + query
            client = token_client(token)
            with override_settings(API_CACHE_ENABLED=False):
                computed = client.get(url)  # the full stack, computed: the reference
            first = client.get(url)  # the full stack, stores the raw key
            with CaptureQueriesContext(connection) as ctx:
                fast = client.get(url)
            assert computed.status_code == first.status_code == fast.status_code == 200, (name, url)
            assert fast.content == first.content == computed.content, (name, url)
            assert _headers(fast) == _headers(first), (name, url)
            assert fast["X-Request-ID"] and fast["X-Request-ID"] != first["X-Request-ID"]
            # the token check alone (it reads the data generation in the same query)
            assert len(ctx.captured_queries) == 1, (name, url, [q["sql"] for q in ctx.captured_queries])


def test_each_token_gets_its_own_answer(committed: Any, tokens: dict[str, str]) -> None:
    url = reverse("api:pairing-list")
    seen = {}
    for name, token in tokens.items():
        client = token_client(token)
        client.get(url)
        seen[name] = [p["id"] for p in client.get(url).json()["results"]]
    assert seen["province"] == sorted([committed.pairing_a.pk, committed.pairing_b.pk])
    assert seen["city"] == [committed.pairing_a.pk]
    assert seen["other_province"] == []


def test_a_write_retires_the_fast_answer(committed: Any, tokens: dict[str, str]) -> None:
    client = token_client(tokens["province"])
    url = reverse("api:pairing-list")
    client.get(url)
    before = client.get(url)
    Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="改名后的医院")
    after = client.get(url)
    assert after.status_code == 200 and "改名后的医院" in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_a_revoked_token_is_refused_though_its_answer_is_stored(committed: Any) -> None:
    w = committed
    api_client, token = api_client_create(user=w.users["province"], name="看板", province=w.province)
    client = token_client(token)
    url = reverse("api:pairing-list")
    client.get(url)
    assert client.get(url).status_code == 200
    api_client_revoke(user=w.users["province"], client=api_client)
    refused = client.get(url)
    assert refused.status_code == 401 and "pairing" not in refused.content.decode()


def test_a_wrong_token_with_a_known_prefix_is_refused(committed: Any, tokens: dict[str, str]) -> None:
    url = reverse("api:pairing-list")
    token_client(tokens["province"]).get(url)
    forged = tokens["province"][:-4] + "AAAA"
    assert token_client(forged).get(url).status_code == 401


def test_the_language_asked_for_is_its_own_answer(committed: Any, tokens: dict[str, str]) -> None:
    client = token_client(tokens["province"])
    url = reverse("api:indicators")
    answers = {}
    for language in ("en", "zh-hans"):
        first = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        fast = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert fast.content == first.content and _headers(fast) == _headers(first)
        assert fast["Content-Language"] == language
        answers[language] = fast
    assert answers["en"]["ETag"] == answers["zh-hans"]["ETag"]  # same data: the ETag is over the data


def test_not_modified_from_the_fast_path(committed: Any, tokens: dict[str, str]) -> None:
    client = token_client(tokens["province"])
    url = reverse("api:deployment-list")
    first = client.get(url)
    client.get(url)  # now stored under the raw key
    with CaptureQueriesContext(connection) as ctx:
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"]
    assert len(ctx.captured_queries) == 1


def test_unknown_parameters_get_no_raw_key(committed: Any, tokens: dict[str, str]) -> None:
    """``?junk=N`` must not let a client fill Redis through the fast path's keys (looked up by key, not
    counted: other test workers share the Redis)."""
    token = tokens["province"]
    client = token_client(token)
    user_id = ApiClient.objects.get(prefix=token.split("_")[1]).user_id
    url = reverse("api:pairing-list")

    def stored(path: str) -> bool:
        # The same WSGI environment as the test client's (Client is a RequestFactory).
        request = RequestFactory().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        return cache.get(raw_key(user_id, request)) is not None

    for n in range(3):
        assert client.get(f"{url}?junk={n}").status_code == 200
        assert not stored(f"{url}?junk={n}")
    client.get(url)
    assert stored(url)


def test_sessions_and_writes_take_the_full_stack(committed: Any, tokens: dict[str, str]) -> None:
    url = reverse("api:pairing-list")
    session = client_for(committed.users["province"])
    session.get(url)
    with CaptureQueriesContext(connection) as ctx:
        session.get(url)
    assert any("django_session" in q["sql"] for q in ctx.captured_queries)
    # a dashboard token may not write, fast path or not
    refused = token_client(tokens["province"]).post(url, {}, format="json")
    assert refused.status_code in (403, 405)


# --- the WSGI fast path (config/wsgi.py: TokenAnswerApp before Django's handler) -------------------------


class _Recorder:
    """The application behind ``TokenAnswerApp``: Django's test handler, counting the requests it got."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.calls += 1
        response = ClientHandler(enforce_csrf_checks=False)(environ)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [response.content]


def _wsgi(app: Any, path: str, token: str, method: str = "get", **headers: str) -> tuple[int, dict, bytes]:
    """One request through ``app`` with the test client's WSGI environment (Client is a RequestFactory)."""
    environ = getattr(RequestFactory(), method)(path, HTTP_AUTHORIZATION=f"Bearer {token}", **headers).environ
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, response_headers

    body = b"".join(app(environ, start_response))
    return int(seen["status"].split()[0]), dict(seen["headers"]), body


def _token_checks(ctx: CaptureQueriesContext) -> int:
    return sum(
        "pairings_apiclient" in q["sql"] and "data_generation" in q["sql"] for q in ctx.captured_queries
    )


def test_the_wsgi_fast_path_answers_the_full_stacks_bytes_before_django(
    committed: Any, tokens: dict[str, str]
) -> None:
    inner = _Recorder()
    app = TokenAnswerApp(inner)
    for name, token in tokens.items():
        for basename, query in URLS:
            url = reverse(basename) + query
            client = token_client(token)
            client.get(url)  # the full stack computes and stores the raw answer
            full = client.get(url)  # the middleware's fast path: the reference
            with CaptureQueriesContext(connection) as ctx:
                status, headers, body = _wsgi(app, url, token)
            assert inner.calls == 0, (name, url)
            assert status == full.status_code == 200 and body == full.content, (name, url)
            assert list(headers) == list(full.headers), (name, url)  # same headers, same order
            assert {k: v for k, v in headers.items() if k != "X-Request-ID"} == _headers(full)
            assert len(ctx.captured_queries) == 1  # the token check, which reads the data generation


def test_the_wsgi_fast_path_stores_on_a_miss_with_one_token_check(
    committed: Any, tokens: dict[str, str]
) -> None:
    inner = _Recorder()
    app = TokenAnswerApp(inner)
    url = reverse("api:deployment-list") + "?year=2023&page_size=100"
    token = tokens["city"]
    with CaptureQueriesContext(connection) as ctx:
        status, _headers_, computed = _wsgi(app, url, token)
    assert status == 200 and inner.calls == 1
    assert _token_checks(ctx) == 1  # the middleware and DRF reuse the wrapper's check
    status, _headers_, fast = _wsgi(app, url, token)
    assert status == 200 and fast == computed and inner.calls == 1


def test_the_wsgi_fast_path_refuses_what_the_full_stack_refuses(committed: Any) -> None:
    w = committed
    inner = _Recorder()
    app = TokenAnswerApp(inner)
    url = reverse("api:pairing-list")
    revoked, revoked_token = api_client_create(user=w.users["province"], name="吊销", province=w.province)
    deactivated, deactivated_token = api_client_create(
        user=w.users["province"], name="停用", province=w.province
    )
    for token in (revoked_token, deactivated_token):
        assert _wsgi(app, url, token)[0] == 200  # computed and stored
        assert _wsgi(app, url, token)[0] == 200 and inner.calls in (1, 2)
    calls = inner.calls
    api_client_revoke(user=w.users["province"], client=revoked)
    # The principal user deactivated by hand (as the admin can): no token of it answers any more.
    type(w.users["province"]).objects.filter(pk=deactivated.user_id).update(is_active=False)
    for token in (revoked_token, deactivated_token, revoked_token[:-4] + "AAAA"):
        status, _headers_, body = _wsgi(app, url, token)
        assert status == 401 and b"recipient" not in body
    assert inner.calls == calls + 3  # each refused by the full stack, in its own words


def test_the_wsgi_fast_path_serves_no_answer_across_tokens_languages_or_writes(
    committed: Any, tokens: dict[str, str]
) -> None:
    inner = _Recorder()
    app = TokenAnswerApp(inner)
    url = reverse("api:pairing-list")
    _wsgi(app, url, tokens["province"])
    _wsgi(app, url, tokens["province"])
    assert inner.calls == 1
    # another province's token, another language: their own keys, computed by the full stack
    other = _wsgi(app, url, tokens["other_province"])
    english = _wsgi(app, url, tokens["province"], HTTP_ACCEPT_LANGUAGE="en")
    assert inner.calls == 3 and json.loads(other[2])["results"] == []
    assert english[1]["Content-Language"] == "en"
    # a write moves the data generation: the stored answer is not served again
    Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="写入之后")
    status, _headers_, body = _wsgi(app, url, tokens["province"])
    assert status == 200 and inner.calls == 4 and "写入之后" in body.decode()


def test_the_wsgi_fast_path_not_modified_request_id_and_other_requests(
    committed: Any, tokens: dict[str, str]
) -> None:
    inner = _Recorder()
    app = TokenAnswerApp(inner)
    token = tokens["province"]
    url = reverse("api:deployment-list")
    _wsgi(app, url, token)
    status, headers, _body = _wsgi(app, url, token, HTTP_X_REQUEST_ID="proxy-id-123")
    assert status == 200 and headers["X-Request-ID"] == "proxy-id-123" and inner.calls == 1
    status, headers304, body = _wsgi(app, url, token, HTTP_IF_NONE_MATCH=headers["ETag"])
    assert (status, body, headers304["Content-Length"]) == (304, b"", "0") and inner.calls == 1
    status, headers, _body = _wsgi(app, url, token, HTTP_X_REQUEST_ID="bad id\nx")
    assert status == 200 and len(headers["X-Request-ID"]) == 32  # not echoed: a new one
    # writes, unknown parameters and a disabled fast path go to Django
    assert _wsgi(app, url, token, method="post")[0] in (403, 405)
    _wsgi(app, url + "?junk=1", token)
    _wsgi(app, url + "?junk=1", token)
    assert inner.calls == 4
    with override_settings(API_TOKEN_FAST_PATH=False):
        assert _wsgi(app, url, token)[0] == 200
    assert inner.calls == 5


@override_settings(API_CACHE_ENABLED=False)
def test_a_computed_token_answer_reuses_the_membership_until_the_data_changes(
    committed: Any, tokens: dict[str, str]
) -> None:
    """The dashboard user's membership is kept per process at the data generation read with the token: a
    computed answer saves its query, and a change of the membership (a write) is seen at once."""
    w = committed
    client = token_client(tokens["city"])
    url = reverse("api:pairing-list")
    first = client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url)
    assert again.content == first.content
    assert [p["id"] for p in again.json()["results"]] == [w.pairing_a.pk]
    assert not any("pairings_membership" in q["sql"] for q in ctx.captured_queries)
    # the city client's membership moved to the other city: its next answer follows
    user_id = ApiClient.objects.get(prefix=tokens["city"].split("_")[1]).user_id
    Membership.objects.filter(user_id=user_id).update(city=w.city_b)
    assert [p["id"] for p in client.get(url).json()["results"]] == [w.pairing_b.pk]
