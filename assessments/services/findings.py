"""The rule engine's writes: run the rules, persist findings, waive and reopen them, (re)check on demand.

Persisting is an upsert keyed by the finding's stable fingerprint (rule, program, subject, period), so a
rerun refreshes ``last_seen``/message/evidence instead of duplicating, reopens a resolved finding that holds
again, keeps waived findings waived, and resolves the open findings of the run's scope that no longer hold.
The evaluate + persist step of a program holds a PostgreSQL advisory lock, so overlapping runs (a nightly
sweep and a manual or event-triggered recheck) take turns; the unique fingerprint is the final guard.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext as _

from assessments.choices import FindingStatus, JobStatus, RunTrigger
from assessments.models import Finding, RuleRun
from assessments.rules.base import Draft, Rule, RuleContext, SharedPool, all_rules, rules_facts
from assessments.rules.messages import SOURCE_LANGUAGE, render_message
from assessments.rules.team import composition as team_composition
from assessments.selectors import indicator_facts
from core import events
from core.access import User, get_membership, is_global
from core.collector import collector_paused
from core.jobs.services import job_execute, job_start
from core.roles import Role
from core.snapshots import run_in_lanes, snapshot_safe
from pairings.models import Pairing, Program

log = logging.getLogger(__name__)

# pg_advisory_xact_lock(namespace, id): the namespace keeps our keys apart from other advisory locks.
LOCK_PROGRAM = 7301
LOCK_RECHECK = 7302
# Seconds an event-triggered recheck waits so a burst of edits (a roster import, ten deployment edits) is
# checked once; requests arriving meanwhile join the queued run.
RECHECK_DELAY = getattr(settings, "RULES_RECHECK_DELAY", 30)

RULES_WORK_MEM = getattr(settings, "RULES_WORK_MEM", "64MB")

# A program sweep evaluates its rule families in lanes, each on a connection of its own at the same time
# (issue 18: the nightly sweep on two cores); the last lane takes every family not named here. Data the rules
# share (``RuleContext.shared``) stays within one family, but for what ``LANE_PREFETCH`` hands over. The
# split balances the national program's work (seconds measured per rule, and the Python of drafting): the
# team runs and drafting 7,300 findings, the stays and the roster rules in one lane; the team composition,
# training and the other families in the other. (Training moved back to the other lane once the team
# composition was read from the indicators' facts: that lane had become the shorter by ~0.1 s.)
# ``RULES_PARALLEL = False``: one lane, on the run's own connection.
RULE_LANES: tuple[frozenset[str], ...] = (frozenset({"team", "stay", "roster"}),)
# Whole-scope statements the last lane runs first for a rule of another lane (every lane reads one snapshot,
# ``RuleContext.pool``): the team lane, the longest, reads the team composition after its head-count runs,
# by when the other lane has it ready. (rule code, the rule's shared read.)
LANE_PREFETCH: tuple[tuple[str, Callable[[RuleContext], object]], ...] = (
    ("TEAM_MIN_SIZE", team_composition),
)
RULES_PARALLEL = getattr(settings, "RULES_PARALLEL", True)
# Drafts a lane hands to the hashing thread (and on to ``EarlyWrites``) while a rule still drafts: the
# team rules' 7,300 findings of a first national sweep were hashed, then written, only once the last was
# drafted — 0.6 s on the run's critical path. In pieces, the first are written while the rest are drafted
# and hashed. (Read at each run: ``RULES_EARLY_CHUNK`` in settings; tests make it small.)
EARLY_CHUNK = 1000
# ``timings`` keys of the shared reads, each a part of ``"shared"`` (``RuleContext.shared_by_key``).
SHARED_PART = "shared: "

# Roles that may waive findings and start checks (SPEC §6: commission staff; county bureaus only read).
# Waiving sets a finding aside for good: the province commission decides (SPEC §6), not the city.
WAIVER_ROLES = frozenset({Role.PROVINCE_STAFF})


# --- evaluation -------------------------------------------------------------------------------------------


def rules_evaluate(
    *,
    program: Program,
    as_of: dt.date,
    pairing_ids: list[int] | None = None,
    codes: list[str] | None = None,
    timings: dict[str, float] | None = None,
    lanes: bool = False,
    hashed: Callable[[list[Draft]], None] | None = None,
    writer: EarlyWrites | None = None,
) -> dict[str, list[Draft]]:
    """Drafts of every rule (or of ``codes``) for the program or some of its pairings; nothing is written.

    Program-wide rules (a supporter's or county's figures) are skipped when ``pairing_ids`` narrows the scope.
    A rule whose parameter is off yields nothing (its earlier findings then resolve). ``timings``, when
    given, receives each evaluated rule's seconds and those of the data the rules share (``"shared"``):
    the benchmark's per-rule table.

    ``lanes``: the rule families are evaluated in ``RULE_LANES``, each on a connection of its own, at the
    same time and in one snapshot; the drafts are the same as in one lane as long as the caller holds no
    uncommitted writes the rules read (``core.snapshots.snapshot_safe``). ``hashed``: called on the hashing
    thread with each rule's drafts once hashed (``rules_check`` prepares their rows there). ``writer``: told
    on the hashing thread of each rule done (after ``hashed``), and run on the calling thread (its connection,
    its transaction) while the lanes evaluate: ``rules_check`` upserts the findings of the rules done there.
    """
    rules = [
        rule
        for rule in all_rules()
        if (codes is None or rule.code in codes) and not (pairing_ids is not None and rule.program_wide)
    ]
    if not lanes:
        return _evaluate(RuleContext(program=program, as_of=as_of, pairing_ids=pairing_ids), rules, timings)
    groups = [[r for r in rules if _family(r) in families] for families in RULE_LANES]
    groups.append([r for r in rules if not any(_family(r) in families for families in RULE_LANES)])
    groups = [group for group in groups if group]
    lane_timings: list[dict[str, float]] = [{} for _ in groups]
    # The drafts' fingerprints and digests (what persisting compares: ~0.2 s of Python for the 8,300 drafts
    # of a national program) are computed on a thread of their own as each rule's drafts come in, while the
    # lanes wait for their next statements; the drafts keep them (``Draft.fingerprint``/``digest``).
    # A rule's drafts arrive in pieces (``EARLY_CHUNK``), the last one marked final.
    batches: queue.SimpleQueue[tuple[str, list[Draft], bool] | None] = queue.SimpleQueue()

    def hash_drafts() -> None:
        while (item := batches.get()) is not None:
            code, batch, final = item
            for d in batch:
                d.fingerprint(program.pk)
                d.digest()
            if hashed is not None and batch:
                hashed(batch)
            if writer is not None:
                writer.done(code, batch, final=final)
        if writer is not None:
            writer.done(None, [])  # the lanes have ended: every rule that will be done is

    pool = SharedPool()
    others = {r.code for group in groups[:-1] for r in group if r.enabled(program.rules)}
    prefetch = [fetch for code, fetch in LANE_PREFETCH if code in others]
    hasher = threading.Thread(target=hash_drafts, name="rule-hasher", daemon=True)
    hasher.start()
    work = [
        functools.partial(
            _evaluate,
            RuleContext(program=program, as_of=as_of, pairing_ids=pairing_ids, pool=pool),
            group,
            t,
            lambda code, drafts, final: batches.put((code, drafts, final)),
            prefetch if i == len(groups) - 1 else [],
            getattr(settings, "RULES_EARLY_CHUNK", EARLY_CHUNK),
        )
        for i, (group, t) in enumerate(zip(groups, lane_timings, strict=True))
    ]
    outcome: list[Any] = []

    def lanes_then_stop() -> None:
        try:
            outcome.append(run_in_lanes(work, settings={"work_mem": RULES_WORK_MEM}))
        except BaseException as exc:  # re-raised on the calling thread below
            outcome.append(exc)
        finally:
            batches.put(None)

    if writer is None:
        lanes_then_stop()
    else:
        # The lanes are waited for on a thread of their own; the calling thread writes meanwhile (its
        # connection is its own: Django's connections belong to the thread that opened them).
        waiter = threading.Thread(target=lanes_then_stop, name="rule-lanes", daemon=True)
        waiter.start()
        try:
            writer.run()
        finally:
            waiter.join()
            hasher.join()
    hasher.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    results = outcome[0]
    drafts: dict[str, list[Draft]] = {}
    for result in results:
        drafts.update(result)
    if timings is not None:
        for i, t in enumerate(lane_timings, start=1):
            for key, seconds in t.items():
                timings[key] = timings.get(key, 0.0) + seconds
            # Each lane's own seconds (its rules and shared data): the sweep waits for the slower one.
            timings[f"lane {i}"] = sum(v for k, v in t.items() if not k.startswith(SHARED_PART))
    return {rule.code: drafts[rule.code] for rule in rules}  # registry order, whatever the lanes


def _family(rule: Rule) -> str:
    return type(rule).__module__.rsplit(".", 1)[-1]


def _evaluate(
    ctx: RuleContext,
    rules: list[Rule],
    timings: dict[str, float] | None,
    drafted: Callable[[str, list[Draft], bool], None] | None = None,
    prefetch: list[Callable[[RuleContext], object]] | None = None,
    chunk: int = EARLY_CHUNK,
) -> dict[str, list[Draft]]:
    """The rules' drafts, evaluated in turn on this thread's connection. ``drafted``: told of each rule's
    drafts as they come, ``chunk`` at a time while the rule drafts (a program's whole scope only), then the
    rest, marked final (every rule, with drafts or none: an early writer waits for each in turn)."""
    for fetch in prefetch or []:
        fetch(ctx)  # charged to "shared"
    out: dict[str, list[Draft]] = {}
    for rule in rules:
        started, shared = time.perf_counter(), ctx.shared_seconds
        drafts: list[Draft] = []
        sent = 0
        if rule.enabled(ctx.params):
            if drafted is None or ctx.pairing_ids is not None:
                drafts = list(rule.evaluate(ctx))
            else:
                for d in rule.evaluate(ctx):
                    drafts.append(d)
                    if len(drafts) - sent >= chunk:
                        drafted(rule.code, drafts[sent:], False)
                        sent = len(drafts)
        if ctx.pairing_ids is not None:
            scope = set(ctx.pairing_ids)
            drafts = [d for d in drafts if d.pairing_id in scope]
        out[rule.code] = drafts
        if drafted is not None:
            drafted(rule.code, drafts[sent:], True)
        if timings is not None:
            timings[rule.code] = time.perf_counter() - started - (ctx.shared_seconds - shared)
    if timings is not None:
        timings["shared"] = ctx.shared_seconds
        for key, seconds in ctx.shared_by_key.items():  # a part of "shared": not summed with it
            timings[f"{SHARED_PART}{key}"] = seconds
    return out


# The rows to upsert arrive by COPY into a temporary table of these columns (``_copy_rows``).
_SRC_TABLE = "finding_src"
_SRC_COLUMNS = """
    fingerprint text, rule_code text, severity text, subject_type text, subject_id bigint,
    pairing_id bigint, team_id bigint, deployment_id bigint, staff_id bigint, agreement_id bigint,
    hospital_id bigint, county_id bigint, period_start date, period_end date, message text,
    message_key text, message_params jsonb, evidence jsonb, digest text"""

_UPSERT = """
WITH src AS (SELECT * FROM finding_src),
up AS (
    INSERT INTO assessments_finding AS f (
        created_at, updated_at, program_id, fingerprint, rule_code, severity, subject_type, subject_id,
        pairing_id, team_id, deployment_id, staff_id, agreement_id, hospital_id, county_id,
        period_start, period_end, message, message_key, message_params, evidence, status, first_seen,
        last_seen, waive_reason, last_run_id, digest)
    SELECT %(now)s, %(now)s, %(program_id)s, fingerprint, rule_code, severity, subject_type, subject_id,
           pairing_id, team_id, deployment_id, staff_id, agreement_id, hospital_id, county_id,
           period_start, period_end, message, message_key, message_params, evidence, 'open',
           %(now)s, %(now)s, '', %(run_id)s, digest
      FROM src
    ON CONFLICT (fingerprint) DO UPDATE SET
        -- updated_at moves only when the finding says something new (or is reopened): a finding merely seen
        -- again keeps it, so that stamp changes no indexed column and is a HOT update (migration 0014), and
        -- the API's updated_since does not hand every finding out again after every nightly run.
        updated_at = CASE WHEN (f.severity, f.pairing_id, f.team_id, f.deployment_id, f.staff_id,
                                f.agreement_id, f.hospital_id, f.county_id, f.message, f.message_key,
                                f.message_params, f.evidence, f.status)
                               IS NOT DISTINCT FROM
                               (EXCLUDED.severity, EXCLUDED.pairing_id, EXCLUDED.team_id,
                                EXCLUDED.deployment_id, EXCLUDED.staff_id, EXCLUDED.agreement_id,
                                EXCLUDED.hospital_id, EXCLUDED.county_id, EXCLUDED.message,
                                EXCLUDED.message_key, EXCLUDED.message_params, EXCLUDED.evidence,
                                CASE WHEN f.status = 'resolved' THEN 'open' ELSE f.status END)
                          THEN f.updated_at ELSE EXCLUDED.updated_at END,
        severity = EXCLUDED.severity,
        pairing_id = EXCLUDED.pairing_id, team_id = EXCLUDED.team_id, deployment_id = EXCLUDED.deployment_id,
        staff_id = EXCLUDED.staff_id, agreement_id = EXCLUDED.agreement_id,
        hospital_id = EXCLUDED.hospital_id,
        county_id = EXCLUDED.county_id,
        message = EXCLUDED.message, message_key = EXCLUDED.message_key,
        message_params = EXCLUDED.message_params, evidence = EXCLUDED.evidence,
        last_seen = EXCLUDED.last_seen, last_run_id = EXCLUDED.last_run_id, digest = EXCLUDED.digest,
        -- a waived or rectified finding stays closed (the commission decided); an open or resolved one is
        -- (again) open
        status = CASE WHEN f.status IN ('waived', 'rectified') THEN f.status ELSE 'open' END,
        resolved_at = CASE WHEN f.status IN ('waived', 'rectified') THEN f.resolved_at ELSE NULL END
    -- xmax = 0: the row was inserted, not updated (its audit "insert" event is written below)
    RETURNING f.*, f.xmax = 0 AS inserted
)
{events}
SELECT id, fingerprint, rule_code FROM up
"""

# The statuses before the upsert, read first: joining them into the upsert's result was planned as a nested
# loop over the JSON rows (estimated at 100 rows, really thousands: quadratic, 7 s at national scale).
# The digest is trusted only on rows the engine wrote with a message key: rows stored before keys existed
# (the data migration left them as text only) are rewritten once. A data migration that changes what
# findings say must clear their digest.
_BEFORE = """
SELECT fingerprint, status, CASE WHEN message_key <> '' THEN digest ELSE '' END
  FROM assessments_finding WHERE fingerprint = ANY(%(seen)s::text[])
"""

# Findings seen again saying the same (same digest, not resolved): only stamped as seen by this run — what
# the upsert would have written for them, without sending, rendering or comparing their content. No indexed
# column changes, so each is a HOT update (migration 0014).
_STAMP = """
UPDATE assessments_finding
   SET last_seen = %(now)s, last_run_id = %(run_id)s,
       resolved_at = CASE WHEN status IN ('waived', 'rectified') THEN resolved_at ELSE NULL END
 WHERE fingerprint = ANY(%(same)s::text[])
"""

_RESOLVE = """
UPDATE assessments_finding
   SET status = 'resolved', resolved_at = %(now)s, updated_at = %(now)s, last_run_id = %(run_id)s
 WHERE program_id = %(program_id)s
   AND rule_code = ANY(%(codes)s::text[])
   AND status = 'open'
   -- NOT IN over a subquery is planned as a hashed subplan; "NOT (x = ANY(array))" compared every open
   -- finding with every seen fingerprint (7,400 × 7,400 at national scale: seconds).
   AND fingerprint NOT IN (SELECT unnest(%(seen)s::text[]))
   AND (%(pairing_ids)s::bigint[] IS NULL OR pairing_id = ANY(%(pairing_ids)s::bigint[]))
RETURNING rule_code
"""


@functools.cache
def _upsert_sql() -> str:
    """``_UPSERT`` with the audit trail's "insert" events of the findings it inserted, in the same statement:
    what pghistory's per-row insert trigger writes (every tracked column, the request context, the time), for
    all at once, from the upsert's own result (a second statement read the 8,300 new findings of a first
    national sweep back by id)."""
    event = apps.get_model("assessments", "FindingEvent")._meta  # pghistory's event model of Finding
    listed = ", ".join(f'"{f.column}"' for f in event.concrete_fields if not f.name.startswith("pgh_"))
    return _UPSERT.replace(
        "{events}",
        f"""
