"""The recipient's training page and API (issue 15, recipient 4): nominate, record on-site sessions and
remote services, progress against TRAINING_QUOTA's one definition; role matrix; refused writes change
nothing; bad input gets a field and a reason and writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devtools import factories as f
from tests.api.conftest import client_for
from tests.assessments.rules_helpers import evaluate
from tests.conftest import World
from training.choices import StintStatus
from training.models import OnSiteTraining, RemoteService, TraineeStint
from training.selectors.quota import quota_progress
from training.services import stints as host_svc

pytestmark = pytest.mark.django_db
D = dt.date
GOOD_ID = f.valid_national_id(7)
# the same ID with a wrong check character
BAD_ID = GOOD_ID[:17] + ("1" if GOOD_ID[17] != "1" else "2")


def _page(world: World) -> str:
    return reverse("training:pairing_training", args=[world.pairing_a.pk])


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _nomination(world: World, **kw: Any) -> dict[str, Any]:
    return {
        "form": "nominate",
        "host": world.supporter_a.pk,
        "trainee_name": "马学员",
        "trainee_national_id": f.valid_national_id(7),
        "department": "内科",
        "specialty": "心血管内科",
        "kind": "further_study",
        "start_date": "2023-03-01",
        "end_date": "2023-08-31",
        "is_backbone": "on",
        **kw,
    }


PAGE = {
    "province": (200, False),
    "city_a": (200, False),
    "county_a": (200, False),
    "charlie": (200, False),  # supporter of the pairing
    "erin": (200, False),  # co-supporter of the same pairing
    "alice": (200, True),  # the recipient: the only one who records
    "bob": (404, False),
    "dana": (404, False),
    "zoe": (404, False),  # another province
    "yan": (404, False),
}


@pytest.mark.parametrize("name", list(PAGE))
def test_role_matrix_reading_the_page(co_world: World, name: str) -> None:
    status, may = PAGE[name]
    f.TraineeStintFactory(pairing=co_world.pairing_a, trainee_name="甲学员")
    resp = _client(co_world.users[name]).get(_page(co_world))
    assert resp.status_code == status
    if status == 200:
        body = resp.content.decode()
        assert "甲学员" in body and "免费培训人数完成情况" in body
        assert ('value="nominate"' in body) is may


@pytest.mark.parametrize("name", [n for n, (_s, may) in PAGE.items() if not may])
def test_refused_page_writes_change_nothing(co_world: World, name: str) -> None:
    c = _client(co_world.users[name])
    assert c.post(_page(co_world), _nomination(co_world)).status_code in (403, 404)
    onsite = {"form": "onsite", "date": "2023-05-01", "topic": "心电图判读", "attendees": 20, "hours": 2}
    assert c.post(_page(co_world), onsite).status_code in (403, 404)
    assert not TraineeStint.objects.exists() and not OnSiteTraining.objects.exists()


def test_recipient_nominates_the_host_accepts_and_the_quota_finding_resolves(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    # given 2023 with two accepted free stints: one short of Gansu's three
    for _ in range(2):
        f.TraineeStintFactory(pairing=world.pairing_a)
    assert [d.evidence["trained"] for d in evaluate(world.program, "TRAINING_QUOTA", as_of=D(2024, 1, 2))
            if d.pairing_id == world.pairing_a.pk and d.evidence["year"] == 2023] == [2]  # fmt: skip
    # when the recipient nominates a third by the page
    with django_capture_on_commit_callbacks():
        resp = _client(world.users["alice"]).post(_page(world), _nomination(world))
    assert resp.status_code == 302, resp.content.decode()
    stint = TraineeStint.objects.get(trainee_name="马学员")
    assert (stint.status, stint.nominated_by, stint.host) == (
        StintStatus.NOMINATED,
        world.users["alice"],
        world.supporter_a,
    )
    # a nomination does not count yet
    assert any(
        d.pairing_id == world.pairing_a.pk
        for d in evaluate(world.program, "TRAINING_QUOTA", as_of=D(2024, 1, 2))
    )
    # then the host accepts and the finding no longer holds; the page shows the year met
    with django_capture_on_commit_callbacks():
        host_svc.trainee_stint_accept(user=world.users["charlie"], stint=stint)
    found = evaluate(world.program, "TRAINING_QUOTA", as_of=D(2024, 1, 2))
    assert not [d for d in found if d.pairing_id == world.pairing_a.pk and d.evidence["year"] == 2023]
    [y2023] = [r for r in quota_progress(pairings=[world.pairing_a], as_of=D(2024, 1, 2))[world.pairing_a.pk]
               if r.year == 2023]  # fmt: skip
    assert (y2023.trained, y2023.required, y2023.met, y2023.judged) == (3, 3, True, True)


def test_page_and_rule_agree_on_which_stints_count(world: World) -> None:
    # declined, paid and nominated stints do not count, on the page as in the rule
    f.TraineeStintFactory(pairing=world.pairing_a)
    f.TraineeStintFactory(pairing=world.pairing_a, is_free=False)
    f.TraineeStintFactory(pairing=world.pairing_a, status=StintStatus.DECLINED)
    f.TraineeStintFactory(pairing=world.pairing_a, status=StintStatus.NOMINATED)
    as_of = D(2024, 1, 2)
    [d] = [x for x in evaluate(world.program, "TRAINING_QUOTA", as_of=as_of)
           if x.pairing_id == world.pairing_a.pk and x.evidence["year"] == 2023]  # fmt: skip
    [row] = [
        r
        for r in quota_progress(pairings=[world.pairing_a], as_of=as_of)[world.pairing_a.pk]
        if r.year == 2023
    ]
    assert (row.trained, row.required) == (d.evidence["trained"], d.evidence["required"]) == (1, 3)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"trainee_national_id": BAD_ID}, "trainee_national_id", "校验"),
        ({"end_date": "2023-02-01"}, "end_date", "结束日期早于开始日期"),
    ],
)
def test_bad_nominations_are_refused_with_a_reason_and_write_nothing(
    world: World, change: dict[str, str], field: str, reason: str
) -> None:
    resp = _client(world.users["alice"]).post(_page(world), _nomination(world, **change))
    assert resp.status_code == 200
    assert reason in resp.content.decode()
    assert not TraineeStint.objects.exists()


def test_a_host_outside_the_pairing_is_refused(world: World) -> None:
    resp = _client(world.users["alice"]).post(_page(world), _nomination(world, host=world.supporter_b.pk))
    assert resp.status_code == 200 and not TraineeStint.objects.exists()


def test_recipient_records_sessions_and_remote_services_and_a_duplicate_month_is_refused(
    world: World,
) -> None:
    c = _client(world.users["alice"])
    onsite = {"form": "onsite", "date": "2023-05-01", "topic": "心电图判读", "attendees": 20, "hours": "2.5"}
    assert c.post(_page(world), onsite).status_code == 302
    remote = {
        "form": "remote",
        "supporter": world.supporter_a.pk,
        "month": "2023-05",
        "kind": "consultation",
        "count": 4,
    }
    assert c.post(_page(world), remote).status_code == 302
    resp = c.post(_page(world), remote | {"count": 9})
    assert resp.status_code == 200 and "已登记" in resp.content.decode()
    assert list(RemoteService.objects.values_list("month", "count")) == [(D(2023, 5, 1), 4)]
    session = OnSiteTraining.objects.get()
    assert (session.topic, str(session.hours), session.attendees) == ("心电图判读", "2.5", 20)
    resp = c.post(reverse("training:session_edit", args=[session.pk]), {**onsite, "attendees": 25})
    assert resp.status_code == 302
    session.refresh_from_db()
    assert session.attendees == 25


def test_the_page_exports_the_stints_masked_for_a_co_supporter(co_world: World) -> None:
    import io

    import openpyxl

    f.TraineeStintFactory(pairing=co_world.pairing_a, trainee_national_id=f.valid_national_id(3))
    resp = _client(co_world.users["erin"]).get(_page(co_world) + "?export=xlsx")
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    assert "*" in str(ws.cell(row=2, column=2).value)


def test_page_query_count_does_not_grow_with_rows(world: World) -> None:
    c = _client(world.users["alice"])
    counts = []
    for n in (1, 12):
        for _ in range(n):
            f.TraineeStintFactory(pairing=world.pairing_a)
            OnSiteTraining.objects.create(pairing=world.pairing_a, date=D(2023, 5, 1), topic="t")
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(_page(world)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# --- API -------------------------------------------------------------------------------------------------


def _api_nomination(world: World, **kw: Any) -> dict[str, Any]:
    data = _nomination(world, **kw)
    data.pop("form")
    data["is_backbone"] = True
    data["pairing"] = world.pairing_a.pk
    return data


API_WRITERS = {"alice": 201}
API_REFUSED = {
    "province": 403,
    "city_a": 403,
    "county_a": 403,
    "charlie": 403,
    "erin": 403,
    "bob": 400,  # pairing A is not in bob's scope: "unknown pairing"
    "dana": 400,
    "zoe": 400,
    "yan": 400,
    "dashboard": 403,
}


@pytest.mark.parametrize("name", list(API_WRITERS | API_REFUSED))
def test_api_role_matrix_for_nominations_sessions_and_remote_services(co_world: World, name: str) -> None:
    expected = (API_WRITERS | API_REFUSED)[name]
    c = client_for(co_world.users[name])
    resp = c.post(reverse("api:trainee-stint-list"), _api_nomination(co_world), format="json")
    assert resp.status_code == expected, resp.content
    session = {"pairing": co_world.pairing_a.pk, "date": "2023-05-01", "topic": "讲座", "attendees": 3}
    assert c.post(reverse("api:onsite-training-list"), session, format="json").status_code == expected
    remote = {"pairing": co_world.pairing_a.pk, "supporter": co_world.supporter_a.pk, "month": "2023-05-15",
              "kind": "imaging", "count": 2}  # fmt: skip
    assert c.post(reverse("api:remote-service-list"), remote, format="json").status_code == expected
    written = (TraineeStint.objects.count(), OnSiteTraining.objects.count(), RemoteService.objects.count())
    assert written == ((1, 1, 1) if expected == 201 else (0, 0, 0))


def test_api_recipient_corrects_a_nomination_until_the_host_decides(world: World) -> None:
    c = client_for(world.users["alice"])
    stint_id = c.post(reverse("api:trainee-stint-list"), _api_nomination(world), format="json").json()["id"]
    url = reverse("api:trainee-stint-detail", args=[stint_id])
    resp = c.patch(url, {"specialty": "呼吸内科"}, format="json")
    assert resp.status_code == 200 and resp.json()["specialty"] == "呼吸内科"
    resp = c.patch(url, {"end_date": "2022-01-01"}, format="json")
    assert resp.status_code == 400 and "end_date" in str(resp.json())
    # another recipient cannot see it; the host's PATCH is the host's record (refused before acceptance)
    assert client_for(world.users["bob"]).patch(url, {"specialty": "x"}, format="json").status_code == 404
    assert (
        client_for(world.users["charlie"]).patch(url, {"completed": True}, format="json").status_code == 400
    )
    host_svc.trainee_stint_accept(user=world.users["charlie"], stint=TraineeStint.objects.get())
    assert c.patch(url, {"specialty": "消化内科"}, format="json").status_code == 400
    assert TraineeStint.objects.get().specialty == "呼吸内科"


def test_api_sessions_and_remote_services_patch_and_refusals(world: World) -> None:
    c = client_for(world.users["alice"])
    session = {"pairing": world.pairing_a.pk, "date": "2023-05-01", "topic": "讲座"}
    sid = c.post(reverse("api:onsite-training-list"), session, format="json").json()["id"]
    resp = c.patch(reverse("api:onsite-training-detail", args=[sid]), {"attendees": 30}, format="json")
    assert resp.status_code == 200 and resp.json()["attendees"] == 30
    resp = c.patch(reverse("api:onsite-training-detail", args=[sid]), {"topic": " "}, format="json")
    assert resp.status_code == 400
    remote = {"pairing": world.pairing_a.pk, "supporter": world.supporter_a.pk, "month": "2023-05-15",
              "kind": "imaging", "count": 2}  # fmt: skip
    rid = c.post(reverse("api:remote-service-list"), remote, format="json").json()["id"]
    assert RemoteService.objects.get().month == D(2023, 5, 1)
    assert c.post(reverse("api:remote-service-list"), remote, format="json").status_code == 400
    resp = c.patch(reverse("api:remote-service-detail", args=[rid]), {"count": 5}, format="json")
    assert resp.status_code == 200 and resp.json()["count"] == 5
    bad = c.patch(
        reverse("api:remote-service-detail", args=[rid]), {"supporter": world.supporter_b.pk}, format="json"
    )
    assert bad.status_code == 400 and "supporter" in str(bad.json())
    assert RemoteService.objects.get().supporter == world.supporter_a
    refused = client_for(world.users["charlie"]).patch(
        reverse("api:remote-service-detail", args=[rid]), {"count": 99}, format="json"
    )
    assert refused.status_code == 403 and RemoteService.objects.get().count == 5
