"""Agreement services: who may enter agreements and items, who reports progress, and what is refused."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.roles import Role
from devtools import factories as f
from pairings.models import Agreement, AgreementItem, AgreementItemUpdate, PairingSupporter
from pairings.services.agreements import (
    agreement_create,
    agreement_item_create,
    agreement_item_report,
    agreement_parties,
    agreement_update,
)

D = dt.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _co_supporter(world: Any) -> tuple[Any, Any]:
    """A second (non-lead) supporter of pairing A and its coordinator erin."""
    co = f.HospitalFactory(province=world.province, city=world.city_a, name="兰州市第二人民医院")
    PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
    return co, f.make_member("erin", Role.SUPPORTER_COORDINATOR, hospital=co)


def _create(world: Any, user: Any, **kw: Any) -> Agreement:
    kw.setdefault("supporter", world.supporter_a)
    kw.setdefault("kind", "tripartite")
    kw.setdefault("title", "三方协议")
    return agreement_create(user=user, pairing=world.pairing_a, **kw)


@pytest.mark.django_db
def test_province_staff_enter_an_agreement_with_its_scan(world: Any) -> None:
    # when province staff enter the tripartite agreement of supporter A with a PDF scan
    a = _create(
        world,
        world.users["province"],
        supporter_signed_on=D(2022, 3, 20),
        government_signed_on=D(2022, 3, 25),
        recipient_signed_on=D(2022, 3, 21),
        filed_on=D(2022, 3, 28),
        scan=io.BytesIO(PDF),
    )
    # then it is stored with its dates, signed when the last party signed, the scan under a name we chose
    a.refresh_from_db()
    assert a.signed_on == D(2022, 3, 25)
    assert a.scan.name.startswith("agreements/") and a.scan.name.endswith(".pdf")
    assert a.scan.read() == PDF


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "文件为空"), (b"PK\x03\x04 not a pdf", "只接受 PDF 或图片"), (b"<html>", "只接受 PDF 或图片")],
)
def test_a_scan_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_written(
    world: Any, content: bytes, reason: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        _create(world, world.users["province"], scan=io.BytesIO(content))
    assert reason in str(exc.value)
    assert not Agreement.objects.exists()


@pytest.mark.django_db
def test_a_scan_over_the_size_limit_is_refused(world: Any, settings: Any) -> None:
    settings.MAX_DOCUMENT_BYTES = 100
    with pytest.raises(ValidationError, match="文件过大"):
        _create(world, world.users["province"], scan=io.BytesIO(PDF + b"0" * 200))
    assert not Agreement.objects.exists()


@pytest.mark.django_db
def test_each_supporter_enters_its_own_agreement_and_not_another_supporters(world: Any) -> None:
    co, erin = _co_supporter(world)
    # when the co-supporter's coordinator enters its own tripartite agreement, then it is stored
    mine = _create(world, erin, supporter=co)
    assert mine.supporter_id == co.pk
    # when it tries the lead supporter's agreement, then it is refused and nothing is written
    with pytest.raises(PermissionDenied):
        _create(world, erin, supporter=world.supporter_a)
    assert list(Agreement.objects.values_list("supporter_id", flat=True)) == [co.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["city_a", "county_a", "alice", "bob", "dana", "dashboard", "nobody"])
def test_other_roles_cannot_enter_agreements(world: Any, who: str) -> None:
    with pytest.raises(PermissionDenied):
        _create(world, world.users[who])
    assert not Agreement.objects.exists()


@pytest.mark.django_db
def test_province_staff_of_another_province_cannot_enter_agreements(world: Any) -> None:
    other = f.make_member(
        "other_prov", Role.PROVINCE_STAFF, province=f.ProvinceFactory(code="44", name="广东省")
    )
    with pytest.raises(PermissionDenied):
        _create(world, other)
    assert not Agreement.objects.exists()


@pytest.mark.django_db
def test_validation_names_the_field_and_why(world: Any) -> None:
    prov = world.users["province"]
    with pytest.raises(ValidationError) as exc:
        _create(world, prov, kind="annual", year=2030)
    assert "不在项目期限" in exc.value.message_dict["year"][0]
    with pytest.raises(ValidationError) as exc:
        _create(world, prov, supporter=world.supporter_b)
    assert "不是本帮扶关系的支援医院" in exc.value.message_dict["supporter"][0]
    with pytest.raises(ValidationError) as exc:
        _create(world, prov, supporter_signed_on=D(2022, 3, 20), filed_on=D(2022, 3, 1))
    assert "报备日期不能早于" in exc.value.message_dict["filed_on"][0]
    with pytest.raises(ValidationError) as exc:
        _create(world, prov, supporter_signed_on=D.today() + dt.timedelta(days=1))
    assert "晚于今天" in exc.value.message_dict["supporter_signed_on"][0]
    _create(world, prov)
    with pytest.raises(ValidationError, match="已录入"):
        _create(world, prov)
    assert Agreement.objects.count() == 1


@pytest.mark.django_db
def test_guangdong_agreements_have_two_parties(world: Any) -> None:
    # given a Guangdong program: supporter and recipient sign (一对一), no county government
    world.program.preset = "guangdong_2019"
    world.program.save()
    assert agreement_parties(world.program) == ("supporter", "recipient")
    with pytest.raises(ValidationError) as exc:
        _create(world, world.users["province"], government_signed_on=D(2022, 3, 1))
    assert "无此签署方" in exc.value.message_dict["government_signed_on"][0]


@pytest.mark.django_db
def test_annual_agreement_per_year_and_update(world: Any) -> None:
    charlie = world.users["charlie"]
    a = _create(world, charlie, kind="annual", year=2023, title="2023 年度补充协议")
    agreement_update(user=charlie, agreement=a, recipient_signed_on=D(2023, 1, 5), scan=io.BytesIO(PNG))
    a.refresh_from_db()
    assert a.recipient_signed_on == D(2023, 1, 5) and a.scan.name.endswith(".png")
    # a refused update changes nothing
    with pytest.raises(PermissionDenied):
        agreement_update(user=world.users["alice"], agreement=a, title="改")
    a.refresh_from_db()
    assert a.title == "2023 年度补充协议"


@pytest.mark.django_db
def test_items_and_progress_reports(world: Any) -> None:
    a = _create(world, world.users["province"])
    item = agreement_item_create(
        user=world.users["province"],
        agreement=a,
        kind="technology",
        description="开展腹腔镜胆囊切除术",
        responsible_department="普外科",
        due_date=D(2023, 6, 30),
    )
    assert item.status == "planned"
    # the recipient reports progress with evidence; the supporter reports it done
    alice, charlie = world.users["alice"], world.users["charlie"]
    evidence = io.BytesIO(PDF)
    agreement_item_report(user=alice, item=item, status="in_progress", note="已完成 3 例", evidence=evidence)
    agreement_item_report(user=charlie, item=item, status="done", completed_on=D(2023, 6, 1))
    item.refresh_from_db()
    assert (item.status, item.completed_on) == ("done", D(2023, 6, 1))
    assert list(item.updates.values_list("status", flat=True)) == ["done", "in_progress"]
    assert item.updates.get(status="in_progress").evidence.name.endswith(".pdf")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["province", "city_a", "county_a", "bob", "dana", "erin"])
def test_only_the_hospitals_of_the_agreement_report_progress(world: Any, who: str) -> None:
    _co, erin = _co_supporter(world)
    users = {**world.users, "erin": erin}
    a = _create(world, world.users["province"])
    item = agreement_item_create(user=world.users["province"], agreement=a, kind="task", description="培训")
    with pytest.raises(PermissionDenied):
        agreement_item_report(user=users[who], item=item, status="in_progress")
    item.refresh_from_db()
    assert item.status == "planned"
    assert not AgreementItemUpdate.objects.exists()


@pytest.mark.django_db
def test_progress_report_validation(world: Any) -> None:
    a = _create(world, world.users["province"])
    item = agreement_item_create(user=world.users["province"], agreement=a, kind="task", description="培训")
    alice = world.users["alice"]
    with pytest.raises(ValidationError) as exc:
        agreement_item_report(user=alice, item=item, status="done")
    assert "完成日期" in exc.value.message_dict["completed_on"][0]
    with pytest.raises(ValidationError) as exc:
        agreement_item_report(user=alice, item=item, status="delayed")
    assert "原因" in exc.value.message_dict["note"][0]
    with pytest.raises(ValidationError, match="只接受 PDF"):
        agreement_item_report(user=alice, item=item, status="in_progress", evidence=io.BytesIO(b"MZ\x90"))
    item.refresh_from_db()
    assert item.status == "planned" and not AgreementItemUpdate.objects.exists()
    assert AgreementItem.objects.count() == 1