, ev AS (
    INSERT INTO "{event.db_table}"
           ({listed}, "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id")
    SELECT {listed}, (SELECT _pgh_attach_context()), NOW(), 'insert', "id" FROM up WHERE inserted
)""",
    )


def _skip_insert_trigger(cur: Any) -> str:
    """Set pghistory's insert trigger on findings aside until the end of the transaction; returns the setting
    to restore. Run by row it cost ~1.3 ms a finding (a PL/pgSQL call with two exception blocks and an
    INSERT each: 11 s of a first national sweep's 12 s persist step, 8,300 findings); ``_upsert_sql``
    writes the same events in the upsert's statement. (``pgtrigger.ignore()`` cannot wrap our named
    parameters.)"""
    ((model, trigger),) = pgtrigger.registered("assessments.Finding:insert_insert")
    pgid = trigger.get_pgid(model)
    cur.execute("SELECT current_setting('pgtrigger.ignore', true)")
    (previous,) = cur.fetchone()
    ignored = {x for x in (previous or "").strip("{}").split(",") if x}
    ignored |= {pgid, f"{model._meta.db_table}:{pgid}"}
    cur.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(sorted(ignored)) + "}"])
    return str(previous or "{}")


_OPEN_COUNTS = """
SELECT rule_code, status, COUNT(*) FROM assessments_finding
 WHERE program_id = %(program_id)s AND rule_code = ANY(%(codes)s::text[])
   AND (%(pairing_ids)s::bigint[] IS NULL OR pairing_id = ANY(%(pairing_ids)s::bigint[]))
 GROUP BY rule_code, status
