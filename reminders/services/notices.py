"""Event notices (issue 17 item 5): what a lower layer announced through ``core.events.notice`` becomes an
inbox message for the people concerned and, by their choice, an e-mail (claimed deliveries sent after
commit). Each handler reads its rows and recipients in a few queries whatever the number of ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Finding, Rectification, ReportFile
from core import events
from core.planner import whole_set_plan
from core.roles import Role
from core.tasks import enqueue_on_commit, task_named
from pairings.models import Membership, Pairing
from reminders.choices import Channel
from reminders.models import Notification
from reminders.services.deliveries import Outgoing, claim, delivery_key
from teams.models import Roster

SEND_DELIVERIES = "reminders.tasks.send_deliveries"
# (item_key, title, body, url, users)
Message = tuple[str, str, str, str, set[int]]


def _coordinators(hospital_ids: Iterable[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for uid, hid in Membership.objects.filter(
        is_active=True,
        # One array parameter: a first national sweep's notice names ~2,100 hospitals, and ``__in`` spent
        # ~30 ms building and planning as many parameters.
        hospital_id__in=RawSQL("SELECT unnest(%s::bigint[])", (sorted({h for h in hospital_ids if h}),)),
        role__in=[Role.SUPPORTER_COORDINATOR, Role.RECIPIENT_COORDINATOR],
    ).values_list("user_id", "hospital_id"):
        out[hid].add(uid)
    return out


def _rosters(notice: str, ids: list[int], stamp: str) -> list[Message]:
    rosters = list(Roster.objects.filter(pk__in=ids).select_related("team__pairing__recipient", "supporter"))
    people = _coordinators({r.supporter_id for r in rosters} | {r.team.pairing.recipient_id for r in rosters})
    out: list[Message] = []
    for r in rosters:
        url = reverse("teams:roster_detail", args=[r.pk])
        if notice == events.ROSTER_RETURNED:
            title = _("派驻名单被退回：%(team)s") % {"team": r.team}
            body = _("退回意见：%(comment)s") % {"comment": r.comment}
            users = people[r.supporter_id]
        else:
            title = _("派驻名单已备案：%(team)s") % {"team": r.team}
            body = _("支援医院：%(supporter)s") % {"supporter": r.supporter}
            users = people[r.supporter_id] | people[r.team.pairing.recipient_id]
        out.append((f"{notice}:{r.pk}:{stamp}", title, body, url, users))
    return out


# Up to this many new findings (a pairing's recheck) are looked up by id; more are matched as a whole set.
_FEW_IDS = 200


def _findings(ids: list[int], stamp: str) -> list[Message]:
    """New findings, one message per hospital however many (a first rule run opens hundreds)."""
    # Counted by the database, the ids as one array parameter: a first national sweep opens ~8,300
    # findings, and ``pk__in`` spent longer preparing 8,300 parameters than the query took (issue 18).
    rows = (
        Finding.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (list(ids),)))
        .annotate(target=Coalesce("hospital_id", "pairing__recipient_id"))
        .values_list("target")
        .annotate(n=Count("pk"))
        .order_by("target")
    )
    if len(ids) > _FEW_IDS:
        # Many ids come from a first sweep, whose findings the table's statistics do not know yet: planned
        # with nested loops, the ids were matched against a scan of the findings per id (2.9 s for 8,300
        # of them in the national benchmark; 0.07 s as a hash join). A few ids stay index lookups.
        with whole_set_plan():
            per_hospital = {target: n for target, n in rows if target}
    else:
        per_hospital = {target: n for target, n in rows if target}
    people = _coordinators(per_hospital)
    url = reverse("assessments:finding_list")
    # Translated once, not per hospital: a first national sweep notifies ~2,100 hospitals, and the catalog
    # lookups were 40 ms of the run's last step.
    title, body = _("本院新增问题 %(n)s 条"), _("规则检查发现了新的问题，请在问题清单中查看并整改。")
    return [
        (f"{events.FINDING_OPENED}:h{hid}:{stamp}", title % {"n": n}, body, url, people[hid])
        for hid, n in per_hospital.items()
    ]


def _results(ids: list[int], stamp: str) -> list[Message]:
    hospitals: dict[int, set[int]] = defaultdict(set)
    for program_id, recipient_id, supporter_id in Pairing.objects.filter(program_id__in=ids).values_list(
        "program_id", "recipient_id", "supporters__hospital_id"
    ):
        hospitals[program_id] |= {h for h in (recipient_id, supporter_id) if h}
    people = _coordinators(set().union(*hospitals.values()) if hospitals else set())
    url = reverse("home")
    out: list[Message] = []
    for program_id, hids in hospitals.items():
        users = set().union(*(people[h] for h in hids)) if hids else set()
        out.append(
            (
                f"{events.RESULTS_PUBLISHED}:{program_id}:{stamp}",
                _("年度考核结果已公布"),
                _("请在首页查看本院的年度考核结果。"),
                url,
                users,
            )
        )
    return out


def _reports(ids: list[int], stamp: str) -> list[Message]:
    out: list[Message] = []
    for r in ReportFile.objects.filter(pk__in=ids, requested_by__isnull=False).select_related("program"):
        assert r.requested_by_id is not None
        out.append(
            (
                f"{events.REPORT_READY}:{r.pk}:{stamp}",
                _("报告已生成：%(program)s %(year)s") % {"program": r.program.name, "year": r.year or ""},
                _("报告可以下载了。"),
                reverse("assessments:report_list"),
                {r.requested_by_id},
            )
        )
    return out


def _rectifications(notice: str, ids: list[int], stamp: str) -> list[Message]:
    rows = list(Rectification.objects.filter(pk__in=ids).select_related("pairing__recipient", "hospital"))
    people = _coordinators({r.hospital_id for r in rows})
    out: list[Message] = []
    for r in rows:
        url = reverse("assessments:rectification_detail", args=[r.pk])
        if notice == events.RECTIFICATION_ASSIGNED:
            title = _("限期整改：%(hospital)s，期限 %(due)s") % {"hospital": r.hospital, "due": r.due_date}
            users = people[r.hospital_id]
        else:
            title = _("整改已答复：%(hospital)s") % {"hospital": r.hospital}
            users = {r.assigned_by_id}
        out.append((f"{notice}:{r.pk}:{stamp}", title, r.instruction[:500], url, users))
    return out


def handle_notice(*, notice: str, object_ids: list[int], actor_id: int | None) -> None:
    """Write the inbox messages and claim the e-mails in the caller's transaction; send after commit."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    if notice in (events.ROSTER_RETURNED, events.ROSTER_FILED):
        messages = _rosters(notice, object_ids, stamp)
    elif notice == events.FINDING_OPENED:
        messages = _findings(object_ids, stamp)
    elif notice == events.RESULTS_PUBLISHED:
        messages = _results(object_ids, stamp)
    elif notice in (events.RECTIFICATION_ASSIGNED, events.RECTIFICATION_ANSWERED):
        messages = _rectifications(notice, object_ids, stamp)
    else:
        messages = _reports(object_ids, stamp)
    everyone = set().union(*(m[4] for m in messages)) if messages else set()
    everyone.discard(actor_id)  # who did it needs no message about it
    if not everyone:
        return
    emails = dict(
        Membership.objects.filter(user_id__in=everyone)
        .exclude(user__email="")
        .filter(~Q(user__reminder_preference__email=False))
        .values_list("user_id", "user__email")
    )
    inbox: list[Notification] = []
    outgoing: list[Outgoing] = []
    for item_key, title, body, url, users in messages:
        for uid in sorted(users & everyone):
            inbox.append(Notification(user_id=uid, item_key=item_key, title=title, body=body, url=url))
            if uid in emails:
                outgoing.append(
                    Outgoing(
                        key=delivery_key(item_key, "notice", Channel.EMAIL, user_id=uid, robot_id=None),
                        item_key=item_key,
                        stage="notice",
                        channel=Channel.EMAIL,
                        title=title,
                        body=body,
                        url=url,
                        user_id=uid,
                    )
                )
    Notification.objects.bulk_create(inbox, batch_size=500)
    ids = claim(outgoing)
    if ids:
        enqueue_on_commit(task_named(SEND_DELIVERIES), ids)
