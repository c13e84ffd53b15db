"""Hot lists from plain rows (core.api.base.PlainListMixin, issue 18) answer the serializer's bytes.

Before (``API_PLAIN_LISTS = False``: the DRF serializer) and after (plain rows) are compared byte for byte
on a sample of queries — filters, orderings, both pages of a cursor — for every role: province, city,
county, recipient, supporter, the co-supporter of the same pairing, another province, a dashboard token;
with and without the right to see personal data, which the masking must follow row by row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from rest_framework import serializers

from assessments.models import Finding
from assessments.rules.messages import msg
from core.access import scope_key
from core.api.base import (
    _SCOPED_VALUES,
    _STATEMENTS,
    _recording,
    datetime_renderer,
    serializer_plan,
)
from devtools import factories as f
from pairings.models import Membership
from pairings.services.api_clients import api_client_create
from teams.api.serializers import DeploymentSerializer, StaffBriefSerializer
from teams.api.views import DeploymentViewSet
from teams.models import Deployment
from tests.api.conftest import client_for, populate, token_client

ROLES = ["province", "city_a", "county_a", "alice", "charlie", "erin", "zoe", "yan", "dashboard"]
QUERIES = {
    "api:pairing-list": [
        "",
        "?page_size=1",
        "?ordering=-updated_at",
        "?ordering=service_start&page_size=1",
        "?status=active",
    ],
    "api:deployment-list": [
        "",
        "?year=2023&page_size=100",
        "?page_size=1",
        "?ordering=-planned_start",
        "?role=leader",
        "?on_date=2023-03-01",
    ],
    "api:finding-list": [
        "",
        "?page_size=1",
        "?ordering=-last_seen",
        "?ordering=updated_at&page_size=2",
        "?status=open",
        "?severity=major",
    ],
}


@pytest.fixture
def world_with_rows(co_world: Any) -> Any:
    w = co_world
    populate(w.pairing_a)
    populate(w.pairing_b)
    team = Deployment.objects.filter(team__pairing=w.pairing_a).first().team  # type: ignore[union-attr]
    # A second person on pairing A, employed by the co-supporter, with an actual start and early return;
    # and one without a national ID or phone (None and "" must stay None and "").
    erin_hospital = Membership.objects.get(user=w.users["erin"]).hospital
    f.DeploymentFactory(
        team=team,
        staff=f.StaffFactory(employer=erin_hospital),
        supporter=erin_hospital,
        planned_start=dt.date(2023, 2, 1),
        planned_end=dt.date(2023, 12, 31),
        actual_start=dt.date(2023, 2, 3),
        actual_end=dt.date(2023, 6, 30),
        early_return_reason="家中急事",
    )
    f.DeploymentFactory(
        team=team,
        staff=f.StaffFactory(employer=w.supporter_a, national_id=None, licence_no="A123456", phone=""),
        supporter=w.supporter_a,
    )
    # Findings of every shape: a message drafted as data (a nested message, a list joined by the language's
    # comma) in English and Chinese, evidence, references, a waived and a resolved one.
    now = timezone.now()
    drafted = msg(
        gettext_noop("%(supporter)s 的帮扶协议尚未全部签署（未签：%(parties)s）"),
        supporter="兰州大学第一医院",
        parties=[msg(gettext_noop("县政府")), msg(gettext_noop("受援医院"))],
    )
    Finding.objects.create(
        rule_code="AGREEMENT_SIGNED",
        severity="critical",
        program=w.pairing_a.program,
        pairing=w.pairing_a,
        subject_type="pairing",
        subject_id=w.pairing_a.pk,
        team=team,
        hospital=w.supporter_a,
        message=str(drafted),
        message_key=drafted.key,
        message_params=drafted.params,
        evidence={"missing": ["county", "recipient"], "count": 2, "ratio": 0.5},
        fingerprint="plain-1",
        status="waived",
        first_seen=now - dt.timedelta(days=3, microseconds=17),
        last_seen=now,
        waived_at=now,
        waive_reason="县政府已口头同意",
    )
    Finding.objects.create(
        rule_code="ROSTER_FILED",
        severity="minor",
        program=w.pairing_b.program,
        pairing=w.pairing_b,
        subject_type="pairing",
        subject_id=w.pairing_b.pk,
        county=w.county_b,
        message="名单未按时报送",
        fingerprint="plain-2",
        status="resolved",
        first_seen=now - dt.timedelta(days=1),
        last_seen=now - dt.timedelta(hours=5),
        resolved_at=now,
        period_start=dt.date(2023, 1, 1),
    )
    # Personal data in full for some: the province, the supporter (its own people only), the co-supporter.
    Membership.objects.filter(user__in=[w.users[k] for k in ("province", "charlie", "erin")]).update(
        can_see_personal_data=True
    )
    return w


def _client(w: Any, role: str) -> Any:
    if role == "dashboard":
        _api_client, token = api_client_create(user=w.users["province"], name="看板", province=w.province)
        return token_client(token)
    return client_for(w.users[role])


def _pages(client: Any, url: str) -> list[bytes]:
    """Every page of the list, following ``next``."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.content)
        url = response.json()["next"]
    return pages