"""


# Statuses a finding seen again keeps as they are (the upsert's CASE); a resolved one is reopened.
_KEPT_STATUSES = frozenset({FindingStatus.OPEN, FindingStatus.WAIVED, FindingStatus.RECTIFIED})


# COPY's text format: a backslash, tab, newline or carriage return inside a value is escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _copy_text(value: str) -> str:
    # Most messages hold none of the four: looking is cheaper than translating (``str.translate`` through a
    # dict was half of building the 8,300 lines of a first national sweep).
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def _copy_json(value: Any) -> str:
    # orjson escapes control characters inside strings: only the backslashes of its escapes remain.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode().replace("\\", "\\\\")


def _copy_id(value: int | None) -> str:
    return _NULL if value is None else str(value)


def _copy_line(d: Draft, fingerprint: str, digest: str, translate: Callable[[str], str]) -> str:
    """The finding's row for ``_SRC_COLUMNS``, one line of COPY's text format. Rule codes, severities,
    subject types, fingerprints and digests are plain ASCII words; the texts and JSON are escaped."""
    # The Chinese rendering is kept beside the key (admin search; what older rows have only).
    message = render_message(d.message.key, d.message.params, translate=translate)
    return "\t".join(
        (
            fingerprint,
            d.rule_code,
            d.severity,
            d.subject_type,
            str(d.subject_id),
            _copy_id(d.pairing_id),
            _copy_id(d.team_id),
            _copy_id(d.deployment_id),
            _copy_id(d.staff_id),
            _copy_id(d.agreement_id),
            _copy_id(d.hospital_id),
            _copy_id(d.county_id),
            d.period_start.isoformat() if d.period_start else _NULL,
            d.period_end.isoformat() if d.period_end else _NULL,
            _copy_text(message),
            _copy_text(d.message.key),
            _copy_json(d.message.params),
            _copy_json(d.evidence),
            digest,
        )
    )


def _copy_rows(cur: Any, lines: list[str]) -> None:
    """The rows (``_copy_line``) into a temporary table the upsert reads, dropped by ``findings_persist``
    once upserted (else at the end of the transaction). By COPY rather than as one JSON parameter: the first
    national sweep's 8,300 rows were a 6 MB literal in the statement's text (psycopg2 binds on the client),
    which the server scanned as SQL, planned with, then parsed as JSON (~0.15 s more server time)."""
    cur.execute(f"CREATE TEMPORARY TABLE {_SRC_TABLE} ({_SRC_COLUMNS}) ON COMMIT DROP")
    # On the cursor Django wraps (psycopg2): COPY … FROM STDIN does not go through execute().
    # In one read (psycopg2 reads 8 kB at a time by default): each read takes the GIL back, and while the
    # lanes run Python beside the early writer each wait was milliseconds (0.25 s for 1,000 rows of 700 B).
    text = "\n".join(lines) + "\n"
    cur.cursor.copy_expert(f"COPY {_SRC_TABLE} FROM STDIN", io.StringIO(text), size=len(text) + 1)


# The findings of a program as stored that a program run compares its drafts with (``_BEFORE``, read
# before the run's lanes start rather than for the drafts after them). Resolved ones are left out: they pile
# up over the years, and a draft matching one is treated as a draft matching none would be (written, and
# counted as new).
_STORED = """
SELECT fingerprint, status, CASE WHEN message_key <> '' THEN digest ELSE '' END
  FROM assessments_finding WHERE program_id = %(program_id)s AND status <> 'resolved'
