"""National IDs and licence numbers: one normaliser, the GB 11643 check, the database's CHECK constraints,
the data migration, and the look-alike (full-width) attack on the roster import, end to end.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from core.identifiers import (
    check_character,
    clean_licence,
    clean_national_id,
    national_id_error,
    normalize_licence,
    normalize_national_id,
)
from core.identifiers_migration import IdentifierMigrationError, normalise_stored_identifiers
from devtools import factories as f
from devtools.dingtalk_samples import write_xlsx
from teams.models import RosterEntry, Staff
from teams.resources import ROSTER_HEADERS
from teams.services import rosters as svc
from teams.services.imports import ERROR, roster_import
from tests.api.conftest import client_for
from training.models import TraineeStint

# 11010519491231002X is the standard's own example (GB 11643-1999, appendix).
STANDARD_EXAMPLE = "11010519491231002X"
ID_A = f.valid_national_id(7, area="620102", born=dt.date(1980, 1, 1))
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


# --- normalising --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002X",
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",  # full width (a Chinese input method)
        "１１０１０５１９４９１２３１００２ｘ",
        " 110105 19491231 002X ",
        "110105-19491231-002X",
        "110105\u300019491231\u3000002x",  # ideographic spaces
        "110105\u201419491231\u2212002X",  # em dash, minus sign
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits: other Unicode decimal digits count too
        "११०१०५१९४९१२३१००२X",  # Devanagari
    ],
)
def test_every_look_alike_normalises_to_one_id(typed: str) -> None:
    assert normalize_national_id(typed) == STANDARD_EXAMPLE
    assert clean_national_id(typed) == STANDARD_EXAMPLE


def test_spreadsheet_number_cells_and_blanks() -> None:
    # a licence number typed as a number cell comes back as a float
    assert normalize_licence(110440100012345.0) == "110440100012345"
    assert normalize_national_id(None) == "" and clean_national_id("  ") == ""
    assert normalize_licence(" １１０４４０１０００１２３４５ ") == "110440100012345"
    assert clean_licence("ab-12 34") == "AB1234"


def test_check_character_of_every_remainder() -> None:
    # ISO 7064 MOD 11-2: each of the 11 remainders maps to its own character, X standing for 10.
    seen = {check_character(f"62010219800101{n:03d}") for n in range(200)}
    assert seen == set("0123456789X")
    assert check_character(STANDARD_EXAMPLE[:17]) == "X"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11010519491231002", "身份证号应为 18 位，实际为 17 位"),
        ("11010519491231002X1", "身份证号应为 18 位，实际为 19 位"),
        ("110105491231002", "身份证号为 15 位旧号码，请填写 18 位公民身份号码"),
        ("1101051949123100XX", "身份证号只能由数字组成，最后一位可以是 X"),
        ("11010519491231002A", "身份证号只能由数字组成，最后一位可以是 X"),
        ("110105194902300020", "身份证号中的出生日期 19490230 不是有效日期"),
        ("110105194913010020", "身份证号中的出生日期 19491301 不是有效日期"),
        ("110105189912310020", "身份证号中的出生日期 1899-12-31 不合理"),
        ("110105203001010020", "身份证号中的出生日期 2030-01-01 不合理"),
        ("110105194912310021", "身份证号校验位错误：最后一位应为 X，实际为 1（请核对号码）"),
    ],
)
def test_each_problem_is_named(value: str, message: str) -> None:
    assert national_id_error(normalize_national_id(value), today=dt.date(2026, 11, 30)) == message
    with pytest.raises(ValidationError):
        clean_national_id(value)


def test_checksum_boundaries() -> None:
    # given the valid ID, every other last character is refused, and so is any single changed digit
    assert national_id_error(STANDARD_EXAMPLE) is None
    for c in "0123456789":
        assert national_id_error(STANDARD_EXAMPLE[:17] + c) is not None
    for i in (0, 5, 16):
        d = str((int(STANDARD_EXAMPLE[i]) + 1) % 10)
        assert "校验位错误" in (national_id_error(STANDARD_EXAMPLE[:i] + d + STANDARD_EXAMPLE[i + 1 :]) or "")
    # the oldest and the newest birth dates accepted: 1900-01-01 and today
    for born in (dt.date(1900, 1, 1), dt.date(2026, 11, 30)):
        first17 = f"110105{born:%Y%m%d}001"
        assert national_id_error(first17 + check_character(first17), today=dt.date(2026, 11, 30)) is None
    first17 = "110105202612010011"[:17]  # tomorrow
    assert "不合理" in (
        national_id_error(first17 + check_character(first17), today=dt.date(2026, 11, 30)) or ""
    )


def test_licence_is_ascii_letters_and_digits() -> None:
    with pytest.raises(ValidationError, match="只能由数字和字母组成"):
        clean_licence("11044０1０00我")
    with pytest.raises(ValidationError, match="最长 32 位"):
        clean_licence("1" * 33)


def test_factory_ids_are_valid(db: Any) -> None:
    ids = [f.StaffFactory().national_id for _ in range(3)]
    assert all(national_id_error(i) is None for i in ids) and len(set(ids)) == 3


# --- the database has the last word ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("national_id", "６２０１０２１９８００１０１００１７"),  # full width: 18 characters, not ASCII
        ("national_id", "62010219800101001x"),
        ("national_id", "6201021980010100"),
        ("national_id", "620102 98001010017"),
        ("licence_no", "1104-4010"),
        ("licence_no", "１１０４４"),
        ("licence_no", "ab123"),
        ("licence_no", ""),
    ],
)
def test_constraint_refuses_raw_writes(world: Any, column: str, value: str) -> None:
    staff = f.StaffFactory(employer=world.supporter_a, licence_no="110440100012345")
    with pytest.raises(IntegrityError, match=f"staff_{column}_format"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(f"UPDATE teams_staff SET {column} = %s WHERE id = %s", [value, staff.pk])
    staff.refresh_from_db()
    assert staff.licence_no == "110440100012345" and national_id_error(staff.national_id) is None


def test_trainee_constraint_allows_blank_only(world: Any) -> None:
    stint = f.TraineeStintFactory(pairing=world.pairing_a)
    with connection.cursor() as cur:
        cur.execute("UPDATE training_traineestint SET trainee_national_id = '' WHERE id = %s", [stint.pk])
    with pytest.raises(IntegrityError, match="trainee_national_id_format"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE training_traineestint SET trainee_national_id = %s WHERE id = %s",
                ["１１０１０５１９４９１２３１００２Ｘ", stint.pk],
            )


def test_model_full_clean_normalises(world: Any) -> None:
    # the admin and every model form clean through the model field
    staff = Staff(
        employer=world.supporter_a, name="甲", title=2, national_id="１１０１０５１９４９１２３１００２ｘ"
    )
    staff.full_clean()
    assert staff.national_id == STANDARD_EXAMPLE
    bad = Staff(employer=world.supporter_a, name="乙", title=2, national_id="110105194912310021")
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert "校验位错误" in str(exc.value.message_dict["national_id"])
    stint = TraineeStint(trainee_national_id="１１０１０５１９４９１２３１００２ｘ")
    stint.clean_fields(exclude=["pairing", "host", "trainee_name", "kind", "start_date", "end_date"])
    assert stint.trainee_national_id == STANDARD_EXAMPLE


def test_admin_refuses_a_full_width_copy_of_a_stored_id(world: Any, client: Any) -> None:
    # given a person of another hospital and a superuser in the admin
    f.StaffFactory(employer=world.supporter_b, national_id=ID_A)
    admin = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    before = Staff.objects.count()
    # when the full-width form of that ID is entered for a new person
    response = client.post(
        reverse("admin:teams_staff_add"),
        {
            "employer": world.supporter_a.pk,
            "name": "冒名",
            "national_id": ID_A.translate(FULL_WIDTH),
            "title": 2,
        },
    )
    # then the form answers that the ID exists, and nothing is written
    assert response.status_code == 200
    assert "身份证号" in response.context["adminform"].form.errors.as_text()
    assert Staff.objects.count() == before


# --- the full-width attack on the roster import ------------------------------------------------------

HEADER = [h for h, _r, _h in ROSTER_HEADERS]


def _row(world: Any, name: str, nid: str, **over: Any) -> list[Any]:
    values = {h: "" for h in HEADER}
    values.update(
        {
            "姓名": name,
            "身份证号": nid,
            "工作单位": world.supporter_a.name,
            "职称": "中级",
            "从事临床工作起始": "2010-07-01",
            "角色": "队员",
            "挂职岗位": "医师",
            "计划开始": "2023-03-01",
            "计划结束": "2023-08-31",
        }
    )
    values.update(over)
    return [values[h] for h in HEADER]


def _file(tmp_path: Path, rows: list[list[Any]]) -> io.BytesIO:
    path = tmp_path / "roster.xlsx"
    write_xlsx(path, [("名单", [HEADER, *rows])])
    return io.BytesIO(path.read_bytes())


@pytest.fixture
def roster(world: Any) -> Any:
    # a roster of the non-lead supporter shape is simpler: make supporter_a's roster for pairing_a (lead)
    team = f.TeamFactory(pairing=world.pairing_a, start_date=dt.date(2023, 3, 1))
    return svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)


def _leader(world: Any) -> list[Any]:
    return _row(
        world, "王队长", f.valid_national_id(1, area="620102"), 角色="队长", 职称="正高", 挂职岗位="副院长"
    )


def test_full_width_id_of_another_hospitals_person_is_refused_as_that_person(
    world: Any, roster: Any, tmp_path: Path
) -> None:
    # given a person of supporter B deployed in B's pairing
    other = f.StaffFactory(employer=world.supporter_b, national_id=ID_A)
    f.DeploymentFactory(staff=other, team=f.TeamFactory(pairing=world.pairing_b))
    staff_before = Staff.objects.count()
    # when supporter A's coordinator uploads that ID in full-width digits (and spaced, lower-case x variants)
    look_alike = " ".join([ID_A[:6], ID_A[6:14], ID_A[14:]]).translate(FULL_WIDTH).lower()
    rows = [_leader(world), _row(world, "冒名", look_alike)]
    preview = roster_import(
        user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False
    )
    # then the row is that person, refused as registered at another hospital, and nothing is written
    bad = preview.rows[1]
    assert bad.status == ERROR and bad.obj == other
    assert any("该人员登记在其他医院" in m for _c, m in bad.errors)
    assert not preview.applied
    assert Staff.objects.count() == staff_before and RosterEntry.objects.filter(roster=roster).count() == 0


def test_full_width_id_of_own_person_is_matched_not_duplicated(
    world: Any, roster: Any, tmp_path: Path
) -> None:
    # given supporter A's own person
    own = f.StaffFactory(employer=world.supporter_a, national_id=ID_A)
    # when the roster names them by the full-width ID
    rows = [_leader(world), _row(world, own.name, ID_A.translate(FULL_WIDTH))]
    preview = roster_import(
        user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False
    )
    # then the existing person is on the roster, and no second person exists
    assert preview.applied, preview.error_lines()
    assert roster.entries.filter(staff=own).exists()
    assert Staff.objects.filter(name=own.name).count() == 1


def test_two_rows_one_person_by_look_alike_ids(world: Any, roster: Any, tmp_path: Path) -> None:
    rows = [_leader(world), _row(world, "甲", ID_A), _row(world, "甲", ID_A.translate(FULL_WIDTH))]
    preview = roster_import(
        user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False
    )
    assert ("", "与第 3 行是同一人员（重复行）") in preview.rows[2].errors
    assert not preview.applied and not Staff.objects.filter(name="甲").exists()


def test_bad_checksum_row_names_cell_and_reason(world: Any, roster: Any, tmp_path: Path) -> None:
    wrong = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    rows = [_leader(world), _row(world, "甲", wrong)]
    preview = roster_import(
        user=world.users["charlie"], roster=roster, f=_file(tmp_path, rows), dry_run=False
    )
    assert preview.rows[1].errors == [
        ("身份证号 (B)", f"身份证号校验位错误：最后一位应为 {ID_A[17]}，实际为 {wrong[17]}（请核对号码）")
    ]
    assert not preview.applied and not Staff.objects.filter(name="甲").exists()


def test_api_json_full_width_id_is_the_same_person(world: Any, roster: Any) -> None:
    other = f.StaffFactory(employer=world.supporter_b, national_id=ID_A)
    staff_before = Staff.objects.count()
    entry = {
        "name": "冒名",
        "national_id": ID_A.translate(FULL_WIDTH),
        "title": 2,
        "role": "member",
        "post": "医师",
        "planned_start": "2023-03-01",
        "planned_end": "2023-08-31",
    }
    response = client_for(world.users["charlie"]).post(
        reverse("api:roster-confirm"), {"team": roster.team.pk, "entries": [entry]}, format="json"
    )
    assert response.status_code == 400, response.content
    errors = [e["message"] for r in response.json()["error"]["fields"]["rows"] for e in r["errors"]]
    assert "该人员登记在其他医院，不能列入本院名单" in errors
    assert Staff.objects.count() == staff_before and other.roster_entries.count() == 0


# --- the data migration ------------------------------------------------------------------------------


def _without_constraints() -> None:
    # Rolled back with the test's transaction: the rows below are what existed before migration 0004.
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE teams_staff DROP CONSTRAINT staff_national_id_format")
        cur.execute("ALTER TABLE teams_staff DROP CONSTRAINT staff_licence_no_format")


def _stored(employer: Any, national_id: str | None, licence_no: str | None = None) -> Staff:
    """A person as an older release stored them: raw SQL, since the model field normalises every write."""
    staff = f.StaffFactory(employer=employer, national_id=None, licence_no=f"TMP{Staff.objects.count()}")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE teams_staff SET national_id = %s, licence_no = %s WHERE id = %s",
            [national_id, licence_no, staff.pk],
        )
    return staff


def _raw(staff: Staff) -> tuple[str | None, str | None]:
    with connection.cursor() as cur:
        cur.execute("SELECT national_id, licence_no FROM teams_staff WHERE id = %s", [staff.pk])
        return cur.fetchone()  # type: ignore[return-value]


def test_model_field_normalises_every_write_and_lookup(world: Any) -> None:
    # given a person saved through the ORM with a full-width ID and a spaced licence
    staff = f.StaffFactory(
        employer=world.supporter_a, national_id=ID_A.translate(FULL_WIDTH), licence_no="ab 12"
    )
    # then the canonical values are stored, and a look-alike lookup finds them
    assert _raw(staff) == (ID_A, "AB12")
    assert Staff.objects.get(national_id=ID_A.translate(FULL_WIDTH)) == staff


def test_migration_normalises_what_it_can(world: Any) -> None:
    _without_constraints()
    a = _stored(world.supporter_a, ID_A.translate(FULL_WIDTH), "ab-12")
    b = _stored(world.supporter_a, STANDARD_EXAMPLE.lower())
    wrong = ID_A[:6] + "19800101999" + "0"  # well-formed, but the check character is wrong
    wrong = wrong if national_id_error(wrong) else wrong[:17] + "1"
    c = _stored(world.supporter_a, wrong)
    lines: list[str] = []
    warnings = normalise_stored_identifiers(
        Staff, fields={"national_id": "national_id", "licence_no": "licence"}, unique=True, write=lines.append
    )
    assert (_raw(a), _raw(b)[0], _raw(c)[0]) == ((ID_A, "AB12"), STANDARD_EXAMPLE, wrong)
    assert len(warnings) == 1 and "校验位错误" in warnings[0]
    assert any("normalised identifiers of 2" in line for line in lines)


def test_migration_stops_on_a_duplicate_person_and_changes_nothing(world: Any) -> None:
    _without_constraints()
    original = _stored(world.supporter_b, ID_A)
    copy = _stored(world.supporter_a, ID_A.translate(FULL_WIDTH))
    fixable = _stored(world.supporter_a, STANDARD_EXAMPLE.lower())
    old_id = _stored(world.supporter_a, "620102800101001")
    lines: list[str] = []
    with pytest.raises(IdentifierMigrationError, match="2 stored identifier"):
        normalise_stored_identifiers(
            Staff, fields={"national_id": "national_id"}, unique=True, write=lines.append
        )
    report = "\n".join(lines)
    assert f"pk={copy.pk}" in report and f"same person as pk={original.pk}" in report
    assert f"pk={old_id.pk}" in report and "15 位旧号码" in report
    assert _raw(fixable)[0] == STANDARD_EXAMPLE.lower()  # nothing written when anything is blocked