@override_settings(API_CACHE_ENABLED=False)
@pytest.mark.parametrize("role", ROLES)
def test_plain_rows_answer_the_serializers_bytes(world_with_rows: Any, role: str) -> None:
    client = _client(world_with_rows, role)
    for basename, queries in QUERIES.items():
        for query in queries:
            url = reverse(basename) + query
            with override_settings(API_PLAIN_LISTS=False):
                before = _pages(client, url)
            after = _pages(client, url)
            assert after == before, (role, url)


@override_settings(API_CACHE_ENABLED=False)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_plain_findings_render_messages_in_the_language_asked_for(
    world_with_rows: Any, language: str
) -> None:
    client = _client(world_with_rows, "province")
    url = reverse("api:finding-list")
    with override_settings(API_PLAIN_LISTS=False):
        before = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content
    after = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert after.content == before
    messages = {r["rule_code"]: r["message"] for r in after.json()["results"]}
    expected = "County government, Recipient" if language == "en" else "县政府、受援医院"
    assert expected in messages["AGREEMENT_SIGNED"]


@override_settings(API_CACHE_ENABLED=False)
def test_the_sample_covers_masked_and_full_personal_data(world_with_rows: Any) -> None:
    """The comparison above means something only if the lists hold both kinds of rows for some roles."""
    url = reverse("api:deployment-list")
    charlie = client_for(world_with_rows.users["charlie"]).get(url).json()["results"]
    ids = {d["staff"]["national_id"] for d in charlie}
    assert None in ids
    assert any(i and "*" in i for i in ids) and any(i and "*" not in i for i in ids)


@override_settings(API_CACHE_ENABLED=False)
@pytest.mark.parametrize("basename", list(QUERIES))
def test_plain_lists_take_a_fixed_number_of_queries(world_with_rows: Any, basename: str) -> None:
    client = client_for(world_with_rows.users["province"])
    url = reverse(basename)
    # (each asked twice first: a statement is prepared once per session on its second request,
    # core/prepared.py)
    for query in ("", "", "?page_size=1", "?page_size=1", "?page_size=100", "?page_size=100"):
        client.get(url + query)
    with CaptureQueriesContext(connection) as few:
        client.get(url + "?page_size=1")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url + "?page_size=100").json()["results"]) > 1
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/St_Johns"])
def test_the_page_datetime_renderer_renders_as_drfs_field(zone: str) -> None:
    field = serializers.DateTimeField()
    values = [
        None,
        dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2023, 7, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2023, 3, 12, 6, 30, 5, 120, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime(2023, 1, 1, 12, 0),  # naive: the field's own path
    ]
    with timezone.override(zone):
        when = datetime_renderer()
        for value in values:
            assert when(value) == (field.to_representation(value) if value else None), (zone, value)