"""


class PreparedRows:
    """A program run's findings as stored and the COPY lines of the drafts that will be written, built on the
    rule engine's hashing thread while the lanes still run (``rules_evaluate(hashed=…)``): rendering and
    encoding the 8,300 rows of a first national sweep took ~0.2 s of Python after the lanes, on the run's
    critical path. Which drafts are written is still decided by ``findings_persist``, from the same stored
    state (read in the run's transaction under the program's lock: only the run itself rewrites digests or
    resolves); a line is only what ``_copy_line`` would have built there."""

    def __init__(self, *, program: Program) -> None:
        self.program_id = program.pk
        with connection.cursor() as cur:
            cur.execute(_STORED, {"program_id": program.pk})
            self.before: dict[str, tuple[str, str]] = {
                fingerprint: (status, digest) for fingerprint, status, digest in cur.fetchall()
            }
        self.lines: dict[str, str] = {}
        self._translate = functools.lru_cache(maxsize=None)(gettext)

    def add(self, drafts: list[Draft]) -> None:
        """Lines for the drafts (hashed already) that are new or say something new; the first draft of a
        fingerprint wins, as in ``findings_persist``."""
        with override(SOURCE_LANGUAGE):
            for d in drafts:
                fingerprint, digest = d.fingerprint(self.program_id), d.digest()
                if fingerprint in self.lines:
                    continue
                status, stored = self.before.get(fingerprint, (None, None))
                if not (status in _KEPT_STATUSES and stored == digest):
                    self.lines[fingerprint] = _copy_line(d, fingerprint, digest, self._translate)


def _sort_out(
    seen: Iterable[tuple[str, Draft]], *, before: dict[str, tuple[str, str]], lines: dict[str, str]
) -> tuple[list[str], list[str]]:
    """The COPY lines of the drafts to upsert (new, reopened or saying something new) and the fingerprints
    of those merely seen again (same digest, not resolved), in the drafts' order."""
    rows: list[str] = []
    same: list[str] = []
    with override(SOURCE_LANGUAGE):  # the stored fallback text is Chinese whoever triggered the run
        # One catalog lookup per message key, not per finding (8,000 findings, a dozen keys).
        translate = functools.lru_cache(maxsize=None)(gettext)
        for fingerprint, d in seen:
            digest = d.digest()
            status, stored = before.get(fingerprint, (None, None))
            if status in _KEPT_STATUSES and stored == digest:
                same.append(fingerprint)
            else:
                line = lines.get(fingerprint)
                rows.append(line or _copy_line(d, fingerprint, digest, translate))
    return rows, same


