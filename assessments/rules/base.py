"""The rule engine's registry, the ``Rule`` base class and the finding drafts rules produce.

A rule evaluates one program (optionally narrowed to some pairings) in a bounded number of SQL queries and
yields ``Draft`` findings; ``assessments.services.findings`` persists them (upsert by fingerprint) and
resolves the ones that no longer hold. Rules never write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Any, ClassVar, TypeVar

import orjson
from django.conf import settings
from django.db import connection
from psycopg2.extras import register_default_json

from assessments.choices import Severity, SubjectType
from assessments.rules import load_all
from assessments.rules.messages import Message, msg
from assessments.selectors.indicator_facts import STATE as FACTS_STATE
from core.planner import whole_set_plan
from pairings.choices import HospitalKind
from pairings.models import Program
from pairings.presets import RuleParams

__all__ = ["Draft", "Message", "Rule", "RuleContext", "msg"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Draft:
    """A finding as a rule sees it; the fingerprint ignores message and evidence (they may change).

    ``message`` is a key and parameters (``msg(...)``), rendered in the reader's language at display time.
    """

    rule_code: str
    severity: str
    subject_type: str
    subject_id: int
    message: Message
    evidence: dict[str, Any]
    pairing_id: int | None = None
    team_id: int | None = None
    deployment_id: int | None = None
    staff_id: int | None = None
    agreement_id: int | None = None
    hospital_id: int | None = None
    county_id: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    # Extra identity for subjects that repeat in one period (e.g. the two roster entries of a double booking).
    key: str = ""

    def fingerprint(self, program_id: int) -> str:
        # Kept on the draft (not a field: equality and ``dataclasses.asdict`` ignore it): a program sweep
        # hashes its drafts on a thread of its own while the lanes still run (``findings.rules_evaluate``).
        cached: tuple[int, str] | None = self.__dict__.get("_fingerprint")
        if cached is not None and cached[0] == program_id:
            return cached[1]
        parts = [
            self.rule_code,
            str(program_id),
            f"{self.subject_type}:{self.subject_id}",
            self.period_start.isoformat() if self.period_start else "",
            self.period_end.isoformat() if self.period_end else "",
            self.key,
        ]
        fingerprint = hashlib.sha256("|".join(parts).encode()).hexdigest()
        object.__setattr__(self, "_fingerprint", (program_id, fingerprint))
        return fingerprint

    def digest(self) -> str:
        """A hash of what the finding says beyond its identity (severity, subjects, message, evidence):
        stored on the finding, so a rerun rewrites only the findings whose digest changed."""
        cached: str | None = self.__dict__.get("_digest")
        if cached is not None:
            return cached
        said = [
            self.severity,
            self.subject_type,
            self.subject_id,
            self.pairing_id,
            self.team_id,
            self.deployment_id,
            self.staff_id,
            self.agreement_id,
            self.hospital_id,
            self.county_id,
            self.message.key,
            self.message.params,
            self.evidence,
        ]
        # orjson, not the standard library's json: ~2 µs a draft instead of ~15 (the 8,300 drafts of a first
        # national sweep are hashed on the run's critical path, issue 18). What it hashes is only compared
        # with what it hashed before: a changed encoding makes every finding's next run rewrite it once.
        text = orjson.dumps(said, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
        digest = hashlib.md5(text, usedforsecurity=False).hexdigest()
        object.__setattr__(self, "_digest", digest)
        return digest


class SharedPool:
    """Data the lanes of one program run share (``findings.rules_evaluate``): the first lane to ask for a key
    computes it, a lane asking meanwhile waits for it. Every lane reads the same snapshot, so what one lane
    computed is what any other would have."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _PoolEntry] = {}

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            entry = self._entries.get(key)
            mine = entry is None
            if entry is None:
                entry = self._entries[key] = _PoolEntry()
        if mine:
            try:
                entry.value = compute()
            except BaseException as exc:
                entry.error = exc
                raise
            finally:
                entry.done.set()
        else:
            entry.done.wait()
            if entry.error is not None:
                raise entry.error
        value: T = entry.value
        return value


@dataclasses.dataclass
class _PoolEntry:
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


