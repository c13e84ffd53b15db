"""The deadline calendar: every date the program and the policy set, computed from what exists (issue 17).

Nothing here is stored. Each kind of deadline is one query that starts from ``Model.objects.for_user(user)``
(so a user sees exactly the deadlines of what they may see) and yields the same columns; the kinds are put
together with one ``UNION ALL`` and read in a single round trip. Due dates that fall on a Chinese public
holiday or weekend move to the next working day (顺延, ``REMINDERS_HOLIDAY_SHIFT``), and the status (done /
due soon / overdue / upcoming) is decided against today.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

import chinese_calendar
from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2.extras import DateRange as PgDateRange

from assessments.choices import AppraisalStatus, JobStatus, RectificationStatus, ReportKind
from assessments.models import (
    AnnualAppraisal,
    EndOfStintAppraisal,
    MonthlyAssessment,
    Rectification,
    ReportFile,
    SpotCheck,
)
from core.access import AnyUser, User
from core.permissions import is_province_staff
from pairings.choices import AgreementKind, HospitalOrigin, ItemStatus, PairingStatus
from pairings.models import Agreement, AgreementItem, PairingSupporter, Program
from reminders.choices import DeadlineKind, DeadlineStatus
from teams.choices import RosterStatus
from teams.models import Deployment, Roster, Team

# Columns every per-kind query yields, in this order (UNION ALL matches columns by position).
COLUMNS = (
    "d_kind",
    "d_a",
    "d_b",
    "d_due",
    "d_done",
    "d_program",
    "d_pairing",
    "d_hospital",
    "d_recipient",
    "d_label",
    "d_year",
    "d_rotation",
    "d_target",
)
ONE_DAY = dt.timedelta(days=1)
# Deadlines of a program year that the province itself meets (no hospital acts; pairing and hospital are 0).
PROGRAM_KINDS = frozenset({DeadlineKind.ANNUAL_APPRAISAL, DeadlineKind.ANNUAL_REPORT})
# How far past the window's start a holiday shift can move a date (the Spring Festival week and its weekend).
SHIFT_MARGIN = dt.timedelta(days=10)


@dataclasses.dataclass(frozen=True)
class Deadline:
    """One dated duty of one hospital (or office) with its status as of ``today``."""

    kind: str
    key: str
    due: dt.date
    set_due: dt.date  # the date the rule sets, before any holiday shift
    done: bool
    status: str
    program_id: int
    pairing_id: int
    hospital_id: int  # the hospital that must act
    recipient: str
    label: str
    year: int | None
    rotation: int | None
    target_id: int | None
    reminder_days: tuple[int, ...]

    @property
    def days_left(self) -> int:
        return (self.due - timezone.localdate()).days

    @property
    def kind_label(self) -> str:
        return str(DeadlineKind(self.kind).label)

    @property
    def status_label(self) -> str:
        return str(DeadlineStatus(self.status).label)

    @property
    def title(self) -> str:
        if self.kind == DeadlineKind.ROSTER:
            return _("派驻名单提交：%(recipient)s %(year)s年第%(rotation)s批（%(supporter)s）") % {
                "recipient": self.recipient,
                "year": self.year,
                "rotation": self.rotation,
                "supporter": self.label,
            }
        if self.kind == DeadlineKind.ROSTER_FORWARD:
            return _("市州汇总上报名单：%(recipient)s %(year)s年第%(rotation)s批（%(supporter)s）") % {
                "recipient": self.recipient,
                "year": self.year,
                "rotation": self.rotation,
                "supporter": self.label,
            }
        if self.kind == DeadlineKind.END_APPRAISAL:
            return _("期满书面考核：%(person)s（%(recipient)s）") % {
                "person": self.label,
                "recipient": self.recipient,
            }
        if self.kind == DeadlineKind.MONTHLY_ASSESSMENT:
            return _("月考核：%(recipient)s %(year)s年%(month)s月") % {
                "recipient": self.recipient,
                "year": self.year,
                "month": self.rotation,
            }
        if self.kind == DeadlineKind.SPOT_CHECKS:
            return _("在岗抽查：%(recipient)s %(year)s年%(month)s月（%(supporter)s）") % {
                "recipient": self.recipient,
                "year": self.year,
                "month": self.rotation,
                "supporter": self.label,
            }
        if self.kind == DeadlineKind.RECTIFICATION:
            return _("限期整改：%(item)s（%(recipient)s）") % {
                "item": self.label[:60],
                "recipient": self.recipient,
            }
        if self.kind == DeadlineKind.ANNUAL_APPRAISAL:
            return _("年度考核结果公布：%(program)s %(year)s年度") % {
                "program": self.label,
                "year": self.year,
            }
        if self.kind == DeadlineKind.ANNUAL_REPORT:
            return _("省级年度工作报告：%(program)s %(year)s年度") % {
                "program": self.label,
                "year": self.year,
            }
        if self.kind == DeadlineKind.MILESTONE:
            return _("协议事项：%(item)s（%(recipient)s）") % {
                "item": self.label,
                "recipient": self.recipient,
            }
        return _("三方协议签订：%(supporter)s 与 %(recipient)s") % {
            "supporter": self.label,
            "recipient": self.recipient,
        }

    @property
    def url(self) -> str:
        """The page where the thing is done."""
        if self.kind == DeadlineKind.ROSTER:
            if self.target_id:
                return reverse("teams:roster_detail", args=[self.target_id])
            return reverse("teams:roster_list")
        if self.kind == DeadlineKind.ROSTER_FORWARD:
            return reverse("teams:roster_queue")
        if self.kind == DeadlineKind.END_APPRAISAL:
            return reverse("assessments:end_appraisals")
        if self.kind == DeadlineKind.MONTHLY_ASSESSMENT:
            return reverse("assessments:monthly_assessments")
        if self.kind == DeadlineKind.SPOT_CHECKS:
            return reverse("assessments:spot_checks")
        if self.kind == DeadlineKind.RECTIFICATION:
            return reverse("assessments:rectification_detail", args=[self.target_id])
        if self.kind == DeadlineKind.ANNUAL_REPORT:
            return reverse("assessments:report_list")
        if self.kind == DeadlineKind.ANNUAL_APPRAISAL:
            return reverse("assessments:annual_appraisals")
        return reverse("pairings:detail", args=[self.pairing_id])


def _cols(qs: QuerySet[Any], **exprs: Any) -> QuerySet[Any]:
    """``qs`` reduced to :data:`COLUMNS` in order (unordered, as a UNION part must be)."""
    return qs.order_by().annotate(**exprs).values_list(*COLUMNS)


_NULL_INT = Value(None, output_field=IntegerField())


def _agreements(user: AnyUser, first: dt.date, last: dt.date) -> QuerySet[Any]:
    """AGREEMENT_SIGNED: each supporter signs the tripartite agreement by the program's deadline."""
    signed = Agreement.objects.filter(
        pairing=OuterRef("pairing"),
        supporter=OuterRef("hospital"),
        kind=AgreementKind.TRIPARTITE,
        supporter_signed_on__isnull=False,
        recipient_signed_on__isnull=False,
    )
    qs = PairingSupporter.objects.for_user(user).filter(
        pairing__status=PairingStatus.ACTIVE,
        pairing__program__agreement_deadline__range=(first, last),
    )
    return _cols(
        qs,
        d_kind=Value(DeadlineKind.AGREEMENT.value, output_field=CharField()),
        d_a=F("pairing_id"),
        d_b=F("hospital_id"),
        d_due=F("pairing__program__agreement_deadline"),
        d_done=Exists(signed),
        d_program=F("pairing__program_id"),
        d_pairing=F("pairing_id"),
        d_hospital=F("hospital_id"),
        d_recipient=F("pairing__recipient__name"),
        d_label=F("hospital__name"),
        d_year=_NULL_INT,
        d_rotation=_NULL_INT,
        d_target=_NULL_INT,
    )