def _write(cur: Any, params: dict[str, Any], rows: list[str], same: list[str]) -> list[tuple[int, str, str]]:
    """Stamp ``same`` as seen by the run and upsert ``rows`` (with their audit events); (id, fingerprint,
    rule) of each row upserted."""
    if same:
        cur.execute(_STAMP, {**params, "same": same})
    if not rows:
        return []
    previous = _skip_insert_trigger(cur)
    _copy_rows(cur, rows)
    cur.execute(_upsert_sql(), params)
    upserted: list[tuple[int, str, str]] = cur.fetchall()
    cur.execute(f"DROP TABLE {_SRC_TABLE}")
    cur.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [previous])
    return upserted


class EarlyWrites:
    """A program run's findings written while its lanes still evaluate (``rules_evaluate(writer=…)``): the
    run's own connection idled through the lanes, then spent ~1 s of a first national sweep upserting 8,300
    findings and their audit events. Here it upserts (or stamps) each rule's findings as soon as the rule and
    every rule before it in the registry are done — the team rules' 7,300 findings of a national program
    first, while the other lane still runs — so the rows, and the ids the findings get, come in the order
    ``findings_persist`` would have written them; it writes the rest, then resolves and counts.

    Which rows are written is decided as ``findings_persist`` decides (``_sort_out``, from the stored state
    ``PreparedRows`` read in this transaction under the program's lock); the lanes never read the findings
    (their snapshot was taken before, and these writes are not committed). At the run's one time, ``now``."""

    def __init__(
        self, *, program: Program, prepared: PreparedRows, run: RuleRun | None, codes: list[str]
    ) -> None:
        self.program_id = program.pk
        self.prepared = prepared
        self.codes = codes  # the registry's order
        self.params: dict[str, Any] = {
            "now": timezone.now(),
            "program_id": program.pk,
            "run_id": run.pk if run else None,
        }
        self.written: set[str] = set()
        self.upserted: list[tuple[int, str, str]] = []
        self._done: queue.SimpleQueue[tuple[str, list[Draft], bool] | None] = queue.SimpleQueue()

    def done(self, code: str | None, drafts: list[Draft], *, final: bool = True) -> None:
        """On the hashing thread: drafts of the rule, hashed, their lines prepared (``final``: its last);
        None: the lanes ended."""
        self._done.put(None if code is None else (code, drafts, final))

    def run(self) -> None:
        """On the run's thread while the lanes evaluate: write the drafts of the registry's rules in order as
        they come — those of the first rule not yet done as its pieces arrive, the next rule's once it is —
        until every rule is written or the lanes have ended (a failed lane: its error is the run's). What
        arrived while a write ran is written in one go."""
        pending: dict[str, list[Draft]] = defaultdict(list)
        finished: set[str] = set()
        i = 0
        while i < len(self.codes):
            item = self._done.get()
            while item is not None:
                code, batch, final = item
                pending[code] += batch
                if final:
                    finished.add(code)
                try:
                    item = self._done.get_nowait()
                except queue.Empty:
                    break
            ready: list[Draft] = []
            while i < len(self.codes):
                ready += pending.pop(self.codes[i], [])
                if self.codes[i] not in finished:
                    break
                i += 1
            if ready:
                self._write(ready)
            if item is None:
                return

    def _write(self, drafts: list[Draft]) -> None:
        seen: dict[str, Draft] = {}
        for d in drafts:
            fingerprint = d.fingerprint(self.program_id)
            # The first draft's, as in findings_persist, also when a later piece repeats a fingerprint.
            if fingerprint not in self.written:
                seen.setdefault(fingerprint, d)
        rows, same = _sort_out(seen.items(), before=self.prepared.before, lines=self.prepared.lines)
        with connection.cursor() as cur:
            self.upserted += _write(cur, self.params, rows, same)
        self.written |= seen.keys()