@dataclasses.dataclass
class RuleContext:
    """What every rule of one run shares: the program, its parameters, the scope and the run date."""

    program: Program
    as_of: dt.date
    pairing_ids: Sequence[int] | None = None  # None: the whole program
    # Seconds spent on data the rules share (the team rules' head-count runs), when the caller measures
    # (``rules_evaluate(timings=…)``): charged to "shared", not to the first rule that reads it.
    shared_seconds: float = 0.0
    # The same per key (the benchmark's table: which shared read costs what; a lane that waited for another's
    # is charged its wait).
    shared_by_key: dict[str, float] = dataclasses.field(default_factory=dict, repr=False)
    # Shared with the other lanes of a program run (one snapshot): a lane may compute what another reads.
    pool: SharedPool | None = None
    _shared: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @cached_property
    def params(self) -> RuleParams:
        return self.program.rules

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """Data several rules read, computed once per run by the first that asks (e.g. the stays both
        minimum-stay rules judge: one query instead of one per rule)."""
        if key not in self._shared:
            started = time.perf_counter()
            self._shared[key] = compute() if self.pool is None else self.pool.get(key, compute)
            seconds = time.perf_counter() - started
            self.shared_seconds += seconds
            self.shared_by_key[key] = self.shared_by_key.get(key, 0.0) + seconds
        value: T = self._shared[key]
        return value

    @property
    def sql_params(self) -> dict[str, Any]:
        """Parameters every rule query understands: ``program_id``, ``pairing_ids``, ``as_of``."""
        return {
            "program_id": self.program.pk,
            "pairing_ids": list(self.pairing_ids) if self.pairing_ids is not None else None,
            "as_of": self.as_of,
        }

    @cached_property
    def tcm_pairings(self) -> set[int]:
        pairings = self.program.pairings.filter(recipient__kind=HospitalKind.TCM)
        if self.pairing_ids is not None:
            pairings = pairings.filter(pk__in=self.pairing_ids)
        return set(pairings.values_list("pk", flat=True))

    def fetch(
        self, sql: str, extra: dict[str, Any] | None = None, *, whole_set: bool = False
    ) -> list[dict[str, Any]]:
        """Run one rule query; rows come back as dicts. ``whole_set``: a measure's whole-program query (the
        stays, rosters on time), planned without nested loops in a program run (``core.planner``: stale
        statistics once nested such a query 14 minutes long); a pairing's recheck keeps its index probes. So
        are the whole-program reads PostgreSQL misjudged at a few rows (the scope's pairings estimated at
        one: the team composition, the staff checks, the agreements, end appraisals, grades and residency
        bases probed an index per row of thousands; same rows, same order, 20–60 % less time)."""
        params = {**self.sql_params, **(extra or {})}
        with whole_set_plan() if whole_set and self.pairing_ids is None else connection.cursor() as cur:
            # json columns (the team runs' intervals: 7,300 arrays at national scale) parsed by orjson, on
            # this cursor only: the standard library's json.loads took ~0.06 s of the team lane.
            register_default_json(cur.cursor, loads=orjson.loads)
            cur.execute(sql, params)
            cols = [c.name for c in cur.description]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


# Pairings of the run's scope; every rule query filters through it.
SCOPE_PAIRINGS = """
SELECT p.* FROM pairings_pairing p
 WHERE p.program_id = %(program_id)s
   AND (%(pairing_ids)s::bigint[] IS NULL OR p.id = ANY(%(pairing_ids)s))
"""


def rules_facts() -> bool:
    """Whether rules read what the indicators' facts (``assessments.models.facts``) already know of the
    pairings whose facts are fresh (setting ``RULES_FACTS``; off: every run computes every pairing; the
    tests compare both ways)."""
    return bool(getattr(settings, "RULES_FACTS", True))


def scope_to_compute(*, unmet: str) -> str:
    """``SCOPE_PAIRINGS`` less the pairings the indicators' facts clear: fresh, and none of their
    ``DeploymentFact`` rows (``df``) ``unmet`` — the condition that holds where a deployment of the row fails
    the measure. The facts count each deployment's measure by the same SQL the rule runs
    (``teams.selectors.deployment_measures``) under the program's rules, with no date in it, so a pairing
    they clear is one where the rule finds nothing. Freshness and facts are read in the statement that
    embeds this, in its one snapshot: the triggers of migration 0016 mark a pairing not fresh in the
    writer's own transaction, so a pairing seen fresh has facts that include every write the snapshot sees.
    A pairing never computed has no state row and is computed."""
    return f"""
SELECT sp.* FROM ({SCOPE_PAIRINGS}) sp
 WHERE NOT EXISTS (SELECT 1 FROM {FACTS_STATE} s WHERE s.pairing_id = sp.id AND s.fresh)
    OR EXISTS (SELECT 1 FROM assessments_deploymentfact df WHERE df.pairing_id = sp.id AND {unmet})
"""


class Rule:
    """One policy clause. Subclasses set ``code``/``severity``/``title``, implement ``enabled``/``evaluate``.

    ``program_wide`` rules look across pairings (a supporter's or a county's figures) and are evaluated only
    by program runs; a pairing-scoped run skips them and leaves their findings alone.
    """

    code: ClassVar[str]
    severity: ClassVar[str] = Severity.MAJOR
    title: ClassVar[str] = ""
    subject_type: ClassVar[str] = SubjectType.PAIRING
    program_wide: ClassVar[bool] = False

    def enabled(self, params: RuleParams) -> bool:
        raise NotImplementedError

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        raise NotImplementedError

    def draft(self, **kwargs: Any) -> Draft:
        kwargs.setdefault("subject_type", self.subject_type)
        return Draft(rule_code=self.code, severity=self.severity, **kwargs)

    def deployment_draft(self, row: dict[str, Any], **kwargs: Any) -> Draft:
        """A finding about one deployment: ``row`` carries its id, pairing_id, team_id and staff_id."""
        return self.draft(
            subject_id=row["id"],
            pairing_id=row["pairing_id"],
            team_id=row["team_id"],
            deployment_id=row["id"],
            staff_id=row["staff_id"],
            **kwargs,
        )


REGISTRY: dict[str, Rule] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: one instance per code; a second rule with the same code is a programming error."""
    if cls.code in REGISTRY:
        raise ValueError(f"rule {cls.code} registered twice")
    REGISTRY[cls.code] = cls()
    return cls


def all_rules() -> list[Rule]:

    load_all()
    return list(REGISTRY.values())


def get_rule(code: str) -> Rule:

    load_all()
    return REGISTRY[code]


def fmt(d: dt.date | None) -> str:
    return d.isoformat() if d else "—"