def _rosters(user: AnyUser, first: dt.date, last: dt.date) -> QuerySet[Any]:
    """ROSTER_FILED: each supporter submits its roster before the rotation starts; the program's roster
    deadline binds the program's first rotation (SPEC §3)."""
    # date - integer is a date in PostgreSQL (date - interval would be a timestamp).
    day_before = ExpressionWrapper(F("start_date") - Value(1), output_field=DateField())
    first_rotation = Q(year=F("pairing__program__start_date__year"), rotation=1) & Q(
        pairing__program__roster_deadline__isnull=False
    )
    due = Case(
        When(first_rotation, then=Least(F("pairing__program__roster_deadline"), day_before)),
        default=day_before,
        output_field=DateField(),
    )
    submitted = Roster.objects.filter(
        team=OuterRef("pk"),
        supporter=OuterRef("d_hospital"),
        submitted_at__isnull=False,
        status__in=[RosterStatus.SUBMITTED, RosterStatus.FORWARDED, RosterStatus.FILED],
    )
    latest = (
        Roster.objects.filter(team=OuterRef("pk"), supporter=OuterRef("d_hospital"))
        .order_by("-version")
        .values("pk")[:1]
    )
    qs = (
        Team.objects.for_user(user)
        .filter(pairing__status=PairingStatus.ACTIVE)
        # One row per rotation and supporter: the join to the pairing's supporters multiplies on purpose.
        .annotate(
            d_hospital=F("pairing__supporters__hospital_id"),
            d_label=F("pairing__supporters__hospital__name"),
            d_due=due,
        )
        .filter(d_due__range=(first, last))
    )
    return _cols(
        qs,
        d_kind=Value(DeadlineKind.ROSTER.value, output_field=CharField()),
        d_a=F("pk"),
        d_b=F("d_hospital"),
        d_done=Exists(submitted),
        d_program=F("pairing__program_id"),
        d_pairing=F("pairing_id"),
        d_recipient=F("pairing__recipient__name"),
        d_year=F("year"),
        d_rotation=F("rotation"),
        d_target=Subquery(latest),
    )