def findings_persist(
    *,
    program: Program,
    drafts: dict[str, list[Draft]],
    pairing_ids: list[int] | None = None,
    run: RuleRun | None = None,
    prepared: PreparedRows | None = None,
    early: EarlyWrites | None = None,
) -> dict[str, dict[str, int]]:
    """Upsert the drafts and resolve the scope's open findings of the evaluated rules that are gone.

    A handful of statements whatever the number of findings: the findings that are new, reopened or say
    something new (their ``digest`` differs) are upserted; those merely seen again are stamped in one
    UPDATE. Returns ``{rule: {open, new, resolved, waived}}`` where *new* counts first sightings and
    reopened findings. Call inside the program's advisory lock. ``prepared``: the stored state and lines
    read and built while the drafts were evaluated, in this transaction. ``early``: the findings already
    written (upserted or stamped) in this transaction while the drafts were evaluated, at its time.
    """
    now = early.params["now"] if early is not None else timezone.now()
    seen: dict[str, Draft] = {}
    for code_drafts in drafts.values():
        for d in code_drafts:
            seen.setdefault(d.fingerprint(program.pk), d)  # one row per fingerprint, the first draft's
    counts: dict[str, dict[str, int]] = {
        code: {"open": 0, "new": 0, "resolved": 0, "waived": 0} for code in drafts
    }
    params: dict[str, Any] = {
        "now": now,
        "program_id": program.pk,
        "run_id": run.pk if run else None,
        "codes": list(drafts),
        "seen": list(seen),
        "pairing_ids": list(pairing_ids) if pairing_ids is not None else None,
    }
    # atomic: the trigger setting below is local to the transaction, and the events must be written with it.
    with transaction.atomic(), connection.cursor() as cur:
        if seen:
            if prepared is not None:
                before, lines = prepared.before, prepared.lines
            else:
                cur.execute(_BEFORE, params)
                before = {fingerprint: (status, digest) for fingerprint, status, digest in cur.fetchall()}
                lines = {}
            written = early.written if early is not None else set()
            rows, same = _sort_out(
                ((fp, d) for fp, d in seen.items() if fp not in written), before=before, lines=lines
            )
            upserted = (list(early.upserted) if early is not None else []) + _write(cur, params, rows, same)
            opened: list[int] = []
            for finding_id, fingerprint, code in upserted:
                status = before.get(fingerprint, (None, None))[0]
                if status in (None, FindingStatus.RESOLVED):
                    counts[code]["new"] += 1
                    opened.append(finding_id)
            # The hospitals concerned hear about new (and reopened) findings: one notice for the whole run.
            events.notice(events.FINDING_OPENED, object_ids=opened)
        cur.execute(_RESOLVE, params)
        for (code,) in cur.fetchall():
            counts[code]["resolved"] += 1
        cur.execute(_OPEN_COUNTS, params)
        for code, status, n in cur.fetchall():
            if status in (FindingStatus.OPEN, FindingStatus.WAIVED):
                counts[code][status] = n
    return counts


