"""A program run in lanes (issue 18): data one lane computes for another (``SharedPool``) is computed once
and handed over, failures included; the drafts come back with the fingerprints and digests persisting
compares already computed, and the same as computed afresh — also when the lanes read committed indicator
facts (``RULES_FACTS``)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from assessments.rules.base import SharedPool
from assessments.selectors import indicator_facts
from assessments.services.findings import rules_evaluate
from devtools.demo import builder
from pairings.models import Pairing, Program
from tests.assessments.test_measures_consistency import AS_OF, demo  # noqa: F401  (the seeded demo)


def test_a_shared_value_is_computed_once_and_handed_to_the_lane_that_waits() -> None:
    # given a pool and a computation that is slow to finish
    pool = SharedPool()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "rows"

    got: list[str] = []
    first = threading.Thread(target=lambda: got.append(pool.get("k", compute)))
    first.start()
    started.wait(5)
    # when a second lane asks for the same key while the first computes it
    second = threading.Thread(target=lambda: got.append(pool.get("k", compute)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    # then it was computed once and both lanes got it
    assert calls == [1]
    assert got == ["rows", "rows"]


def test_a_failure_reaches_the_lane_that_waits() -> None:
    # given a pool whose computation of a key failed
    pool = SharedPool()

    def fail() -> str:
        raise RuntimeError("statement failed")

    with pytest.raises(RuntimeError):
        pool.get("k", fail)
    # when another lane asks for it, then it gets the failure, not a value nor a hang
    with pytest.raises(RuntimeError, match="statement failed"):
        pool.get("k", lambda: "never computed")


@pytest.mark.django_db
def test_drafts_of_a_program_run_in_lanes_come_with_their_hashes(demo: Any) -> None:  # noqa: F811
    # given the demo program swept in lanes (the team composition read by the other lane)
    program = Program.objects.get(code="GS2022")
    drafts = [d for ds in rules_evaluate(program=program, as_of=AS_OF, lanes=True).values() for d in ds]
    assert any(d.rule_code == "TEAM_MIN_SIZE" for d in drafts)
    for d in drafts:
        # then each draft's fingerprint and digest were computed while the lanes ran ...
        assert "_fingerprint" in d.__dict__ and "_digest" in d.__dict__, d.rule_code
        # ... and are what a copy computes afresh
        fresh = dataclasses.replace(d)
        assert "_digest" not in fresh.__dict__
        assert (d.fingerprint(program.pk), d.digest()) == (fresh.fingerprint(program.pk), fresh.digest())


def _stored(program: Program) -> list[tuple[Any, ...]]:
    from assessments.models import Finding

    return sorted(
        Finding.objects.filter(program=program).values_list(
            "fingerprint", "rule_code", "status", "message", "message_key", "message_params", "evidence",
            "digest", "pairing_id", "team_id", "deployment_id", "period_start", "period_end",
        )
    )  # fmt: skip


@pytest.mark.django_db
def test_rows_prepared_while_the_lanes_run_are_what_persisting_builds_and_store_the_same(
    demo: Any,  # noqa: F811
) -> None:
    import functools

    from django.utils.translation import gettext, override

    from assessments.models import Finding
    from assessments.rules.messages import SOURCE_LANGUAGE
    from assessments.services.findings import PreparedRows, _copy_line, findings_persist, rules_check

    # given the demo program checked in one lane, its findings as stored
    program = Program.objects.get(code="GS2022")
    rules_check(program=program, as_of=AS_OF, parallel=False)
    one_lane = _stored(program)
    assert one_lane
    Finding.objects.filter(program=program).delete()
    # when swept in lanes with the rows prepared on the hashing thread
    prepared = PreparedRows(program=program)
    drafts = rules_evaluate(program=program, as_of=AS_OF, lanes=True, hashed=prepared.add)
    # then a line was prepared for every draft (none is stored), the one persisting would build
    translate = functools.lru_cache(maxsize=None)(gettext)
    firsts = {}
    for d in (d for ds in drafts.values() for d in ds):
        firsts.setdefault(d.fingerprint(program.pk), d)
    with override(SOURCE_LANGUAGE):
        assert prepared.lines == {fp: _copy_line(d, fp, d.digest(), translate) for fp, d in firsts.items()}
    # and persisted with them, the findings are those of the one-lane run
    findings_persist(program=program, drafts=drafts, prepared=prepared)
    assert _stored(program) == one_lane
    # when swept in lanes again, nothing is new and nothing needs a line
    again = PreparedRows(program=program)
    counts = rules_check(program=program, as_of=AS_OF, parallel=True)
    rules_evaluate(program=program, as_of=AS_OF, lanes=True, hashed=again.add)
    assert again.lines == {}
    assert sum(c["new"] for c in counts.values()) == 0
    assert _stored(program) == one_lane
    # when a finding had been resolved (by a run that no longer saw it) and holds again
    gone = Finding.objects.filter(program=program).order_by("pk").first()
    Finding.objects.filter(pk=gone.pk).update(status="resolved", resolved_at=gone.last_seen)
    counts = rules_check(program=program, as_of=AS_OF, parallel=True)
    # then the lanes run reopens it and counts it as new, as one lane would
    assert counts[gone.rule_code]["new"] == 1 and sum(c["new"] for c in counts.values()) == 1
    assert _stored(program) == one_lane


_FACT_TABLES = (
    "assessments_attendancemonthfact",
    "assessments_deploymentfact",
    "assessments_coverageintervalfact",
    "assessments_periodfact",
    "assessments_teamcompositionfact",
    indicator_facts.STATE,
)


@pytest.fixture(scope="module")
def demo_facts(demo: Any, django_db_blocker: Any) -> Iterator[list[int]]:  # noqa: F811
    """The demo's indicator facts computed and committed: the lanes see committed data only."""
    with django_db_blocker.unblock():
        ids = list(
            Pairing.objects.filter(program__code__in=builder.DEMO_PROGRAMS).values_list("pk", flat=True)
        )
        indicator_facts.refresh(ids)
        yield ids
        with connection.cursor() as cur:
            for table in _FACT_TABLES:
                cur.execute(f"DELETE FROM {table} WHERE pairing_id = ANY(%s)", [ids])
            # and the program sums the refresh kept of them (a later test reads every program's sums)
            programs = list(
                Program.objects.filter(code__in=builder.DEMO_PROGRAMS).values_list("pk", flat=True)
            )
            for table in ("assessments_programperiodfact", "assessments_programfactpairings"):
                cur.execute(f"DELETE FROM {table} WHERE program_id = ANY(%s)", [programs])