class _WithAMethod(serializers.ModelSerializer[Deployment]):
    lead = serializers.SerializerMethodField()

    class Meta:
        model = Deployment
        fields = ["id", "lead"]

    def get_lead(self, obj: Deployment) -> None:
        return None


class _WithAProperty(serializers.ModelSerializer[Deployment]):
    start = serializers.DateField(read_only=True)

    class Meta:
        model = Deployment
        fields = ["id", "start"]


class _WithADecimal(serializers.ModelSerializer[Deployment]):
    # A rendering that is not the column's value (a decimal becomes a string): no plain twin.
    amount = serializers.DecimalField(source="pk", max_digits=10, decimal_places=2, read_only=True)

    class Meta:
        model = Deployment
        fields = ["id", "amount"]


@pytest.mark.parametrize("serializer", [_WithAMethod, _WithAProperty, _WithADecimal])
def test_a_field_without_a_plain_twin_stops_the_view_by_name(serializer: Any) -> None:
    """A field added to a plain list's serializer renders the same bytes from its column, or the view
    refuses to start — never a silently different answer."""
    with pytest.raises(ImproperlyConfigured, match=rf"{serializer.__name__}\.\w+: "):
        serializer_plan(serializer(), Deployment)


def test_the_plain_columns_come_from_the_serializer() -> None:
    """One list of the answer's fields: the deployments' columns are read from ``DeploymentSerializer``."""
    plan = serializer_plan(DeploymentSerializer(), Deployment, computed=DeploymentViewSet.plain_computed)
    assert [key for key, _kind, _arg in plan.fields] == list(DeploymentSerializer.Meta.fields)
    assert {"team__pairing_id", "staff__national_id", "staff__employer_id"} <= set(plan.columns)
    nested = dict((key, arg) for key, _kind, arg in plan.fields)["staff"][1]
    assert [key for key, _kind, _arg in nested.fields] == list(StaffBriefSerializer.Meta.fields)


@override_settings(API_CACHE_ENABLED=False)
def test_kept_scoped_bases_answer_as_built_per_request(world_with_rows: Any) -> None:
    """``PlainListMixin.scoped_values`` keeps one scoped values() queryset per view and scope key: every
    role's pages are the bytes of a base built for the request (``API_PLAIN_BASES`` off), users of one
    scope key share an entry, and users of another key never get it (issue 18)."""
    _SCOPED_VALUES.clear()
    for role in ROLES:
        client = _client(world_with_rows, role)
        for basename, queries in QUERIES.items():
            for query in queries:
                url = reverse(basename) + query
                with override_settings(API_PLAIN_BASES=False):
                    before = _pages(client, url)
                assert _pages(client, url) == before, (role, url)
    # Requests filter and page clones: a kept base is never evaluated nor narrowed by a request's filters.
    assert all(qs._result_cache is None and "year" not in str(qs.query) for qs in _SCOPED_VALUES.values())
    kept = {(view.__name__, key) for view, _columns, key in _SCOPED_VALUES}
    keys = {scope_key(world_with_rows.users[r]) for r in ROLES if r != "dashboard"}
    assert {key for _view, key in kept} >= keys
    # One entry per (view, key): a second user of the province's key adds none.
    before_count = len(_SCOPED_VALUES)
    twin = f.UserFactory()
    Membership.objects.create(user=twin, role="province_staff", province=world_with_rows.province)
    assert scope_key(twin) == scope_key(world_with_rows.users["province"])
    client_for(twin).get(reverse("api:deployment-list"))
    assert len(_SCOPED_VALUES) == before_count


