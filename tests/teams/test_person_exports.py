"""The people's lists export to Excel (issue 19): the page's scoped rows, names without ID numbers, cells
escaped against formula injection; a role that cannot see the list cannot export it."""

from __future__ import annotations

import io

import openpyxl
from django.contrib.auth import get_user_model
from django.urls import reverse

from teams.services import leave as leave_svc
from teams.services import work_reports as wr

User = get_user_model()


def u(name):
    return User.objects.get(username=name)


def _sheet(response):
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_exports_of_reports_leave_and_accounts(people, client):
    wr.work_report_submit(user=u("mei"), deployment=people.mei, month=people.month, figures={"surgeries": 3},
                          narrative={"work_done": "=HYPERLINK(\"http://x\")"})  # fmt: skip
    day = max(people.mei.start, people.month)
    item = leave_svc.leave_request(user=u("mei"), deployment=people.mei, start_date=day, end_date=day,
                                   reason="+病假")  # fmt: skip
    leave_svc.leave_approve(user=u("lin"), leave=item)
    client.force_login(u("alice"))
    reports = _sheet(client.get(reverse("teams:reports_to_confirm"), {"export": "xlsx"}))
    assert reports[1][1] == people.mei.staff.name and reports[1][5] == 3
    assert not str(reports[1][10]).startswith("=")  # escaped, not a formula
    leave = _sheet(client.get(reverse("teams:leave_queue"), {"export": "xlsx"}))
    assert leave[1][0] == people.mei.staff.name and not str(leave[1][5]).startswith("+")
    client.force_login(u("charlie"))
    accounts = _sheet(client.get(reverse("teams:account_list"), {"export": "xlsx"}))
    names = {row[0] for row in accounts[1:]}
    assert people.mei.staff.name in names and people.bo.staff.name not in names
    flat = repr(accounts)
    assert people.mei.staff.national_id not in flat and people.mei.staff.phone not in flat
    # refused roles get no file
    client.force_login(u("mei"))
    for name in ("teams:reports_to_confirm", "teams:leave_queue", "teams:account_list"):
        assert client.get(reverse(name), {"export": "xlsx"}).status_code == 403
