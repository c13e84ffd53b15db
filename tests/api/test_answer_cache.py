"""The read API's answer cache and the data generation behind it.

These tests commit for real (``transactional_db``): the generation only moves when a write is committed,
and the ordinary test transaction never commits. Redis is the real one of the test run.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from assessments.models import Finding
from core import data_changes
from core.api.cache import cached_answer
from devtools import factories as f
from pairings.models import ApiClient, Hospital, Pairing
from pairings.services.api_clients import api_client_create
from tests.api.conftest import client_for, token_client

PAIRINGS = "api:pairing-list"


@pytest.fixture
def committed(transactional_db: Any, world: Any) -> Any:
    """The world, committed; a clean Redis so no entry of another test can answer."""
    cache.clear()
    return world


# --- which statements write business data -----------------------------------------------------------------


@pytest.mark.parametrize(
    "sql, tables",
    [
        ('INSERT INTO "pairings_pairing" ("program_id") VALUES (%s)', {"pairings_pairing"}),
        ('UPDATE "assessments_finding" SET "status" = %s', {"assessments_finding"}),
        ('DELETE FROM "teams_deployment" WHERE id = %s', {"teams_deployment"}),
        ("TRUNCATE teams_attendancerecord", {"teams_attendancerecord"}),
        ("COPY teams_attendancepunch FROM STDIN", {"teams_attendancepunch"}),
        (
            "WITH s AS (SELECT 1) INSERT INTO assessments_finding SELECT * FROM s ON CONFLICT DO NOTHING",
            {"assessments_finding"},
        ),
        ('SELECT "pairings_pairing"."id" FROM "pairings_pairing"', set()),
        # bookkeeping tables: a token's last use, an import's progress, the audit trail, other apps
        ('UPDATE "pairings_apiclient" SET "last_used_at" = %s', set()),
        ('UPDATE "teams_importjob" SET "progress" = %s', set()),
        ('INSERT INTO "pairings_pairingevent" ("pgh_obj_id") VALUES (%s)', set()),
        ('UPDATE "auth_user" SET "last_login" = %s', set()),
        ('INSERT INTO "django_session" VALUES (%s)', set()),
    ],
)
def test_written_tables(sql: str, tables: set[str]) -> None:
    assert data_changes.written_tables(sql) == tables


def test_a_bulk_insert_longer_than_the_scan_limit_is_seen() -> None:
    values = ", ".join(["(%s, %s, %s)"] * 5000)
    sql = f'INSERT INTO "teams_attendancerecord" ("a", "b", "c") VALUES {values}'
    assert data_changes.written_tables(sql) == {"teams_attendancerecord"}


# --- when the generation moves ----------------------------------------------------------------------------


def test_the_generation_moves_after_the_commit_not_before(committed: Any) -> None:
    before = data_changes.generation()
    with transaction.atomic():
        Pairing.objects.filter(pk=committed.pairing_a.pk).update(status="paused")
        # not yet: a reader now still sees the old data, and must not store it under a new number
        assert data_changes.generation() == before
        assert data_changes.dirty()
    assert data_changes.generation() == before + 1
    assert not data_changes.dirty()


def test_one_move_per_transaction(committed: Any) -> None:
    before = data_changes.generation()
    with transaction.atomic():
        for name in ("一", "二", "三"):
            Hospital.objects.filter(pk=committed.recipient_a.pk).update(name=name)
    assert data_changes.generation() == before + 1


def test_autocommit_writes_move_it_at_once(committed: Any) -> None:
    before = data_changes.generation()
    Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="改名医院")
    assert data_changes.generation() == before + 1
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE pairings_hospital SET name = %s WHERE id = %s", ["再改", committed.recipient_a.pk]
        )
    assert data_changes.generation() == before + 2


def test_a_rolled_back_transaction_does_not_move_it_and_the_next_one_does(committed: Any) -> None:
    before = data_changes.generation()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="不算")
            raise RuntimeError("rolled back")
    assert data_changes.generation() == before
    with transaction.atomic():
        Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="算")
    assert data_changes.generation() == before + 1


def test_a_write_in_a_rolled_back_savepoint_alone_does_not_move_it(committed: Any) -> None:
    before = data_changes.generation()
    with transaction.atomic():
        try:
            with transaction.atomic():
                Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="不算")
                raise RuntimeError
        except RuntimeError:
            pass
        assert not data_changes.dirty()
        Hospital.objects.filter(pk=committed.recipient_b.pk).update(name="算")
    assert data_changes.generation() == before + 1


def test_bookkeeping_writes_do_not_move_it(committed: Any) -> None:
    client, token = api_client_create(
        user=committed.users["province"], name="看板", province=committed.province
    )
    before = data_changes.generation()
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=None)
    assert token_client(token).get(reverse(PAIRINGS)).status_code == 200  # records last use
    assert data_changes.generation() == before


# --- answers ----------------------------------------------------------------------------------------------


def test_a_repeated_list_is_answered_from_the_cache_until_the_data_changes(committed: Any) -> None:
    client = client_for(committed.users["province"])
    url = reverse(PAIRINGS)
    first = client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    # only the session's user is read: no pairing, membership or supporter query
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "pairings_pairing" not in tables and "pairings_membership" not in tables
    # a committed write shows at once
    Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="改名后的医院")
    changed = client.get(url)
    assert changed.status_code == 200 and "改名后的医院" in changed.content.decode()
    assert changed["ETag"] != first["ETag"]


def test_a_cached_answer_has_the_etag_of_the_same_answer_computed(committed: Any, settings: Any) -> None:
    """The ETag is a hash of the answer's bytes, from the cache or computed: switching the cache off (or
    a miss) never makes a dashboard download an unchanged answer again."""
    client = client_for(committed.users["province"])
    url = reverse(PAIRINGS)
    client.get(url)
    cached = client.get(url)
    settings.API_CACHE_ENABLED = False
    computed = client.get(url)
    assert cached.content == computed.content
    assert cached["ETag"] == computed["ETag"] == 'W/"' + hashlib.sha256(cached.content).hexdigest()[:32] + '"'
    assert client.get(url, HTTP_IF_NONE_MATCH=cached["ETag"]).status_code == 304


def test_writes_through_the_api_show_in_the_next_read(committed: Any) -> None:
    """A hospital system writes, then reads: the read is never an answer from before the write."""
    client = client_for(committed.users["province"])
    url = reverse("api:finding-list")
    assert client.get(url).json()["results"] == []
    f_ = Finding.objects.create(
        rule_code="TEAM_MIN_SIZE",
        severity="major",
        program=committed.program,
        pairing=committed.pairing_a,
        subject_type="pairing",
        subject_id=committed.pairing_a.pk,
        message="在岗人数不足",
        fingerprint="fp-cache",
        first_seen=committed.program.created_at,
        last_seen=committed.program.created_at,
    )
    assert [r["id"] for r in client.get(url).json()["results"]] == [f_.pk]


def test_users_never_share_an_answer(committed: Any) -> None:
    url = reverse(PAIRINGS)
    alice = client_for(committed.users["alice"]).get(url).json()["results"]
    bob = client_for(committed.users["bob"]).get(url).json()["results"]
    assert [p["id"] for p in alice] == [committed.pairing_a.pk]
    assert [p["id"] for p in bob] == [committed.pairing_b.pk]
    # bob again, now cached: still only his own
    assert [p["id"] for p in client_for(committed.users["bob"]).get(url).json()["results"]] == [
        committed.pairing_b.pk
    ]


def test_not_modified_from_the_cache(committed: Any) -> None:
    client = client_for(committed.users["province"])
    url = reverse("api:indicators")
    first = client.get(url)
    assert first.status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="改")
    # the data changed: the old ETag no longer matches (the figures may be equal, the answer is fresh)
    fresh = client.get(url, HTTP_IF_NONE_MATCH='W/"stale"')
    assert fresh.status_code == 200


def test_errors_and_html_are_not_cached(committed: Any) -> None:
    client = client_for(committed.users["province"])
    bad = reverse("api:indicators") + "?date_from=2023-12-31&date_to=2023-01-01"
    assert client.get(bad).status_code == 400
    assert client.get(bad).status_code == 400
    page = client.get(reverse(PAIRINGS), HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")


def test_the_cache_can_be_switched_off(committed: Any, settings: Any) -> None:
    settings.API_CACHE_ENABLED = False
    client = client_for(committed.users["province"])
    client.get(reverse(PAIRINGS))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse(PAIRINGS))
    assert any("pairings_pairing" in q["sql"] for q in ctx.captured_queries)


def test_a_transaction_with_its_own_writes_reads_past_the_cache(committed: Any) -> None:
    client = client_for(committed.users["province"])
    url = reverse(PAIRINGS)
    client.get(url)  # cached
    with transaction.atomic():
        Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="尚未提交")
        assert "尚未提交" in client.get(url).content.decode()
        transaction.set_rollback(True)
    # rolled back: the cached answer (from before) is right again
    assert "尚未提交" not in client.get(url).content.decode()


def test_concurrent_misses_compute_once(committed: Any) -> None:
    """Workers missing the same key at once: one computes, the others wait for its answer."""
    calls = []
    user = committed.users["province"]
    request_factory = APIRequestFactory()

    class Slow(APIView):
        def get(self, request: Any) -> Any:
            def compute() -> Response:
                calls.append(1)
                time.sleep(0.5)
                return Response({"n": len(calls)})

            return cached_answer(request, compute, self.get_renderer_context())

    view = Slow.as_view()
    bodies: list[bytes] = []

    def call() -> None:
        request = request_factory.get("/api/v1/slow/")
        request.user = user
        from rest_framework.test import force_authenticate

        force_authenticate(request, user=user)
        try:
            response = view(request)
            bodies.append(response.content)
        finally:
            connection.close()  # a thread's own connection left open blocks the test database's teardown

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert bodies == [b'{"n":1}'] * 4


def test_migrate_moves_the_generation(committed: Any) -> None:
    from django.apps import apps
    from django.db.models.signals import post_migrate

    before = data_changes.generation()
    post_migrate.send(sender=apps.get_app_config("pairings"), app_config=apps.get_app_config("pairings"))
    assert data_changes.generation() == before + 1


def test_token_clients_share_the_cache_and_revocation_still_bites(committed: Any) -> None:
    client, token = api_client_create(
        user=committed.users["province"], name="看板", province=committed.province
    )
    url = reverse(PAIRINGS)
    api = token_client(token)
    assert api.get(url).status_code == 200
    assert api.get(url).status_code == 200  # cached
    from pairings.services.api_clients import api_client_revoke

    api_client_revoke(user=committed.users["province"], client=client)
    assert api.get(url).status_code == 401


def test_population_does_not_leak_between_programs(committed: Any) -> None:
    """Answers are per URL: another program's list is its own entry."""
    other = f.ProgramFactory(province=committed.province)
    f.PairingFactory(program=other)
    client = client_for(committed.users["province"])
    ours = client.get(reverse(PAIRINGS), {"program": committed.program.pk}).json()["results"]
    theirs = client.get(reverse(PAIRINGS), {"program": other.pk}).json()["results"]
    assert {p["program"] for p in ours} == {committed.program.pk}
    assert {p["program"] for p in theirs} == {other.pk}


def test_a_token_clients_cached_answer_costs_one_query(committed: Any) -> None:
    """The token check reads the data generation in the same query (issue 18): a hit is one round trip
    to PostgreSQL, and a committed write still retires the answer at once."""
    _client, token = api_client_create(
        user=committed.users["province"], name="看板", province=committed.province
    )
    url = reverse(PAIRINGS)
    api = token_client(token)
    first = api.get(url)
    with CaptureQueriesContext(connection) as ctx:
        again = api.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert len(ctx.captured_queries) == 1
    assert "data_generation" in ctx.captured_queries[0]["sql"]
    Hospital.objects.filter(pk=committed.recipient_a.pk).update(name="令牌读到的新名字")
    changed = api.get(url)
    assert "令牌读到的新名字" in changed.content.decode() and changed["ETag"] != first["ETag"]
