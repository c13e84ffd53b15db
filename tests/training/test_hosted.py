"""Hosted trainees (进修学员, issue 15): the host accepts or declines a nomination and records the stint;
only accepted stints count for TRAINING_QUOTA; role matrix; refused writes change nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from devtools import factories as f
from pairings.models import PairingSupporter
from tests.assessments.rules_helpers import evaluate, pairing, program
from training.choices import StintKind, StintStatus
from training.models import TraineeStint
from training.services import stints as svc

D = dt.date
LIST = reverse("training:hosted_list")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def nominated(world: Any) -> TraineeStint:
    return f.TraineeStintFactory(
        pairing=world.pairing_a, trainee_name="王学员", kind=StintKind.RESIDENCY,
        status=StintStatus.NOMINATED, start_date=D(2023, 3, 1), end_date=D(2023, 8, 31),
    )  # fmt: skip


def test_host_accepts_then_records_completion_by_the_pages(world: Any, nominated: TraineeStint) -> None:
    c = _client(world.users["charlie"])
    page = c.get(LIST).content.decode()
    assert "王学员" in page and "住培" in page  # residency trainees are marked
    assert c.post(reverse("training:stint_decide", args=[nominated.pk, "accept"])).status_code == 302
    nominated.refresh_from_db()
    assert nominated.status == StintStatus.ACCEPTED and nominated.decided_by == world.users["charlie"]
    url = reverse("training:stint_record", args=[nominated.pk])
    resp = c.post(url, {"start_date": "2023-03-06", "end_date": "2023-09-05", "completed": "on"})
    assert resp.status_code == 302
    nominated.refresh_from_db()
    assert (nominated.start_date, nominated.completed, nominated.is_free) == (D(2023, 3, 6), True, False)


def test_record_refuses_bad_dates_and_a_future_completion(world: Any, nominated: TraineeStint) -> None:
    svc.trainee_stint_accept(user=world.users["charlie"], stint=nominated)
    url = reverse("training:stint_record", args=[nominated.pk])
    c = _client(world.users["charlie"])
    resp = c.post(url, {"start_date": "2023-05-01", "end_date": "2023-04-01", "is_free": "on"})
    assert resp.status_code == 200 and "结束日期早于开始日期" in resp.content.decode()
    far = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    resp = c.post(url, {"start_date": "2023-05-01", "end_date": far, "completed": "on", "is_free": "on"})
    assert "不能登记为已结业" in resp.content.decode()
    nominated.refresh_from_db()
    assert (nominated.start_date, nominated.completed) == (D(2023, 3, 1), False)


def test_decline_needs_a_reason_and_a_decided_stint_is_not_decided_again(
    world: Any, nominated: TraineeStint
) -> None:
    with pytest.raises(svc.StintError):
        svc.trainee_stint_decline(user=world.users["charlie"], stint=nominated, reason=" ")
    svc.trainee_stint_decline(user=world.users["charlie"], stint=nominated, reason="科室满员")
    with pytest.raises(svc.StintError, match="已处理"):
        svc.trainee_stint_accept(user=world.users["charlie"], stint=nominated)
    nominated.refresh_from_db()
    assert (nominated.status, nominated.decline_reason) == (StintStatus.DECLINED, "科室满员")


@pytest.mark.parametrize(
    ("who", "sees", "status"),
    [
        ("province", True, 403),
        ("city_a", True, 403),
        ("alice", True, 403),  # the recipient nominated, but the host decides
        ("dana", False, 404),
        ("bob", False, 404),
        ("city_b", False, 404),
    ],
)
def test_role_matrix_refused_decisions_change_nothing(
    world: Any, nominated: TraineeStint, who: str, sees: bool, status: int
) -> None:
    c = _client(world.users[who])
    resp = c.get(LIST)
    assert resp.status_code == 200 and ("王学员" in resp.content.decode()) is sees
    assert c.post(reverse("training:stint_decide", args=[nominated.pk, "accept"])).status_code == status
    assert c.get(reverse("training:stint_record", args=[nominated.pk])).status_code == status
    nominated.refresh_from_db()
    assert nominated.status == StintStatus.NOMINATED and nominated.decided_at is None


def test_co_supporter_cannot_decide_for_the_host(world: Any, nominated: TraineeStint) -> None:
    co = f.HospitalFactory(province=world.province)
    PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
    user = f.make_member("co", "supporter_coordinator", hospital=co)
    with pytest.raises(PermissionDenied):
        svc.trainee_stint_accept(user=user, stint=nominated)
    nominated.refresh_from_db()
    assert nominated.status == StintStatus.NOMINATED


@pytest.mark.django_db
def test_only_accepted_stints_count_for_the_training_quota() -> None:
    prog = program()
    p = pairing(prog)
    for _i in range(2):
        f.TraineeStintFactory(pairing=p, start_date=D(2023, 3, 1), end_date=D(2023, 8, 31))
    f.TraineeStintFactory(
        pairing=p, start_date=D(2023, 3, 1), end_date=D(2023, 8, 31), status=StintStatus.NOMINATED
    )
    [d] = evaluate(prog, "TRAINING_QUOTA")
    assert d.evidence["trained"] == 2


def test_list_queries_do_not_grow(world: Any, django_assert_max_num_queries: Any) -> None:
    for _i in range(12):
        f.TraineeStintFactory(pairing=world.pairing_a, status=StintStatus.NOMINATED)
    c = _client(world.users["charlie"])
    c.get(LIST)  # the first request of a session loads the membership and session once
    with django_assert_max_num_queries(12):
        resp = c.get(LIST)
    assert resp.content.decode().count("/accept/") == 12


def test_export_applies_the_filter_masks_ids_and_escapes(world: Any, nominated: TraineeStint) -> None:
    f.TraineeStintFactory(
        pairing=world.pairing_a, trainee_name="=已接收", trainee_national_id="620102199001011234"
    )
    nominated.trainee_national_id = "620102199001015678"
    nominated.save()
    resp = _client(world.users["charlie"]).get(LIST, {"status": "nominated", "export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert [r[0] for r in rows[1:]] == ["王学员"]
    assert rows[1][1] == "620102********5678"
    resp = _client(world.users["charlie"]).get(LIST, {"status": "accepted", "export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    assert ws["A2"].value == "'=已接收"