@override_settings(API_CACHE_ENABLED=False)
def test_prepared_pages_answer_as_planned_per_request(world_with_rows: Any) -> None:
    """The plain lists' page statement is planned once per session from its second request
    (core.api.base._PreparedValues, core.prepared.execute_planned_once; issue 18): every role's pages,
    cursor pages included, asked three times, are the bytes of the statement run as it is
    (``API_PREPARED_LISTS`` off)."""
    for role in ROLES:
        client = _client(world_with_rows, role)
        for basename, queries in QUERIES.items():
            for query in queries:
                url = reverse(basename) + query
                with override_settings(API_PREPARED_LISTS=False):
                    before = _pages(client, url)
                for _ in range(3):
                    assert _pages(client, url) == before, (role, url)
    # Asked again: no PREPARE, the page is one EXECUTE (pghistory may put its context before it).
    client = _client(world_with_rows, "province")
    url = reverse("api:deployment-list") + "?year=2023"
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).status_code == 200
    texts = [q["sql"] for q in again.captured_queries]
    assert not any("PREPARE" in t for t in texts)
    assert sum("EXECUTE plan_" in t for t in texts) == 1
    with override_settings(API_PREPARED_LISTS=False), CaptureQueriesContext(connection) as plain:
        assert client.get(url).status_code == 200
    assert len(plain.captured_queries) == len(again.captured_queries)
    assert not any("EXECUTE" in q["sql"] for q in plain.captured_queries)


def test_request_operations_are_recorded_and_anything_else_is_compiled_as_usual(co_world: Any) -> None:
    """``_RecordedOps``: filter / exclude / order_by and slices name the statement; any other operation
    (or a value without a hash) leaves it to be compiled as usual."""
    base = Deployment.objects.all().values("id", "role")
    base.__class__ = _recording(type(base))
    base._ops, base._base_key = (), ("view", "key")
    day = dt.date(2023, 3, 1)
    page = base.all().filter(role="leader").exclude(period__contains=day).order_by("-pk")[:5]
    assert page._base_key == ("view", "key")
    assert page._ops == (
        ("filter", (), (("role", str, "leader"),)),
        ("exclude", (), (("period__contains", dt.date, day),)),
        ("order_by", ("-pk",)),
    )
    # the same value of another type is another statement
    assert base.filter(role=1)._ops != base.filter(role=True)._ops
    assert base.distinct()._ops is None
    assert base.filter(pk__in=[1, 2])._ops is None
    assert base.distinct().filter(role="leader")._ops is None
    assert base.annotate(n=Count("pk"))._ops is None


@override_settings(API_CACHE_ENABLED=False, API_PREPARED_LISTS_CHECK=False)
def test_a_kept_statement_is_compiled_once_per_request_shape(
    world_with_rows: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[str] = []
    as_sql = SQLCompiler.as_sql

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        sql, params = as_sql(self, *args, **kwargs)
        if "teams_deployment" in sql:
            compiled.append(sql)
        return sql, params

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    _STATEMENTS.clear()
    client = _client(world_with_rows, "province")
    url = reverse("api:deployment-list") + "?year=2023&page_size=1"
    first = _pages(client, url)
    assert len(compiled) == len(first) > 1  # one statement a page
    assert _pages(client, url) == first
    assert len(compiled) == len(first)  # asked again: none compiled
    with override_settings(API_PREPARED_LISTS=False):
        assert _pages(client, url) == first
    # another filter value, another user's scope: statements of their own, their own rows
    compiled.clear()
    other = client.get(reverse("api:deployment-list") + "?year=2022&page_size=1")
    assert other.status_code == 200 and len(compiled) == 1
    charlie = _client(world_with_rows, "charlie")
    with override_settings(API_PREPARED_LISTS=False):
        expected = _pages(charlie, url)
    assert _pages(charlie, url) == expected


@override_settings(API_CACHE_ENABLED=False)
def test_the_check_setting_finds_a_kept_statement_that_differs(world_with_rows: Any) -> None:
    client = _client(world_with_rows, "province")
    url = reverse("api:deployment-list") + "?year=2023"
    client.get(url)
    for key, (sql, params, names, converters) in list(_STATEMENTS.items()):
        _STATEMENTS[key] = (sql, tuple(2024 if p == 2023 else p for p in params), names, converters)
    with pytest.raises(AssertionError, match="kept statement differs"):
        client.get(url)
    _STATEMENTS.clear()