@pytest.mark.django_db
@pytest.mark.parametrize("code", builder.DEMO_PROGRAMS)
def test_a_program_run_in_lanes_on_fresh_facts_drafts_what_computing_every_pairing_drafts(
    demo_facts: list[int], code: str
) -> None:
    # given a demo program whose pairings' indicator facts are all fresh (committed)
    program = Program.objects.get(code=code)
    assert not indicator_facts.stale_pairings(list(program.pairings.values_list("pk", flat=True)))
    # when it is evaluated in lanes reading the facts, and in one lane computing every pairing
    lanes = rules_evaluate(program=program, as_of=AS_OF, lanes=True)
    with override_settings(RULES_FACTS=False):
        computed = rules_evaluate(program=program, as_of=AS_OF)
    # then every rule drafts the same findings, in the same order
    assert sum(map(len, computed.values())) > 0
    assert list(lanes.items()) == list(computed.items())


def _run_twice(program: Program, *, early: bool, chunk: int = 1000) -> tuple[Any, ...]:
    """A first run and, after findings were changed, resolved and waived behind its back, a second one, with
    the findings written while the lanes run (``EarlyWrites``) or after them; what they stored, in the
    findings' id order, their audit events in order, and the runs' counts. Rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from assessments.models import Finding, FindingEvent
    from assessments.services.findings import rules_check

    class Undo(Exception):
        pass

    out: list[Any] = []
    try:
        with transaction.atomic(), override_settings(RULES_EARLY_WRITES=early, RULES_EARLY_CHUNK=chunk):
            Finding.objects.filter(program=program).delete()
            mark = FindingEvent.objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first() or 0
            first = rules_check(program=program, as_of=AS_OF, parallel=True)
            by_id = list(Finding.objects.filter(program=program).order_by("pk"))
            Finding.objects.filter(pk__in=[f.pk for f in by_id[::3]]).update(digest="")
            Finding.objects.filter(pk__in=[f.pk for f in by_id[1::4]]).update(status="resolved")
            Finding.objects.filter(pk=by_id[2].pk).update(
                status="waived", waive_reason="x", waived_at=timezone.now()
            )
            again = rules_check(program=program, as_of=AS_OF, parallel=True)
            fields = ("fingerprint", "status", "message", "message_params", "evidence", "digest", "rule_code")
            stored = list(Finding.objects.filter(program=program).order_by("pk").values_list(*fields))
            events = list(
                FindingEvent.objects.filter(pgh_id__gt=mark)
                .order_by("pgh_id")
                .values_list("pgh_label", "fingerprint", "status", "digest", "evidence")
            )
            # The insert events in order (the upserts write them in the findings' order); the update events
            # as a whole: an UPDATE of many rows (those above, the resolving) records them in the order it
            # finds the rows on disk, which the order of earlier writes decides.
            inserts = [e for e in events if e[0] == "insert"]
            out = [first, again, stored, inserts, sorted(map(repr, events))]
            raise Undo
    except Undo:
        pass
    return tuple(out)


@pytest.mark.django_db
def test_findings_written_while_the_lanes_run_are_those_written_after_them(demo: Any) -> None:  # noqa: F811
    # given the demo program
    program = Program.objects.get(code="GS2022")
    # when it is run twice (findings changed, resolved and waived in between) with the findings written
    # while the lanes run, and again with them written after the lanes
    early = _run_twice(program, early=True)
    after = _run_twice(program, early=False)
    # then the runs count the same, and store the same findings with their ids in the same order and the
    # same audit events (the stamps' times aside: each run has its own)
    first, again, stored, inserts, _events = early
    assert sum(c["new"] for c in first.values()) == len(stored) == len(inserts) > 0
    assert sum(c["new"] for c in again.values()) > 0
    assert early == after


@pytest.mark.django_db
def test_findings_written_in_pieces_while_a_rule_drafts_are_those_written_after_the_lanes(
    demo: Any,  # noqa: F811
) -> None:
    # given the demo program, and drafts handed to the early writer two at a time while each rule drafts
    # (a national sweep's team rules hand over 1,000 at a time)
    program = Program.objects.get(code="GS2022")
    # when it is run twice with the findings written in those pieces, and with them written after the lanes
    pieces = _run_twice(program, early=True, chunk=2)
    after = _run_twice(program, early=False)
    # then the same findings are stored, with their ids and audit events in the same order, and counted alike
    first, _again, stored, _inserts, _events = pieces
    assert max(len([f for f in stored if f[6] == code]) for code in first) > 2  # a rule came in pieces
    assert pieces == after


@pytest.mark.django_db
def test_a_fingerprint_repeated_in_a_later_piece_keeps_the_first_drafts_finding(demo: Any) -> None:  # noqa: F811
    from assessments.models import Finding
    from assessments.rules.base import Draft, msg
    from assessments.services.findings import EarlyWrites, PreparedRows, findings_persist

    # given a program without findings and two drafts of one rule with the same identity (fingerprint) but
    # saying different things, handed to the early writer in two pieces of the rule
    program = Program.objects.get(code="GS2022")
    Finding.objects.filter(program=program).delete()
    pairing = program.pairings.order_by("pk").first()

    def draft(n: int) -> Draft:
        return Draft(
            rule_code="TEAM_MIN_SIZE", severity="major", subject_type="pairing", subject_id=pairing.pk,
            pairing_id=pairing.pk, message=msg("在岗 %(n)s 人", n=n), evidence={"n": n},
        )  # fmt: skip

    first, repeated = draft(4), draft(3)
    assert first.fingerprint(program.pk) == repeated.fingerprint(program.pk)
    prepared = PreparedRows(program=program)
    early = EarlyWrites(program=program, prepared=prepared, run=None, codes=["TEAM_MIN_SIZE"])

    def hand_over() -> None:  # the hashing thread's part: the second piece once the first is written
        prepared.add([first])
        early.done("TEAM_MIN_SIZE", [first], final=False)
        for _ in range(500):
            if early.written:
                break
            time.sleep(0.01)
        prepared.add([repeated])
        early.done("TEAM_MIN_SIZE", [repeated], final=True)
        early.done(None, [])

    hasher = threading.Thread(target=hand_over)
    hasher.start()
    # when the writer writes them as they come (on this thread: its connection, its transaction), and
    # persisting follows
    early.run()
    hasher.join(10)
    assert early.written
    counts = findings_persist(
        program=program, drafts={"TEAM_MIN_SIZE": [first, repeated]}, prepared=prepared, early=early
    )
    # then one finding is stored, the first draft's (as persisting alone keeps it), counted once
    [finding] = Finding.objects.filter(program=program)
    assert (finding.message_params, finding.evidence) == ({"n": 4}, {"n": 4})
    assert counts["TEAM_MIN_SIZE"]["new"] == counts["TEAM_MIN_SIZE"]["open"] == 1