def rules_check(
    *,
    program: Program,
    pairing_ids: list[int] | None = None,
    as_of: dt.date | None = None,
    run: RuleRun | None = None,
    timings: dict[str, float] | None = None,
    parallel: bool | None = None,
) -> dict[str, dict[str, int]]:
    """Evaluate and persist under the program's advisory lock, in one transaction. ``timings``: as for
    ``rules_evaluate``, plus ``"persist"``.

    ``parallel``: evaluate in lanes (``RULE_LANES``) on connections of their own, in one snapshot taken once
    the lock is held. By default a program run does unless the caller's transaction has written (the lanes see
    committed data only). A pairing's recheck is a few milliseconds of SQL: one lane."""
    as_of = as_of or timezone.localdate()
    if parallel is None:
        parallel = RULES_PARALLEL and pairing_ids is None and snapshot_safe()
    # Without the cyclic collector's full passes, each of which stopped the lanes, the hashing thread and
    # the writer at once (``core.collector``).
    with collector_paused(), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_PROGRAM, program.pk])
            # The rules sort and hash whole programs (60,000 deployments at national scale): with the default
            # 4 MB they spilled to disk. For this transaction only.
            cur.execute("SET LOCAL work_mem = %s", [RULES_WORK_MEM])
        # A program run in lanes builds the rows it will write on the hashing thread while the lanes run, and
        # writes them on its own connection meanwhile (``EarlyWrites``).
        prepared = PreparedRows(program=program) if parallel and pairing_ids is None else None
        early = (
            EarlyWrites(program=program, prepared=prepared, run=run, codes=[r.code for r in all_rules()])
            if prepared is not None and getattr(settings, "RULES_EARLY_WRITES", True)
            else None
        )
        drafts = rules_evaluate(
            program=program,
            as_of=as_of,
            pairing_ids=pairing_ids,
            timings=timings,
            lanes=parallel,
            hashed=prepared.add if prepared is not None else None,
            writer=early,
        )
        started = time.perf_counter()
        counts = findings_persist(
            program=program, drafts=drafts, pairing_ids=pairing_ids, run=run, prepared=prepared, early=early
        )
        if timings is not None:
            timings["persist"] = time.perf_counter() - started
        return counts


# --- runs -------------------------------------------------------------------------------------------------


def rule_run_create(
    *,
    program: Program,
    pairing: Pairing | None = None,
    trigger: str = RunTrigger.MANUAL,
    started_by: Any = None,
    enqueue: bool = True,
    countdown: int | None = None,
) -> RuleRun:
    """A queued RuleRun started through the jobs layer (its task is sent after commit, or by the
    dispatcher when the broker is down). ``enqueue=False`` only saves the row (tests, ``run_rules``)."""
    run = RuleRun(program=program, pairing=pairing, trigger=trigger, started_by=started_by)
    if not enqueue:
        run.save()
        return run
    return job_start(job=run, countdown=countdown)


def rule_run_execute(*, run_id: int, as_of: dt.date | None = None, task_id: str = "") -> RuleRun | None:
    """Execute a queued run (the body of both Celery tasks) through ``job_execute``: a run already taken
    by another delivery (or finished) is left alone and None is returned; a failure is recorded with its
    traceback and re-raised."""

    def check(run: RuleRun) -> None:
        if run.pairing_id is None:
            rule_facts_refresh(program=run.program)
        counts = rules_check(
            program=run.program,
            pairing_ids=[run.pairing_id] if run.pairing_id else None,
            as_of=as_of,
            run=run,
        )
        RuleRun.objects.filter(pk=run.pk).update(counts=counts)

    run, ran = job_execute(model=RuleRun, pk=run_id, run=check, task_id=task_id)
    return run if ran else None


def rule_facts_refresh(*, program: Program) -> list[int]:
    """Bring the indicator facts of the program's stale pairings up to date before a program run (the nightly
    sweep, a manual check): the rules read what the facts of *fresh* pairings know (``RULES_FACTS``,
    ``rules.base.scope_to_compute``) and compute the others, so a sweep after a day of writes would compute
    the pairings written that day, while the refresh recomputes only them and the next reader of the
    indicators finds them fresh. The pairings refreshed; none when all are fresh (idempotent), when the
    setting is off, or when a writer holds some of them (``FactsBusy``: the sweep then computes those, its
    findings are the same either way). Commits on its own, before the run's transaction: the rule lanes
    see committed data only."""
    if not rules_facts():
        return []
    ids = list(Pairing.objects.filter(program=program).values_list("pk", flat=True))
    try:
        refreshed = indicator_facts.ensure_fresh(ids)
    except indicator_facts.FactsBusy:
        log.info("facts of program %s busy: its run computes the stale pairings", program.pk)
        return []
    if refreshed:
        log.info("program %s: %s stale pairings' facts refreshed first", program.pk, len(refreshed))
    return refreshed


