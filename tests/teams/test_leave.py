"""请假 (issue 19): the person asks, the team leader then the recipient approve; refused steps change
nothing; approved leave — and only approved leave — excuses its working days in the attendance rate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.dates import is_working_day
from devtools import factories as f
from pairings.selectors.workdays import working_day_corrections
from teams.choices import LeaveStatus
from teams.models import LeaveRequest
from teams.selectors.attendance import monthly_attendance
from teams.services import leave as svc

User = get_user_model()


def u(name):
    return User.objects.get(username={"province": "prov"}.get(name, name))


def _working(people, month):
    """The working days of ``month`` in the team's province (China's calendar, 调休 included)."""
    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    corrections = working_day_corrections(
        province_id=people.team.pairing.program.province_id, date_from=month, date_to=last
    )
    days = [month + dt.timedelta(days=i) for i in range((last - month).days + 1)]
    return [d for d in days if is_working_day(d, corrections)]


def _workdays(people, n):
    return _working(people, people.month)[:n]


def _rate(dep, month):
    return monthly_attendance(deployment_ids=[dep.pk], month_from=month, month_to=month)[0]


def test_two_step_approval_and_refusals_change_nothing(people):
    day = _workdays(people, 1)[0]
    leave = svc.leave_request(
        user=u("mei"), deployment=people.mei, start_date=day, end_date=day, reason="病假"
    )
    assert leave.status == LeaveStatus.REQUESTED
    # the recipient cannot skip the leader; a member, another team's person, the supporter cannot approve
    for who in ("alice", "mu", "bo", "charlie", "province"):
        with pytest.raises(PermissionDenied):
            svc.leave_approve(user=u(who), leave=leave)
    assert LeaveRequest.objects.get(pk=leave.pk).status == LeaveStatus.REQUESTED
    svc.leave_approve(user=u("lin"), leave=leave)
    assert LeaveRequest.objects.get(pk=leave.pk).status == LeaveStatus.LEADER_APPROVED
    for who in ("lin", "bob", "charlie"):
        with pytest.raises(PermissionDenied):
            svc.leave_approve(user=u(who), leave=leave)
    svc.leave_approve(user=u("alice"), leave=leave)
    leave.refresh_from_db()
    assert (
        leave.status == LeaveStatus.APPROVED
        and leave.decided_by == u("alice")
        and leave.leader_by == u("lin")
    )
    with pytest.raises(ValidationError):
        svc.leave_approve(user=u("alice"), leave=leave)


def test_a_leaders_own_leave_goes_to_the_recipient_and_a_refusal_is_final(people):
    day = _workdays(people, 2)[1]
    own = svc.leave_request(
        user=u("lin"), deployment=people.leader, start_date=day, end_date=day, reason="事假"
    )
    assert own.status == LeaveStatus.LEADER_APPROVED
    svc.leave_refuse(user=u("alice"), leave=own, note="人手不足")
    own.refresh_from_db()
    assert own.status == LeaveStatus.REFUSED and own.note == "人手不足"
    with pytest.raises(ValidationError):
        svc.leave_approve(user=u("alice"), leave=own)


def test_bad_requests_are_refused_with_a_reason_and_write_nothing(people):
    day = _workdays(people, 1)[0]
    with pytest.raises(PermissionDenied):
        svc.leave_request(user=u("mu"), deployment=people.mei, start_date=day, end_date=day, reason="x")
    cases = [
        (day, day - dt.timedelta(days=1), "x", "end_date"),
        (day, day + dt.timedelta(days=40), "x", "end_date"),
        (dt.date(2001, 1, 1), dt.date(2001, 1, 2), "x", "start_date"),
        (day, day, "  ", "reason"),
    ]
    for start, end, reason, field in cases:
        with pytest.raises(ValidationError) as err:
            svc.leave_request(
                user=u("mei"), deployment=people.mei, start_date=start, end_date=end, reason=reason
            )
        assert field in err.value.message_dict
    assert not LeaveRequest.objects.exists()
    svc.leave_request(user=u("mei"), deployment=people.mei, start_date=day, end_date=day, reason="病假")
    with pytest.raises(ValidationError):
        svc.leave_request(user=u("mei"), deployment=people.mei, start_date=day, end_date=day, reason="again")
    assert LeaveRequest.objects.count() == 1


def test_approved_leave_excuses_the_day_in_the_attendance_rate(people):
    # last month, fully inside the stay: every working day present but two, one of them on approved leave
    month = (people.month - dt.timedelta(days=1)).replace(day=1)
    working = _working(people, month)
    assert len(working) == _rate(people.mei, month).workdays
    last = (month + dt.timedelta(days=32)).replace(day=1)
    off = [month + dt.timedelta(days=i) for i in range((last - month).days)]
    off = [d for d in off if d not in working]
    on_leave, absent = working[3], working[5]
    for d in working:
        if d not in (on_leave, absent):
            f.AttendanceFactory(deployment=people.mei, date=d, status="present")
    f.AttendanceFactory(deployment=people.mei, date=absent, status="absent")
    r = _rate(people.mei, month)
    expected_without = r.workdays - r.excused
    # requested or leader-approved leave does not excuse; approved leave does
    leave = svc.leave_request(user=u("mei"), deployment=people.mei, start_date=on_leave, end_date=on_leave,
                              reason="病假")  # fmt: skip
    svc.leave_approve(user=u("lin"), leave=leave)
    assert _rate(people.mei, month).expected == expected_without
    svc.leave_approve(user=u("alice"), leave=leave)
    after = _rate(people.mei, month)
    assert after.excused == r.excused + 1 and after.expected == expected_without - 1
    assert after.present == r.present and after.rate == after.present / after.expected
    # a leave day the export marks absent is excused once, not absent
    leave2 = svc.leave_request(user=u("mei"), deployment=people.mei, start_date=absent, end_date=absent,
                               reason="补假")  # fmt: skip
    svc.leave_approve(user=u("lin"), leave=leave2)
    svc.leave_approve(user=u("alice"), leave=leave2)
    final = _rate(people.mei, month)
    assert final.excused == r.excused + 2 and final.absent == r.absent - 1
    # two days off in a row (a weekend, or holidays) inside one leave excuse nothing
    weekend = next(d for d in off if d + dt.timedelta(days=1) in off)
    leave3 = svc.leave_request(user=u("mei"), deployment=people.mei, start_date=weekend,
                               end_date=weekend + dt.timedelta(days=1), reason="周末")  # fmt: skip
    svc.leave_approve(user=u("lin"), leave=leave3)
    svc.leave_approve(user=u("alice"), leave=leave3)
    assert _rate(people.mei, month).excused == final.excused


@pytest.mark.parametrize(
    ("who", "person_page", "queue"),
    [("mei", 200, 403), ("lin", 200, 403), ("alice", 403, 200), ("charlie", 403, 403), ("province", 403, 403),
     ("zoe", 403, 403)],
)  # fmt: skip
def test_leave_pages_role_matrix(people, client, who, person_page, queue):
    client.force_login(u(who))
    assert client.get(reverse("me:leave")).status_code == person_page
    assert client.get(reverse("teams:leave_queue")).status_code == queue


def test_leave_is_seen_by_the_person_the_leader_and_the_recipient_only(people, client):
    day = _workdays(people, 1)[0]
    leave = svc.leave_request(
        user=u("mei"), deployment=people.mei, start_date=day, end_date=day, reason="病假"
    )
    assert set(LeaveRequest.objects.for_user(u("lin"))) == {leave}
    assert set(LeaveRequest.objects.for_user(u("alice"))) == {leave}
    assert set(LeaveRequest.objects.for_user(u("charlie"))) == {leave}
    for who in ("mu", "bo", "bob", "erin", "zoe", "dana"):
        assert not LeaveRequest.objects.for_user(u(who)).exists(), who
    # the API: the person sees theirs, others see nothing under /me/, writes by others are refused
    client.force_login(u("mu"))
    assert client.get("/api/v1/me/leave/").json()["results"] == []
    r = client.post("/api/v1/me/leave/", {"deployment": people.mei.pk, "start_date": day.isoformat(),
                                          "end_date": day.isoformat(), "reason": "x"},
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 400 and LeaveRequest.objects.count() == 1
    client.force_login(u("mei"))
    assert [x["status"] for x in client.get("/api/v1/me/leave/").json()["results"]] == ["requested"]
    # the leader approves from the team page, the recipient from the queue
    client.force_login(u("lin"))
    assert "病假" in client.get(reverse("me:team")).content.decode()
    client.post(reverse("teams:leave_decide", args=[leave.pk, "approve"]))
    client.force_login(u("alice"))
    assert "病假" in client.get(reverse("teams:leave_queue")).content.decode()
    client.post(reverse("teams:leave_decide", args=[leave.pk, "approve"]))
    assert LeaveRequest.objects.get(pk=leave.pk).status == LeaveStatus.APPROVED
