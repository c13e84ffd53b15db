"""The indicators' fact tables (issue 18): per pairing, what the dashboard indicators sum over a period.

``/api/v1/indicators/`` summed a province's attendance month by month and re-derived every continuous stay
and roster on each request (seconds at national scale). These tables keep, per pairing, the rows those
sums run over — computed by the measures' own SQL (``assessments.selectors.indicator_facts``) — so an
answer for any period and city is an aggregate over a few thousand rows.

Kept right by the database, not by remembering every write path: triggers on the tables the facts are
computed from (migration 0016) mark the pairings a statement touched as not fresh, in the writer's own
transaction; the indicators recompute the pairings of their scope that are not fresh (or have no state
row yet) before reading. No foreign-key constraints: deleting a pairing or a deployment must not wait
on, nor fail because of, a derived row; facts of a row that is gone are never read (they join the scope).
"""

from __future__ import annotations

from django.contrib.postgres.fields import DateRangeField
from django.db import models
from django.db.models import Q

from core.access import Scope, ScopedQuerySet
from pairings.models import Program


class IndicatorFactState(models.Model):
    """Whether a pairing's facts are up to date. A missing row counts as not fresh."""

    pairing_id = models.BigIntegerField(primary_key=True)
    fresh = models.BooleanField(default=False)
    marked_at = models.DateTimeField(null=True)
    # The program whose ``ProgramPeriodFact`` sums hold this pairing's period facts (None: it has none);
    # written with them. A whole program is read from its sums only when these name every pairing counted
    # there (``ProgramFactPairings``) and each is in the reader's scope.
    summed_program_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = "indicator fact state"

    def __str__(self) -> str:
        return f"{self.pairing_id}: {'fresh' if self.fresh else 'stale'}"


class AttendanceMonthFact(models.Model):
    """A pairing-month with people on site (``teams.selectors.attendance.PAIRING_MONTHS_SQL``)."""

    pairing_id = models.BigIntegerField()
    month = models.DateField()  # first day
    present = models.IntegerField()  # Σ present days, imported months only
    expected = models.IntegerField()  # Σ expected working days, imported months only
    imported = models.BooleanField()

    class Meta:
        verbose_name = "attendance month fact"
        constraints = [
            models.UniqueConstraint(fields=["pairing_id", "month"], name="attendancemonthfact_pairing_month")
        ]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.month:%Y-%m}"


class DeploymentFact(models.Model):
    """The deployments of a pairing with one period, counted with their continuous stay met and their
    roster on time as the program's rules judge them (a team's people mostly share a period: a row each
    would be several times as many to sum)."""

    pairing_id = models.BigIntegerField()
    period = DateRangeField()
    deployments = models.IntegerField()
    stay_met = models.IntegerField()
    roster_timely = models.IntegerField()

    class Meta:
        verbose_name = "deployment fact"
        indexes = [models.Index(fields=["pairing_id"], name="deploymentfact_pairing")]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.period}: {self.deployments}"


class CoverageIntervalFact(models.Model):
    """A maximal run of days of a pairing's service period with constant people and leaders on site."""

    pairing_id = models.BigIntegerField()
    start = models.DateField()
    end = models.DateField()  # inclusive
    on_site = models.IntegerField()
    leaders = models.IntegerField()

    class Meta:
        verbose_name = "coverage interval fact"
        indexes = [
            models.Index(fields=["pairing_id", "start"], name="coveragefact_pairing_start"),
            # The gaps (nobody on site) of a scope: a few rows among every interval.
            models.Index(
                fields=["pairing_id", "start"], condition=Q(on_site__lte=0), name="coveragefact_gaps"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.start}–{self.end}: {self.on_site}"


class TeamCompositionFact(models.Model):
    """The people a team of the pairing is made up of (``teams.selectors.deployments.team_crew_sql``), for
    every team with anyone: what TEAM_MIN_SIZE compares with the program's minimum. Rows are the pairing's
    (``pairing_id`` as computed): a team moved to another pairing marks both stale, and each pairing's rows
    are replaced at its refresh, so a team may briefly have a row under each — only a fresh pairing's are
    read."""

    pairing_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    people = models.IntegerField()

    class Meta:
        verbose_name = "team composition fact"
        indexes = [models.Index(fields=["pairing_id"], name="compositionfact_pairing")]

    def __str__(self) -> str:
        return f"{self.pairing_id} team {self.team_id}: {self.people}"


class PeriodFact(models.Model):
    """A pairing's sums over a calendar month (``months`` = 1) or year (12), and its program's whole span
    (0): what a period aligned on months reads instead of the rows above (a year of a province is its
    2,500 year rows, where the rows above are ~30,000 months and ~20,000 intervals and deployments).

    Coverage counts the pairing's service days in the block (full strength under the program's team
    minimum for a general and for a TCM recipient, the recipient's kind is read with the scope);
    attendance sums its months (``AttendanceMonthFact``); deployments — not additive, a deployment
    spanning two years is one deployment — are those overlapping the block clipped to the program, on
    year and program rows only, read when the asked period is exactly that block."""

    pairing_id = models.BigIntegerField()
    # The pairing's program and its recipient's kind when these rows were computed: the program sums
    # (``ProgramPeriodFact``) add them under that program with that kind's full-strength days, and take
    # away the same when the rows are replaced. A change of either marks the pairing stale (migrations
    # 0016 and 0020), so fresh rows always carry the current ones.
    program_id = models.BigIntegerField()
    tcm = models.BooleanField()
    start = models.DateField()  # first day of the month, the year or the program
    months = models.SmallIntegerField()  # 1, 12, or 0: the program's whole span
    days = models.IntegerField(default=0)
    covered_days = models.IntegerField(default=0)
    full_days = models.IntegerField(default=0)
    full_days_tcm = models.IntegerField(default=0)
    single_leader_days = models.IntegerField(default=0)
    present = models.IntegerField(default=0)
    expected = models.IntegerField(default=0)
    attendance_months = models.IntegerField(default=0)
    not_imported = models.IntegerField(default=0)
    deployments = models.IntegerField(default=0)
    stay_met = models.IntegerField(default=0)
    roster_timely = models.IntegerField(default=0)
    # Free trainee stints started in the block, and of them those lasting TRAINING_QUOTA's M months.
    trainees = models.IntegerField(default=0)
    qualifying_trainees = models.IntegerField(default=0)

    class Meta:
        verbose_name = "period fact"
        constraints = [
            models.UniqueConstraint(fields=["pairing_id", "months", "start"], name="periodfact_pairing_block")
        ]
        # The reads select blocks across the scope's pairings (a province's year rows), then join them.
        indexes = [models.Index(fields=["months", "start"], name="periodfact_block")]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.start} +{self.months}"