def can_run_checks(user: User, *, program: Program, pairing: Pairing | None = None) -> bool:
    """Province staff run their province's programs; city staff may recheck a pairing of their city."""
    if is_global(user):
        return True
    m = get_membership(user)
    if m is None:
        return False
    if m.role == Role.PROVINCE_STAFF:
        return Program.objects.for_user(user).filter(pk=program.pk).exists()
    if m.role == Role.CITY_STAFF and pairing is not None:
        return Pairing.objects.for_user(user).filter(pk=pairing.pk).exists()
    return False


def rule_run_start(*, user: User, program: Program, pairing: Pairing | None = None) -> RuleRun:
    """Start a manual check of a program (province staff) or of one pairing (province or city staff)."""
    if pairing is not None and pairing.program_id != program.pk:
        raise ValidationError(_("帮扶关系不属于该项目"))
    if not can_run_checks(user, program=program, pairing=pairing):
        raise PermissionDenied(_("无权发起规则检查"))
    with transaction.atomic():
        return rule_run_create(program=program, pairing=pairing, trigger=RunTrigger.MANUAL, started_by=user)


def rules_sweep(*, trigger: str = RunTrigger.SCHEDULE) -> list[RuleRun]:
    """Queue a program run for every active program (the nightly beat task)."""
    with transaction.atomic():
        return [
            rule_run_create(program=program, trigger=trigger)
            for program in Program.objects.filter(is_active=True).order_by("pk")
        ]


def request_pairing_recheck(*, pairing_id: int, reason: str) -> RuleRun:
    """Re-check one pairing soon after its data changed (roster filed, deployments edited).

    Coalescing: while a recheck of the pairing is still queued, further requests join it, so ten edits in
    a row make one run. The queued run starts ``RULES_RECHECK_DELAY`` seconds after the first request; an
    edit made after it has started queues the next one. Safe to call inside the caller's transaction: the
    task is enqueued on commit, and a rolled-back edit leaves no run behind.
    """
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_RECHECK, pairing_id])
        # FOR UPDATE: a worker taking this run (UPDATE … WHERE status = 'queued') waits for the caller's
        # edit to commit, so the run it then starts sees the edit that joined it.
        queued = (
            RuleRun.objects.select_for_update()
            .filter(pairing_id=pairing_id, status=JobStatus.QUEUED, trigger=RunTrigger.EVENT)
            .order_by("pk")
            .first()
        )
        if queued is not None:
            log.info("recheck of pairing %s joins run %s (%s)", pairing_id, queued.pk, reason)
            return queued
        pairing = Pairing.objects.select_related("program").get(pk=pairing_id)
        log.info("recheck of pairing %s queued (%s)", pairing_id, reason)
        return rule_run_create(
            program=pairing.program, pairing=pairing, trigger=RunTrigger.EVENT, countdown=RECHECK_DELAY
        )


# --- waivers ----------------------------------------------------------------------------------------------


def can_waive(user: User, finding: Finding) -> bool:
    """Province commission staff (and superusers) may waive the findings they can see."""
    if is_global(user):
        return True
    m = get_membership(user)
    if m is None or m.role not in WAIVER_ROLES:
        return False
    return Finding.objects.for_user(user).filter(pk=finding.pk).exists()


def finding_waive(*, user: User, finding: Finding, reason: str) -> Finding:
    """Waive (豁免) a finding with a mandatory reason; reruns keep it waived. Who, when and why are kept on
    the row, and pghistory records the change.
    """
    reason = (reason or "").strip()
    if not can_waive(user, finding):
        raise PermissionDenied(_("只有省级卫生健康委工作人员可以豁免问题"))
    if not reason:
        raise ValidationError({"reason": _("豁免必须填写理由")})
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        locked.status = FindingStatus.WAIVED
        locked.waived_at = timezone.now()
        locked.waived_by = user
        locked.waive_reason = reason
        locked.save(update_fields=["status", "waived_at", "waived_by", "waive_reason", "updated_at"])
    return locked


def finding_reopen(*, user: User, finding: Finding) -> Finding:
    """Undo a waiver: the finding is open again (the next run resolves it if it no longer holds)."""
    if not can_waive(user, finding):
        raise PermissionDenied(_("只有省级卫生健康委工作人员可以撤销豁免"))
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.status != FindingStatus.WAIVED:
            raise ValidationError(_("该问题未被豁免"))
        locked.status = FindingStatus.OPEN
        locked.waived_at = None
        locked.waived_by = None
        locked.waive_reason = ""
        locked.save(update_fields=["status", "waived_at", "waived_by", "waive_reason", "updated_at"])
    return locked


def counts_by_rule(counts: dict[str, dict[str, int]]) -> list[tuple[str, int, int, int]]:
    """(rule, open, new, resolved) rows in registry order, for tables."""
    out: defaultdict[str, dict[str, int]] = defaultdict(dict, counts)
    return [(c, out[c].get("open", 0), out[c].get("new", 0), out[c].get("resolved", 0)) for c in counts]