def _forwards(user: AnyUser, first: dt.date, last: dt.date) -> QuerySet[Any]:
    """ROSTER_FILED, the city's part: an out-of-province supporter's roster is collected and forwarded by the
    recipient's city (市州汇总后统一报省) before the rotation starts, like the supporter's own submission."""
    day_before = ExpressionWrapper(F("start_date") - Value(1), output_field=DateField())
    forwarded = Roster.objects.filter(team=OuterRef("pk"), supporter=OuterRef("d_hospital")).filter(
        Q(forwarded_at__isnull=False) | Q(status=RosterStatus.FILED)
    )
    qs = (
        Team.objects.for_user(user)
        .filter(pairing__status=PairingStatus.ACTIVE)
        # The filter and the annotations share one join: one row per out-of-province supporter of a rotation.
        .filter(pairing__supporters__hospital__origin=HospitalOrigin.OTHER_PROVINCE)
        .annotate(
            d_hospital=F("pairing__supporters__hospital_id"),
            d_label=F("pairing__supporters__hospital__name"),
            d_due=day_before,
        )
        .filter(d_due__range=(first, last))
    )
    return _cols(
        qs,
        d_kind=Value(DeadlineKind.ROSTER_FORWARD.value, output_field=CharField()),
        d_a=F("pk"),
        d_b=F("d_hospital"),
        d_done=Exists(forwarded),
        d_program=F("pairing__program_id"),
        d_pairing=F("pairing_id"),
        d_recipient=F("pairing__recipient__name"),
        d_year=F("year"),
        d_rotation=F("rotation"),
        d_target=_NULL_INT,
    )


