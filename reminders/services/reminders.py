"""The reminder sweep: each due-soon and overdue deadline to the people who must act (issue 17).

Per item the *stage* is the nearest configured lead time it has reached (``reminder_days`` of the program,
e.g. 7 and 1 days before), or ``overdue`` once the date passed, or ``overdue_escalated`` after
``REMINDERS_ESCALATE_PROVINCE_DAYS``. Who hears it: the coordinators of the hospital that must act; when
overdue, also the staff of the recipient's city; when escalated, the province's staff (hospital → city →
province). Each person gets the item in their inbox and, by their choice, by e-mail (one message per item,
or one daily digest); the organisation's group robots get it too. Every message is a claimed delivery row
(services/deliveries.py), so running the sweep twice sends nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.roles import HOSPITAL_ROLES, Role
from pairings.models import Membership, Pairing, Program
from reminders.choices import Channel, DeadlineKind, DeadlineStatus
from reminders.models import GroupRobot, Notification, ReminderPreference
from reminders.selectors.deadlines import PROGRAM_KINDS, Deadline, deadlines_for
from reminders.services.deliveries import Outgoing, claim, delivery_key, send_claimed

OVERDUE = "overdue"
ESCALATED = "overdue_escalated"
# How far back the sweep looks for overdue items still open.
LOOKBACK = dt.timedelta(days=120)


class _System:
    """The sweep's reader: it computes every program's deadlines (``for_user`` of a global reader); who
    *receives* each one is decided from memberships below, never from what the sweep can see."""

    is_authenticated = True
    is_superuser = True
    pk = None


SYSTEM: Any = _System()

SHORT = {
    DeadlineKind.AGREEMENT: gettext_noop("三方协议"),
    DeadlineKind.ROSTER: gettext_noop("派驻名单"),
    DeadlineKind.ROSTER_FORWARD: gettext_noop("名单汇总上报"),
    DeadlineKind.MONTHLY_ASSESSMENT: gettext_noop("月考核"),
    DeadlineKind.SPOT_CHECKS: gettext_noop("在岗抽查"),
    DeadlineKind.END_APPRAISAL: gettext_noop("期满书面考核"),
    DeadlineKind.MILESTONE: gettext_noop("协议事项"),
    DeadlineKind.RECTIFICATION: gettext_noop("限期整改"),
    DeadlineKind.ANNUAL_APPRAISAL: gettext_noop("年度考核"),
    DeadlineKind.ANNUAL_REPORT: gettext_noop("年度报告"),
}


def stage_of(deadline: Deadline, *, today: dt.date) -> str | None:
    """The reminder stage ``deadline`` has reached today, or None (done, or not near yet)."""
    if deadline.status == DeadlineStatus.DONE:
        return None
    days_left = (deadline.due - today).days
    if days_left < 0:
        return ESCALATED if -days_left >= settings.REMINDERS_ESCALATE_PROVINCE_DAYS else OVERDUE
    reached = [d for d in deadline.reminder_days if days_left <= d]
    return f"before_{min(reached)}" if reached else None


def reminder_title(deadline: Deadline, *, today: dt.date) -> str:
    """ "派驻名单 3 天后截止" / "今天截止" / "已逾期 2 天", then what it is about."""
    days_left = (deadline.due - today).days
    short = _(SHORT[DeadlineKind(deadline.kind)])
    if days_left > 0:
        when = _("%(what)s %(days)s 天后截止") % {"what": short, "days": days_left}
    elif days_left == 0:
        when = _("%(what)s 今天截止") % {"what": short}
    else:
        when = _("%(what)s 已逾期 %(days)s 天") % {"what": short, "days": -days_left}
    return _("%(when)s：%(what)s") % {"when": when, "what": deadline.title}


def reminder_body(deadline: Deadline) -> str:
    return _("截止日期：%(due)s") % {"due": deadline.due.isoformat()}


@dataclasses.dataclass
class _Audience:
    users: set[int] = dataclasses.field(default_factory=set)
    robots: set[int] = dataclasses.field(default_factory=set)


def _audiences(items: list[tuple[Deadline, str]]) -> dict[str, _Audience]:
    """Who hears each item: three queries for all items (pairings' places, memberships, robots)."""
    pairing_ids = {d.pairing_id for d, _stage in items}
    places = {
        p["pk"]: (p["recipient__city_id"], p["program__province_id"])
        for p in Pairing.objects.filter(pk__in=pairing_ids).values(
            "pk", "recipient__city_id", "program__province_id"
        )
    }
    program_provinces = dict(
        Program.objects.filter(
            pk__in={d.program_id for d, _stage in items if d.kind in PROGRAM_KINDS}
        ).values_list("pk", "province_id")
    )
    hospitals: set[int] = set()
    cities: set[int] = set()
    provinces: set[int] = set()
    wants: dict[str, tuple[int | None, int | None, int | None]] = {}
    for d, stage in items:
        place_city, place_province = places.get(d.pairing_id, (None, None))
        hospital: int | None
        if d.kind in PROGRAM_KINDS:
            # The province's own duties (no hospital acts): its staff hear every stage.
            hospital, city, province = None, None, program_provinces.get(d.program_id)
        elif d.kind == DeadlineKind.ROSTER_FORWARD:
            # The city's own step (市州汇总上报): the city hears it first, the province when it is late.
            hospital = None
            city = place_city if stage != ESCALATED else None
            province = place_province if stage in (OVERDUE, ESCALATED) else None
        elif stage == ESCALATED:  # the hospital and the city already heard "overdue"
            hospital, city, province = None, None, place_province
        else:
            hospital = d.hospital_id
            city = place_city if stage == OVERDUE else None
            province = None
        for value, bucket in ((hospital, hospitals), (city, cities), (province, provinces)):
            if value is not None:
                bucket.add(value)
        wants[d.key] = (hospital, city, province)
    by_hospital: dict[int, set[int]] = defaultdict(set)
    by_city: dict[int, set[int]] = defaultdict(set)
    by_province: dict[int, set[int]] = defaultdict(set)
    members = Membership.objects.filter(is_active=True, user__is_active=True).filter(
        Q(role__in=HOSPITAL_ROLES, hospital_id__in=hospitals)
        | Q(role=Role.CITY_STAFF, city_id__in=cities)
        | Q(role=Role.PROVINCE_STAFF, province_id__in=provinces)
    )
    for m in members.values("user_id", "role", "hospital_id", "city_id", "province_id"):
        if m["role"] in HOSPITAL_ROLES:
            by_hospital[m["hospital_id"]].add(m["user_id"])
        elif m["role"] == Role.CITY_STAFF:
            by_city[m["city_id"]].add(m["user_id"])
        else:
            by_province[m["province_id"]].add(m["user_id"])
    robots_h: dict[int, set[int]] = defaultdict(set)
    robots_c: dict[int, set[int]] = defaultdict(set)
    robots_p: dict[int, set[int]] = defaultdict(set)
    for r in (
        GroupRobot.objects.filter(is_active=True)
        .filter(Q(hospital_id__in=hospitals) | Q(city_id__in=cities) | Q(province_id__in=provinces))
        .values("pk", "hospital_id", "city_id", "province_id")
    ):
        if r["hospital_id"]:
            robots_h[r["hospital_id"]].add(r["pk"])
        elif r["city_id"]:
            robots_c[r["city_id"]].add(r["pk"])
        else:
            robots_p[r["province_id"]].add(r["pk"])
    out: dict[str, _Audience] = {}
    for key, (hospital, city, province) in wants.items():
        audience = _Audience()
        if hospital is not None:
            audience.users |= by_hospital[hospital]
            audience.robots |= robots_h[hospital]
        if city is not None:
            audience.users |= by_city[city]
            audience.robots |= robots_c[city]
        if province is not None:
            audience.users |= by_province[province]
            audience.robots |= robots_p[province]
        out[key] = audience
    return out


def reminders_send_due(*, today: dt.date | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """One sweep: claim and send every reminder that is due now. Safe to run twice at once."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    items: list[tuple[Deadline, str]] = []
    horizon = today + dt.timedelta(days=60)
    for d in deadlines_for(
        SYSTEM,
        first=today - LOOKBACK,
        last=horizon,
        statuses=[DeadlineStatus.DUE_SOON, DeadlineStatus.OVERDUE, DeadlineStatus.UPCOMING],
        today=today,
    ):
        stage = stage_of(d, today=today)
        if stage is not None:
            items.append((d, stage))
    if not items:
        return {"items": 0, "notifications": 0, "sent": 0, "failed": 0, "skipped": 0}
    audiences = _audiences(items)
    user_ids = set().union(*(a.users for a in audiences.values()))
    prefs = {p.user_id: p for p in ReminderPreference.objects.filter(user_id__in=user_ids)}
    emails = dict(Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "user__email"))
    robots = {
        r.pk: r.kind
        for r in GroupRobot.objects.filter(pk__in=set().union(*(a.robots for a in audiences.values())))
    }
    notifications: list[Notification] = []
    outgoing: list[Outgoing] = []
    digests: dict[int, list[str]] = defaultdict(list)
    for d, stage in items:
        title = reminder_title(d, today=today)
        body = reminder_body(d)
        audience = audiences[d.key]
        for uid in sorted(audience.users):
            notifications.append(
                Notification(user_id=uid, item_key=d.key, stage=stage, title=title, body=body, url=d.url)
            )
            pref = prefs.get(uid)
            if not emails.get(uid) or (pref is not None and not pref.email):
                continue
            if pref is not None and pref.daily_digest:
                digests[uid].append(f"· {title}\n  {body}")
                continue
            outgoing.append(
                Outgoing(
                    key=delivery_key(d.key, stage, Channel.EMAIL, user_id=uid, robot_id=None),
                    item_key=d.key,
                    stage=stage,
                    channel=Channel.EMAIL,
                    title=title,
                    body=body,
                    url=d.url,
                    user_id=uid,
                )
            )
        for rid in sorted(audience.robots):
            channel = robots[rid]
            outgoing.append(
                Outgoing(
                    key=delivery_key(d.key, stage, channel, user_id=None, robot_id=rid),
                    item_key=d.key,
                    stage=stage,
                    channel=channel,
                    title=title,
                    body=body,
                    url=d.url,
                    robot_id=rid,
                )
            )
    if now.astimezone(timezone.get_current_timezone()).hour >= settings.REMINDERS_DIGEST_HOUR:
        for uid, lines in digests.items():
            item_key = f"digest:{today.isoformat()}"
            outgoing.append(
                Outgoing(
                    key=delivery_key(item_key, "digest", Channel.EMAIL, user_id=uid, robot_id=None),
                    item_key=item_key,
                    stage="digest",
                    channel=Channel.EMAIL,
                    title=_("今日截止提醒（%(n)s 项）") % {"n": len(lines)},
                    body="\n".join(lines),
                    url="/reminders/",
                    user_id=uid,
                )
            )
    created = _insert_notifications(notifications)
    counts = send_claimed(claim(outgoing))
    return {"items": len(items), "notifications": created, **counts}


def _insert_notifications(rows: list[Notification]) -> int:
    """Insert the inbox copies; exactly once by the unique (user, item, stage) index. Returns how many
    were new (ON CONFLICT DO NOTHING … RETURNING counts only this run's inserts)."""
    if not rows:
        return 0
    now = timezone.now()
    table = Notification._meta.db_table
    created = 0
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        params: list[Any] = []
        for n in batch:
            params += [n.user_id, n.item_key, n.stage, n.title[:200], n.body, n.url[:300], now]
        sql = (
            f"INSERT INTO {table} (user_id, item_key, stage, title, body, url, created_at) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            + " ON CONFLICT (user_id, item_key, stage) WHERE stage <> '' DO NOTHING RETURNING id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created += len(cursor.fetchall())
    return created
