"""A choice filter's lookup kept per scope key and data generation (core/api/filters.py, issue 18).

A dashboard token's ``?program=7`` is looked up once per process, filter, ``scope_key`` and data generation.
That is only right if the filters' querysets read nothing of a request but ``for_user(request.user)``, which
reads nothing of a user but its ``scope_key``: held here for every API filter. The behaviour tests commit
for real (``transactional_db``): the generation only moves when a write is committed.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_filters.filters import ModelChoiceFilter
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.access import scope_key
from core.api import filters as api_filters
from devtools import factories as f
from pairings.models import Membership
from pairings.services.api_clients import api_client_create
from tests.api.conftest import client_for, token_client
from tests.api.test_filter_backend import _api_filtersets


def _twin(user: Any) -> Any:
    """Another user with the same membership: the same scope key."""
    twin = f.UserFactory()
    membership = Membership.objects.filter(user=user).values().first()
    if membership is not None:
        Membership.objects.create(
            **{k: v for k, v in membership.items() if k not in ("id", "user_id")}, user=twin
        )
    return twin


def test_every_api_choice_filter_reads_the_request_only_through_the_users_scope_key(co_world: Any) -> None:
    # given every role and a twin of it (same scope key), asking with different query strings
    filters = [
        (fs, name, flt)
        for fs in _api_filtersets()
        for name, flt in fs.base_filters.items()
        if type(flt) is ModelChoiceFilter
    ]
    assert len(filters) > 10
    for user in co_world.users.values():
        twin = _twin(user)
        assert scope_key(twin) == scope_key(user)
        one = Request(APIRequestFactory().get("/a/", {"program": "1", "year": "2023"}))
        one.user = user
        two = Request(APIRequestFactory().get("/b/", {"city": "2"}, HTTP_ACCEPT_LANGUAGE="en"))
        two.user = twin
        for fs, name, flt in filters:
            # when each filter builds its queryset for the two requests
            # then both are the same statement
            first, second = flt.get_queryset(one), flt.get_queryset(two)
            assert _sql(first) == _sql(second), (fs.__name__, name)


def _sql(queryset: Any) -> str:
    try:
        return str(queryset.query)
    except EmptyResultSet:  # ``none()``: no statement at all
        return "(none)"


PAIRINGS = "api:pairing-list"


def _program_lookups(ctx: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith('SELECT "pairings_program"') for q in ctx.captured_queries)


@override_settings(API_CACHE_ENABLED=False)
def test_a_tokens_program_filter_is_looked_up_once_per_data_generation(
    transactional_db: Any, world: Any
) -> None:
    cache.clear()
    api_filters._LOOKUPS.clear()
    _client, token = api_client_create(user=world.users["province"], name="看板", province=world.province)
    dashboard = token_client(token)
    session = client_for(world.users["province"])
    missing_pk = world.program.pk + 1000
    url = reverse(PAIRINGS) + f"?program={world.program.pk}"
    hidden = reverse(PAIRINGS) + f"?program={missing_pk}"
    # given the answers as the session (no kept lookup) gives them
    expected, refused = session.get(url), session.get(hidden)
    assert expected.status_code == 200 and refused.status_code == 400
    # when the token asks twice (after a first request: the token's last use, its membership): the second
    # time without the program's query, the same bytes
    dashboard.get(url)
    api_filters._LOOKUPS.clear()
    with CaptureQueriesContext(connection) as first:
        assert dashboard.get(url).content == expected.content
    with CaptureQueriesContext(connection) as second:
        assert dashboard.get(url).content == expected.content
    assert _program_lookups(first) == 1 and _program_lookups(second) == 0
    assert len(second.captured_queries) == len(first.captured_queries) - 1
    # a program that does not exist: the same 400, kept as not found too
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            answer = dashboard.get(hidden)
        assert (answer.status_code, answer.content) == (400, refused.content)
    assert _program_lookups(ctx) == 0
    # when a committed write moves the generation (the program is created)
    f.ProgramFactory(pk=missing_pk, province=world.province, code="NEW")
    # then the lookup is asked again and finds it
    with CaptureQueriesContext(connection) as after:
        answer = dashboard.get(hidden)
    assert answer.status_code == 200 and _program_lookups(after) == 1
    assert answer.content == session.get(hidden).content
    # a value that is not an id is the field's 400, never kept
    bad = reverse(PAIRINGS) + "?program=abc"
    assert dashboard.get(bad).content == session.get(bad).content
    assert all(key[-1][0][2] != "abc" for key in api_filters._LOOKUPS)
