"""Co-supporter scope through the pages (issue 13 item 3; SPEC §6).

Pairing A has two supporters: charlie's (the lead) and erin's. The joint team's composition (names, roles,
posts, dates) is shared with both; each supporter's people's personal data, rosters, attendance, monthly
scores, spot checks, end-of-stint appraisals and certificates are the employer's, the recipient's (alice)
and the commission's. Another province (zoe, yan) sees nothing. Refused writes change nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from assessments.models import Certificate, EndOfStintAppraisal, MonthlyAssessment, SpotCheck
from assessments.services.appraisals import end_appraisal_record
from core.files import protected_file_url
from core.imports.models import ImportUpload
from devtools import factories as f
from pairings.models import Membership
from teams.models import ImportJob, ImportKind, Roster, RosterEntry

D = dt.date
OUTSIDERS = ("zoe", "yan")


@dataclasses.dataclass
class Joint:
    roster: Any
    charlies: Any  # charlie's person's deployment
    erins: Any  # erin's person's deployment, same team
    certificate: Any


@pytest.fixture
def joint(co_world: Any, settings: Any, tmp_path: Any) -> Joint:
    settings.MEDIA_ROOT = tmp_path / "media"
    team = f.TeamFactory(pairing=co_world.pairing_a, start_date=D(2023, 1, 1))
    co_supporter = co_world.users["erin"].membership.hospital
    roster = f.RosterFactory(team=team)  # charlie's hospital's (the lead's) draft roster
    f.RosterEntryFactory(roster=roster)
    charlies = f.DeploymentFactory(
        team=team,
        planned_start=D(2023, 1, 1),
        planned_end=D(2023, 6, 30),
        staff=f.StaffFactory(employer=co_world.supporter_a, name="兰大张医生", phone="13800001111"),
    )
    erins = f.DeploymentFactory(
        team=team,
        supporter=co_supporter,
        planned_start=D(2023, 1, 1),
        planned_end=D(2023, 6, 30),
        staff=f.StaffFactory(employer=co_supporter, name="天津李医生", phone="13900002222"),
    )
    for dep in (charlies, erins):
        f.AttendanceFactory(deployment=dep, date=D(2023, 1, 3))
        f.MonthlyAssessmentFactory(deployment=dep, month=D(2023, 1, 1))
        SpotCheck.objects.create(
            deployment=dep, checked_at=dt.datetime(2023, 1, 5, 10, tzinfo=dt.UTC), reached=True
        )
    appraisal = end_appraisal_record(
        user=co_world.users["alice"],
        deployment=charlies,
        qualified=True,
        opinion="工作认真负责。",
        signer="王院长",
        signed_on=D(2023, 7, 10),
    )
    return Joint(roster, charlies, erins, Certificate.objects.get(appraisal=appraisal))


def _get(world: Any, who: str, url: str, **params: Any) -> Any:
    client = Client()
    client.force_login(world.users[who])
    return client.get(url, params)


def _post(world: Any, who: str, url: str, data: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(world.users[who])
    return client.post(url, data)


def _rows(response: Any) -> list[Any]:
    return list(response.context["page"])


def test_rosters_are_the_supporters_own(co_world: Any, joint: Joint) -> None:
    detail = reverse("teams:roster_detail", args=[joint.roster.pk])
    # then the employer, the recipient and the commission open charlie's roster
    for who in ("charlie", "alice", "province", "city_a"):
        assert _get(co_world, who, detail).status_code == 200, who
    # and erin, the co-supporter, and the other province get 404; her list does not show it
    for who in ("erin", *OUTSIDERS):
        assert _get(co_world, who, detail).status_code == 404, who
        assert (
            _get(co_world, who, reverse("teams:roster_template", args=[joint.roster.pk])).status_code == 404
        )
        rows = _rows(_get(co_world, who, reverse("teams:roster_list")))
        assert joint.roster.pk not in {r.pk for r in rows}, who


def test_co_supporter_cannot_change_the_other_supporters_roster(co_world: Any, joint: Joint) -> None:
    before = list(Roster.objects.values_list("pk", "status", "version", "comment"))
    entries = list(RosterEntry.objects.values_list("pk", "roster_id", "staff_id"))
    entry = joint.roster.entries.get()
    for who in ("erin", *OUTSIDERS):
        for action, data in (
            ("submit", {}),
            ("remove_entry", {"entry": entry.pk}),
            ("new_version", {}),
            ("add_entry", {"staff": entry.staff_id, "role": "member", "post": "医师"}),
        ):
            url = reverse("teams:roster_action", args=[joint.roster.pk, action])
            assert _post(co_world, who, url, data).status_code == 404, (who, action)
        upload = reverse("teams:roster_upload", args=[joint.roster.pk])
        assert _post(co_world, who, upload, {}).status_code == 404, who
    assert list(Roster.objects.values_list("pk", "status", "version", "comment")) == before
    assert list(RosterEntry.objects.values_list("pk", "roster_id", "staff_id")) == entries


def test_roster_upload_files_are_the_supporters_own(co_world: Any, joint: Joint) -> None:
    job = ImportJob(kind=ImportKind.ROSTER, hospital=co_world.supporter_a, roster=joint.roster)
    job.file.save("r.xlsx", ContentFile(b"roster"), save=True)
    upload = ImportUpload(kind="roster", target_id=joint.roster.pk, created_by=co_world.users["charlie"])
    upload.file.save("r.xlsx", ContentFile(b"roster"), save=True)
    assert _get(co_world, "charlie", protected_file_url(job, "file")).status_code == 200
    for who in ("erin", *OUTSIDERS):
        for url in (
            protected_file_url(job, "file"),
            reverse("teams:roster_preview", args=[upload.pk]),
            reverse("teams:roster_errors", args=[upload.pk]),
        ):
            assert _get(co_world, who, url).status_code == 404, (who, url)


def test_monthly_scores_spot_checks_and_attendance_are_the_employers(co_world: Any, joint: Joint) -> None:
    pages = {
        "assessments:monthly_assessments": lambda r: r.deployment_id,
        "assessments:spot_checks": lambda r: r.deployment_id,
    }
    for name, dep_of in pages.items():
        # erin sees her own person's records and not charlie's person's
        erin = {dep_of(r) for r in _rows(_get(co_world, "erin", reverse(name)))}
        assert joint.erins.pk in erin and joint.charlies.pk not in erin, name
        # the recipient sees both
        alice = {dep_of(r) for r in _rows(_get(co_world, "alice", reverse(name)))}
        assert {joint.erins.pk, joint.charlies.pk} <= alice, name
        for who in OUTSIDERS:
            assert not _rows(_get(co_world, who, reverse(name))), (who, name)
    monthly = reverse("teams:attendance_monthly")
    erin = {r["deployment"] for r in _rows(_get(co_world, "erin", monthly, month="2023-01"))}
    charlie = {r["deployment"] for r in _rows(_get(co_world, "charlie", monthly, month="2023-01"))}
    assert erin == {joint.erins.pk} and charlie == {joint.charlies.pk}


def test_co_supporter_cannot_open_or_record_the_other_supporters_records(co_world: Any, joint: Joint) -> None:
    counts = (
        MonthlyAssessment.objects.count(),
        SpotCheck.objects.count(),
        EndOfStintAppraisal.objects.count(),
    )
    opinion = EndOfStintAppraisal.objects.get(deployment=joint.charlies).opinion
    forms = {
        "assessments:monthly_assessment_entry": {"month": "2023-02", "comment": "x"},
        "assessments:spot_check_entry": {"checked_at": "2023-02-01T10:00", "reached": "on"},
        "assessments:end_appraisal_entry": {
            "qualified": "0",
            "opinion": "不合格",
            "signer": "某",
            "signed_on": "2023-07-11",
        },
    }
    for name, data in forms.items():
        url = reverse(name, args=[joint.charlies.pk])
        for who in ("erin", *OUTSIDERS):
            assert _get(co_world, who, url).status_code == 404, (who, name)
            assert _post(co_world, who, url, data).status_code == 404, (who, name)
    # erin still records spot checks of her own person
    assert (
        _get(co_world, "erin", reverse("assessments:spot_check_entry", args=[joint.erins.pk])).status_code
        == 200
    )
    assert (
        MonthlyAssessment.objects.count(),
        SpotCheck.objects.count(),
        EndOfStintAppraisal.objects.count(),
    ) == counts
    assert EndOfStintAppraisal.objects.get(deployment=joint.charlies).opinion == opinion


def test_end_of_stint_appraisals_and_certificates_are_the_employers(co_world: Any, joint: Joint) -> None:
    # the end-of-stint list of erin shows her person, not charlie's (whose appraisal and certificate exist)
    erin = {d.pk for d in _rows(_get(co_world, "erin", reverse("assessments:end_appraisals")))}
    assert joint.erins.pk in erin and joint.charlies.pk not in erin
    detail = reverse("assessments:certificate_detail", args=[joint.certificate.pk])
    for who in ("charlie", "alice", "province"):
        assert _get(co_world, who, detail).status_code == 200, who
    for who in ("erin", *OUTSIDERS):
        assert _get(co_world, who, detail).status_code == 404, who
        pdf = reverse("assessments:certificate_pdf", args=[joint.certificate.pk])
        assert _get(co_world, who, pdf).status_code == 404, who


def test_pairing_page_shares_the_team_composition_with_masked_personal_data(
    co_world: Any, joint: Joint
) -> None:
    # given every coordinator has the personal-data right (it must not open another supporter's people)
    Membership.objects.filter(user__username__in=["erin", "charlie"]).update(can_see_personal_data=True)
    url = reverse("pairings:detail", args=[co_world.pairing_a.pk])
    html = _get(co_world, "erin", url, year=2023).content.decode()
    # then erin sees both supporters' people (names, roles, dates) — the joint team
    assert "兰大张医生" in html and "天津李医生" in html
    # with her own person's phone in full and charlie's person's masked
    assert "13900002222" in html
    assert "138****1111" in html and "13800001111" not in html
    # and the other province gets 404
    for who in OUTSIDERS:
        assert _get(co_world, who, url).status_code == 404, who


def test_audit_history_is_the_commissions_of_its_own_province(co_world: Any, joint: Joint) -> None:
    # the audit trail is for commission staff: the province's sees charlie's roster and person; zoe (another
    # province's commission), the co-supporter and the other province's coordinator get 404
    for url in (
        reverse("audit_history", args=["teams", "roster", joint.roster.pk]),
        reverse("audit_history", args=["teams", "staff", joint.charlies.staff_id]),
    ):
        assert _get(co_world, "province", url).status_code == 200, url
        for who in ("erin", *OUTSIDERS):
            assert _get(co_world, who, url).status_code == 404, (who, url)
