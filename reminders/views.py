"""Pages of the reminders app: the deadline calendar (list, month view, Excel), the inbox, the settings
(channels, calendar feed) and the private iCalendar feed. Thin: selectors read, services write."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from collections import defaultdict
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.access import User
from core.lookups import get_by_pk_or_404
from core.permissions import is_province_staff
from pairings.models import Program
from pairings.services.programs import program_update_params
from reminders.exports import deadlines_workbook
from reminders.forms import DeadlineFilterForm, GroupRobotForm, ReminderPreferenceForm, ReminderStagesForm
from reminders.models import GroupRobot, Notification, ReminderPreference
from reminders.selectors.deadlines import deadlines_for
from reminders.selectors.notifications import inbox_for, notification_for
from reminders.services import calendar as cal
from reminders.services import robots
from reminders.services.inbox import notification_mark_read, notifications_mark_all_read

WEEKDAYS = [
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
]


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here but the feed is behind ``login_required``)."""
    return cast(User, request.user)


@login_required
def deadline_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = DeadlineFilterForm(request.GET or None)
    first, last = form.window(today)
    items = deadlines_for(request.user, first=first, last=last, today=today, **form.filters())
    month: dt.date | None = form.cleaned_data.get("month") if form.is_valid() else None
    weeks: list[list[dict[str, Any]]] = []
    if month is not None:
        by_day: dict[dt.date, list[Any]] = defaultdict(list)
        for d in items:
            by_day[d.due].append(d)
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
            weeks.append(
                [{"day": day, "in_month": day.month == month.month, "items": by_day[day]} for day in week]
            )
    return render(
        request,
        "reminders/deadline_list.html",
        {"form": form, "items": items, "weeks": weeks, "month": month, "today": today, "weekdays": WEEKDAYS},
    )


@login_required
def deadline_export(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = DeadlineFilterForm(request.GET or None)
    first, last = form.window(today)
    items = deadlines_for(request.user, first=first, last=last, today=today, **form.filters())
    response = HttpResponse(
        deadlines_workbook(items),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="deadlines-{today.isoformat()}.xlsx"'
    return response


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "reminders/inbox.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and go to the page where the thing is done."""
    try:
        notification = notification_for(request.user, pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    notification_mark_read(user=_user(request), notification=notification)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("reminders:inbox")
    return redirect(target)


@login_required
@require_POST
def inbox_mark_all(request: HttpRequest) -> HttpResponse:
    n = notifications_mark_all_read(user=_user(request))
    messages.success(request, _("已将 %(n)s 条消息标为已读。") % {"n": n})
    return redirect("reminders:inbox")


@login_required
def reminder_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    pref = ReminderPreference.objects.filter(user_id=user.pk).first() or ReminderPreference(user_id=user.pk)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    form = ReminderPreferenceForm(request.POST if action == "save" else None, instance=pref)
    robot_form = GroupRobotForm(request.POST if action == "robot" else None)
    feed_url = None
    if request.method == "POST":
        if action == "robot" and robot_form.is_valid():
            try:
                robots.group_robot_register(user=user, **robot_form.cleaned_data)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    robot_form.add_error(field if field in robot_form.fields else None, errs)
            else:
                messages.success(request, _("群机器人已登记。"))
                return redirect("reminders:settings")
        elif action == "robot_remove":
            try:
                robots.group_robot_remove(user=user, robot_id=int(request.POST.get("robot", 0)))
            except (GroupRobot.DoesNotExist, ValueError) as exc:
                raise Http404 from exc
            messages.success(request, _("群机器人已删除。"))
            return redirect("reminders:settings")
        elif action == "feed":
            token = cal.calendar_token_create(user=user)
            feed_url = request.build_absolute_uri(reverse("reminders:calendar_feed", args=[token]))
            messages.success(
                request, _("已生成新的日历订阅地址，旧地址已失效。请现在复制，离开本页后不再显示。")
            )
        elif action == "revoke":
            cal.calendar_token_revoke(user=user)
            messages.success(request, _("日历订阅地址已吊销。"))
            return redirect("reminders:settings")
        elif action == "save" and form.is_valid():
            form.save()
            messages.success(request, _("提醒设置已保存。"))
            return redirect("reminders:settings")
    return render(
        request,
        "reminders/settings.html",
        {
            "form": form,
            "feed_url": feed_url,
            "has_feed": cal.has_live_token(user),
            "robot_form": robot_form if robots.robot_owner(user) is not None else None,
            "robots": robots.own_robots(user),
            # The reminder stages are a program parameter: province staff set them per program.
            "stage_programs": [
                p for p in _programs(user) if is_province_staff(user, province_id=p.province_id)
            ],
        },
    )


def _programs(user: User) -> list[Program]:
    return list(Program.objects.for_user(user).order_by("-start_date", "code"))


@login_required
def program_stages(request: HttpRequest, pk: int) -> HttpResponse:
    """The stage editor of a program's reminders (``reminder_days``, issue 17): when before a deadline the
    reminders go out (overdue ones always do). Anyone who sees the program reads the stages; saving goes
    through ``program_update_params`` (province staff, a reason, validated by RuleParams, audited)."""
    user = _user(request)
    program = get_by_pk_or_404(Program.objects.for_user(user), pk)
    days = tuple(program.rules.reminder_days)
    form = ReminderStagesForm(request.POST or None, days=days)
    if request.method == "POST" and form.is_valid():
        try:
            program_update_params(
                user=user,
                program=program,
                values={"reminder_days": form.days()},
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error("reason" if field == "reason" else None, errs)
        else:
            messages.success(request, _("提醒阶段已保存。"))
            return redirect("reminders:program_stages", pk=program.pk)
    return render(
        request,
        "reminders/program_stages.html",
        {
            "program": program,
            "days": days,
            "form": form,
            "can_edit": is_province_staff(user, province_id=program.province_id),
        },
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: no session, the token is the key; a revoked or unknown token is 404."""
    user = cal.calendar_token_owner(token)
    if user is None:
        raise Http404
    today = timezone.localdate()
    items = deadlines_for(user, first=today - cal.FEED_PAST, last=today + cal.FEED_FUTURE, today=today)
    body = cal.ical_for(items, name=_("对口帮扶截止日期"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response