def _end_appraisals(user: AnyUser, first: dt.date, last: dt.date, programs: dict[int, Any]) -> QuerySet[Any]:
    """END_APPRAISAL: the recipient writes the appraisal within N days of a stint's end (N per program)."""
    days = {pid: p.end_appraisal_days for pid, p in programs.items() if p.end_appraisal_days is not None}
    if not days:
        return Deployment.objects.none().values_list(*COLUMNS)
    offset = Case(
        *[When(team__pairing__program_id=pid, then=Value(n)) for pid, n in days.items()],
        output_field=IntegerField(),
    )
    end = Coalesce("actual_end", "planned_end")
    # date + integer is a date in PostgreSQL.
    due = ExpressionWrapper(end + offset, output_field=DateField())
    qs = (
        Deployment.objects.for_user(user)
        .filter(team__pairing__program_id__in=list(days))
        .annotate(d_due=due)
        .filter(d_due__range=(first, last))
    )
    return _cols(
        qs,
        d_kind=Value(DeadlineKind.END_APPRAISAL.value, output_field=CharField()),
        d_a=F("pk"),
        d_b=Value(0, output_field=IntegerField()),
        d_done=Exists(EndOfStintAppraisal.objects.filter(deployment=OuterRef("pk"))),
        d_program=F("team__pairing__program_id"),
        d_pairing=F("team__pairing_id"),
        d_hospital=F("team__pairing__recipient_id"),
        d_recipient=F("team__pairing__recipient__name"),
        d_label=F("staff__name"),
        d_year=F("team__year"),
        d_rotation=F("team__rotation"),
        d_target=_NULL_INT,
    )


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _monthly(user: AnyUser, first: dt.date, last: dt.date, programs: dict[int, Any]) -> list[QuerySet[Any]]:
    """月考核: the recipient assesses everyone on site in a month by the program's day of the next month
    (``monthly_assessment_due_day``). One item per pairing and month (done when nobody is left unassessed);
    one UNION part per month of the window, each a grouped count."""
    days = {pid: min(max(int(p.monthly_assessment_due_day), 1), 28) for pid, p in programs.items()}
    parts: list[QuerySet[Any]] = []
    month = (first.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # its due date is next month
    while month <= last:
        nxt = _next_month(month)
        dues = {pid: nxt.replace(day=d) for pid, d in days.items()}
        in_window = {pid: due for pid, due in dues.items() if first <= due <= last}
        if in_window:
            month_end = nxt - ONE_DAY
            assessed = MonthlyAssessment.objects.filter(deployment=OuterRef("pk"), month=month)
            due = Case(
                *[When(team__pairing__program_id=pid, then=Value(d)) for pid, d in in_window.items()],
                output_field=DateField(),
            )
            qs = (
                Deployment.objects.for_user(user)
                .filter(
                    period__overlap=PgDateRange(month, month_end, "[]"),
                    team__pairing__program_id__in=list(in_window),
                    team__pairing__status=PairingStatus.ACTIVE,
                )
                .annotate(assessed=Exists(assessed))
                .values("team__pairing_id")  # group by pairing
                .annotate(missing=Count("pk", filter=Q(assessed=False)))
            )
            parts.append(
                _cols(
                    qs,
                    d_kind=Value(DeadlineKind.MONTHLY_ASSESSMENT.value, output_field=CharField()),
                    d_a=F("team__pairing_id"),
                    d_b=Value(month.year * 100 + month.month, output_field=IntegerField()),
                    d_due=due,
                    d_done=Case(When(missing=0, then=True), default=False, output_field=BooleanField()),
                    d_program=F("team__pairing__program_id"),
                    d_pairing=F("team__pairing_id"),
                    d_hospital=F("team__pairing__recipient_id"),
                    d_recipient=F("team__pairing__recipient__name"),
                    d_label=Value("", output_field=CharField()),
                    d_year=Value(month.year, output_field=IntegerField()),
                    d_rotation=Value(month.month, output_field=IntegerField()),
                    d_target=F("missing"),
                )
            )
        month = nxt
    return parts


def _spot_checks(
    user: AnyUser, first: dt.date, last: dt.date, programs: dict[int, Any]
) -> list[QuerySet[Any]]:
    """SPOT_CHECKS: the supporter organises ``spot_checks_per_month`` phone spot checks of each of its people
    on site in a month, by the month's last day. One item per pairing, supporter and month; done when nobody
    of that supporter on site is left with fewer checks. Only programs that set the parameter (Bozhou: 3)."""
    wanted = {pid: int(p.spot_checks_per_month) for pid, p in programs.items() if p.spot_checks_per_month}
    parts: list[QuerySet[Any]] = []
    if not wanted:
        return parts
    month = first.replace(day=1)
    while month <= last:
        nxt = _next_month(month)
        month_end = nxt - ONE_DAY
        if first <= month_end <= last:
            checks = (
                SpotCheck.objects.filter(
                    deployment=OuterRef("pk"), checked_at__date__range=(month, month_end)
                )
                .order_by()
                .values("deployment")
                .annotate(n=Count("pk"))
                .values("n")
            )
            required = Case(
                *[When(team__pairing__program_id=pid, then=Value(n)) for pid, n in wanted.items()],
                output_field=IntegerField(),
            )
            qs = (
                Deployment.objects.for_user(user)
                .filter(
                    period__overlap=PgDateRange(month, month_end, "[]"),
                    team__pairing__program_id__in=list(wanted),
                    team__pairing__status=PairingStatus.ACTIVE,
                )
                .annotate(checks=Coalesce(Subquery(checks), 0), required=required)
                .values("team__pairing_id", "supporter_id")  # group by pairing and supporter
                .annotate(missing=Count("pk", filter=Q(checks__lt=F("required"))))
            )
            parts.append(
                _cols(
                    qs,
                    d_kind=Value(DeadlineKind.SPOT_CHECKS.value, output_field=CharField()),
                    d_a=F("team__pairing_id"),
                    d_b=Value(month.year * 100 + month.month, output_field=IntegerField()),
                    d_due=Value(month_end, output_field=DateField()),
                    d_done=Case(When(missing=0, then=True), default=False, output_field=BooleanField()),
                    d_program=F("team__pairing__program_id"),
                    d_pairing=F("team__pairing_id"),
                    d_hospital=F("supporter_id"),
                    d_recipient=F("team__pairing__recipient__name"),
                    d_label=F("supporter__name"),
                    d_year=Value(month.year, output_field=IntegerField()),
                    d_rotation=Value(month.month, output_field=IntegerField()),
                    d_target=F("missing"),
                )
            )
        month = nxt
    return parts


def _rectifications(user: AnyUser, first: dt.date, last: dt.date) -> QuerySet[Any]:
    """限期整改: the responsible hospital answers a rectification by its due date (sent back: again)."""
    qs = Rectification.objects.for_user(user).filter(
        due_date__range=(first, last), pairing__status=PairingStatus.ACTIVE
    )
    return _cols(
        qs,
        d_kind=Value(DeadlineKind.RECTIFICATION.value, output_field=CharField()),
        d_a=F("pk"),
        d_b=Value(0, output_field=IntegerField()),
        d_due=F("due_date"),
        d_done=Case(
            When(status__in=[RectificationStatus.ANSWERED, RectificationStatus.ACCEPTED], then=True),
            default=False,
            output_field=BooleanField(),
        ),
        d_program=F("program_id"),
        d_pairing=F("pairing_id"),
        d_hospital=F("hospital_id"),
        d_recipient=F("pairing__recipient__name"),
        d_label=Cast("instruction", CharField()),
        d_year=_NULL_INT,
        d_rotation=_NULL_INT,
        d_target=F("pk"),
    )


def _milestones(user: AnyUser, first: dt.date, last: dt.date) -> QuerySet[Any]:
    """Agreement items' milestones (年度目标、节点、任务): the agreement's supporter answers for them."""
    qs = AgreementItem.objects.for_user(user).filter(
        due_date__range=(first, last), agreement__pairing__status=PairingStatus.ACTIVE
    )
    return _cols(
        qs,
        d_kind=Value(DeadlineKind.MILESTONE.value, output_field=CharField()),
        d_a=F("pk"),
        d_b=Value(0, output_field=IntegerField()),
        d_due=F("due_date"),
        d_done=Case(When(status=ItemStatus.DONE, then=True), default=False, output_field=BooleanField()),
        d_program=F("agreement__pairing__program_id"),
        d_pairing=F("agreement__pairing_id"),
        d_hospital=F("agreement__supporter_id"),
        d_recipient=F("agreement__pairing__recipient__name"),
        d_label=Cast("description", CharField()),
        d_year=F("agreement__year"),
        d_rotation=_NULL_INT,
        d_target=F("agreement_id"),
    )


def _program_years(
    user: AnyUser, first: dt.date, last: dt.date, wanted: set[str], programs: list[Program]
) -> list[tuple[str, int, int, dt.date, bool, Program]]:
    """The annual appraisal and the annual report of each year of each active program (SPEC §2 step 8): due
    ``annual_*_due_days`` after the year ends; done when the year's results are published, or a
    province-wide annual report (PDF or Word) of the year is built. Province staff of the program only.
    One query (both tables' done years in one UNION), none for anyone else."""
    kinds = [k for k in (DeadlineKind.ANNUAL_APPRAISAL, DeadlineKind.ANNUAL_REPORT) if k in wanted]
    mine = [p for p in programs if is_province_staff(cast(User, user), province_id=p.province_id)]
    if not kinds or not mine:
        return []
    ids = [p.pk for p in mine]
    published = (
        AnnualAppraisal.objects.filter(pairing__program_id__in=ids, status=AppraisalStatus.PUBLISHED)
        .annotate(k=Value(DeadlineKind.ANNUAL_APPRAISAL.value, output_field=CharField()))
        .values_list("k", "pairing__program_id", "year")
        .order_by()
        .distinct()
    )
    reported = (
        ReportFile.objects.filter(
            program_id__in=ids,
            kind__in=[ReportKind.PROVINCIAL_REPORT, ReportKind.PROVINCIAL_DOCX],
            city__isnull=True,
            status=JobStatus.DONE,
        )
        .annotate(k=Value(DeadlineKind.ANNUAL_REPORT.value, output_field=CharField()))
        .values_list("k", "program_id", "year")
        .order_by()
        .distinct()
    )
    done = set(published.union(reported))
    out: list[tuple[str, int, int, dt.date, bool, Program]] = []
    for p in mine:
        rules = p.rules
        for year in p.years:
            for kind in kinds:
                days = (
                    rules.annual_appraisal_due_days
                    if kind == DeadlineKind.ANNUAL_APPRAISAL
                    else rules.annual_report_due_days
                )
                due = dt.date(year, 12, 31) + dt.timedelta(days=days)
                if first <= due <= last:
                    out.append((str(kind), p.pk, year, due, (str(kind), p.pk, year) in done, p))
    return out


def working_day_on_or_after(day: dt.date) -> dt.date:
    """``day`` or, when it is a weekend or public holiday (调休 working weekends count as working), the next
    working day: a deadline on National Day is met by the first day back (顺延)."""
    if not getattr(settings, "REMINDERS_HOLIDAY_SHIFT", True):
        return day
    try:
        while not chinese_calendar.is_workday(day):
            day += ONE_DAY
    except NotImplementedError:
        # A year the holiday calendar does not know yet: weekends only.
        while day.weekday() >= 5:
            day += ONE_DAY
    return day


def status_of(*, due: dt.date, done: bool, today: dt.date, soon_days: int) -> str:
    if done:
        return DeadlineStatus.DONE
    if due < today:
        return DeadlineStatus.OVERDUE
    if (due - today).days <= soon_days:
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.UPCOMING


def deadlines_for(
    user: AnyUser,
    *,
    first: dt.date,
    last: dt.date,
    kinds: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> list[Deadline]:
    """The deadlines ``user`` may see that are due between ``first`` and ``last`` (after holiday shifts),
    sorted by due date. Two queries: the programs' parameters, then one UNION ALL of every kind; province
    staff a third, for the done years of their programs' annual appraisals and reports."""
    today = today or timezone.localdate()
    wanted = set(kinds or DeadlineKind.values)
    active = list(
        Program.objects.for_user(user)
        .filter(is_active=True)
        .only("pk", "name", "preset", "params", "province_id", "start_date", "end_date")
    )
    programs = {p.pk: p.rules for p in active}
    if not programs:
        return []
    # A date set before ``first`` can move into the window by a holiday shift: read a little earlier.
    lo = first - SHIFT_MARGIN
    parts: list[QuerySet[Any]] = []
    if DeadlineKind.AGREEMENT in wanted:
        parts.append(_agreements(user, lo, last))
    if DeadlineKind.ROSTER in wanted:
        parts.append(_rosters(user, lo, last))
    if DeadlineKind.ROSTER_FORWARD in wanted:
        parts.append(_forwards(user, lo, last))
    if DeadlineKind.END_APPRAISAL in wanted:
        parts.append(_end_appraisals(user, lo, last, programs))
    if DeadlineKind.MILESTONE in wanted:
        parts.append(_milestones(user, lo, last))
    if DeadlineKind.RECTIFICATION in wanted:
        parts.append(_rectifications(user, lo, last))
    if DeadlineKind.MONTHLY_ASSESSMENT in wanted:
        parts.extend(_monthly(user, lo, last, programs))
    if DeadlineKind.SPOT_CHECKS in wanted:
        parts.extend(_spot_checks(user, lo, last, programs))
    union: Iterable[Any] = []
    if parts:
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    wanted_status = set(statuses) if statuses else None
    out: list[Deadline] = []
    for row in union:
        kind, a, b, set_due, done, program_id, pairing_id, hospital_id, recipient, label, year, rot, tgt = row
        params = programs.get(program_id)
        if params is None:  # an inactive program's dates are not on anyone's calendar
            continue
        due = working_day_on_or_after(set_due)
        if not first <= due <= last:
            continue
        days = tuple(params.reminder_days)
        status = status_of(due=due, done=done, today=today, soon_days=max(days, default=7))
        if wanted_status is not None and status not in wanted_status:
            continue
        out.append(
            Deadline(
                kind=kind,
                key=f"{kind}:{a}:{b}",
                due=due,
                set_due=set_due,
                done=done,
                status=status,
                program_id=program_id,
                pairing_id=pairing_id,
                hospital_id=hospital_id,
                recipient=recipient,
                label=label,
                year=year,
                rotation=rot,
                target_id=tgt,
                reminder_days=days,
            )
        )
    for kind, program_id, year, set_due, done, program in _program_years(user, lo, last, wanted, active):
        params = programs.get(program_id)
        if params is None:
            continue
        due = working_day_on_or_after(set_due)
        if not first <= due <= last:
            continue
        days = tuple(params.reminder_days)
        status = status_of(due=due, done=done, today=today, soon_days=max(days, default=7))
        if wanted_status is not None and status not in wanted_status:
            continue
        out.append(
            Deadline(
                kind=kind,
                key=f"{kind}:{program_id}:{year}",
                due=due,
                set_due=set_due,
                done=done,
                status=status,
                program_id=program_id,
                pairing_id=0,
                hospital_id=0,
                recipient=program.name,
                label=program.name,
                year=year,
                rotation=None,
                target_id=None,
                reminder_days=days,
            )
        )
    out.sort(key=lambda d: (d.due, d.kind, d.key))
    return out