class ProgramPeriodFact(models.Model):
    """A program's ``PeriodFact`` rows summed per block: what a user who sees whole programs reads for a
    program's year or span (one row where its pairings' rows are 2,500; issue 18). ``full_days`` is each
    pairing's full-strength days for its recipient's kind (``PeriodFact.tcm``).

    Kept in step with the period facts by the refresh that writes them, in its transaction: the rows a
    refresh replaces are taken away, the new ones added (``indicator_facts``); a row may fall to zeros.
    Read only after checking that the pairings counted here are exactly the reader's (``ProgramFactPairings``,
    ``IndicatorFactState.summed_program_id``); otherwise the reader sums the pairings' own rows."""

    program_id = models.BigIntegerField()
    start = models.DateField()
    months = models.SmallIntegerField()
    days = models.BigIntegerField(default=0)
    covered_days = models.BigIntegerField(default=0)
    full_days = models.BigIntegerField(default=0)
    single_leader_days = models.BigIntegerField(default=0)
    present = models.BigIntegerField(default=0)
    expected = models.BigIntegerField(default=0)
    attendance_months = models.IntegerField(default=0)
    not_imported = models.IntegerField(default=0)
    deployments = models.IntegerField(default=0)
    stay_met = models.IntegerField(default=0)
    roster_timely = models.IntegerField(default=0)
    trainees = models.IntegerField(default=0)
    qualifying_trainees = models.IntegerField(default=0)

    class Meta:
        verbose_name = "program period fact"
        constraints = [
            models.UniqueConstraint(fields=["program_id", "months", "start"], name="programperiodfact_block")
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.start} +{self.months}"


class ProgramFactPairings(models.Model):
    """How many pairings have ``PeriodFact`` rows summed in a program's ``ProgramPeriodFact`` (kept with
    them): a reader whose scope holds that many pairings summed there reads the sums; a deleted pairing or
    one that moved away and was not recomputed leaves the count above the scope's, and the reader sums
    the pairings' rows instead."""

    program_id = models.BigIntegerField(primary_key=True)
    pairings = models.IntegerField(default=0)

    class Meta:
        verbose_name = "program fact pairings"

    def __str__(self) -> str:
        return f"{self.program_id}: {self.pairings}"


class OpenFindingCount(models.Model):
    """How many findings are open per program, rule, severity and period: what the indicators count of a
    whole program's open findings (a few dozen rows where the findings are thousands; issue 18).

    Kept by the database: statement-level triggers on the findings (migration 0019) add the open rows a
    statement wrote and subtract the ones it changed or removed, in the writer's transaction, whatever
    wrote them (the rule engine's upsert, a waiver, a rectification, a cascade). A row that reaches zero is
    removed.

    Scoped as ``Finding`` is through its program, and only there: the commission levels below a province and
    the hospitals see findings through their pairings, which these sums do not keep — they see nothing of
    this table and the indicators count their findings themselves."""

    program = models.ForeignKey(
        Program, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    rule_code = models.CharField(max_length=32)
    severity = models.CharField(max_length=10)
    period_start = models.DateField(null=True)
    period_end = models.DateField(null=True)
    n = models.IntegerField()

    SCOPE = Scope(province="program__province")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "open finding count"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "rule_code", "severity", "period_start", "period_end"],
                name="openfindingcount_key",
                nulls_distinct=False,  # an open end is a value of the key, not "unknown"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.rule_code}/{self.severity}: {self.n}"
