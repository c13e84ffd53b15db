"""Finding lifecycle: upsert by fingerprint, resolve, reopen, waive (commission only, with reason)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Finding, RuleRun
from assessments.services.findings import (
    finding_reopen,
    finding_waive,
    rule_run_create,
    rule_run_execute,
    rules_check,
)
from devtools import factories as f
from tests.assessments.rules_helpers import AS_OF, D, pairing, program

pytestmark = pytest.mark.django_db


def gaps(prog):
    return Finding.objects.filter(program=prog, rule_code="COVERAGE_GAP").order_by("period_start")


def snapshot(prog):
    return sorted(Finding.objects.filter(program=prog).values_list("id", "fingerprint", "status"))


def test_rerun_without_change_adds_nothing_and_changes_no_status():
    # given a program checked once
    prog = program()
    pairing(prog)
    first = rules_check(program=prog, as_of=AS_OF)
    before = snapshot(prog)
    seen = Finding.objects.filter(program=prog).values_list("last_seen", flat=True).first()
    # when checked again
    second = rules_check(program=prog, as_of=AS_OF)
    # then the same rows with the same statuses, seen again, and nothing new
    assert before and snapshot(prog) == before
    assert Finding.objects.filter(program=prog).values_list("last_seen", flat=True).first() > seen
    assert first["COVERAGE_GAP"] == {"open": 1, "new": 1, "resolved": 0, "waived": 0}
    assert second["COVERAGE_GAP"] == {"open": 1, "new": 0, "resolved": 0, "waived": 0}


def checked_with_a_gap_from_july():
    """A program checked once whose only deployment ends on 2023-06-30: one open COVERAGE_GAP."""
    prog = program()
    team = f.TeamFactory(pairing=pairing(prog), year=2023, start_date=D(2023, 1, 1))
    dep = f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    rules_check(program=prog, as_of=AS_OF)
    [gap] = gaps(prog)
    return prog, dep, gap


def test_a_rerun_that_only_sees_findings_again_adds_no_audit_events_but_a_resolution_does():
    from assessments.models import FindingEvent

    prog, dep, gap = checked_with_a_gap_from_july()
    events = FindingEvent.objects.filter(pgh_obj_id=gap.pk)
    assert list(events.values_list("pgh_label", flat=True)) == ["insert"]
    # when checked again with nothing changed: last_seen moves, the trail does not
    rules_check(program=prog, as_of=AS_OF)
    gap.refresh_from_db()
    assert events.count() == 1 and gap.last_seen > events.get().last_seen
    # when the data is fixed: the resolution is recorded
    dep.planned_end = D(2023, 12, 31)
    dep.save()
    rules_check(program=prog, as_of=AS_OF)
    assert list(events.order_by("pgh_id").values_list("pgh_label", "status")) == [
        ("insert", "open"),
        ("update", "resolved"),
    ]


def test_a_rerun_rewrites_only_the_findings_that_say_something_new():
    # given a program checked once: one open gap
    prog, _dep, gap = checked_with_a_gap_from_july()
    # when checked again with nothing changed
    rules_check(program=prog, as_of=AS_OF)
    same = Finding.objects.get(pk=gap.pk)
    # then the gap is seen again but not rewritten: updated_at (the API's updated_since) stays
    assert same.last_seen > gap.last_seen
    assert (same.updated_at, same.message, same.digest) == (gap.updated_at, gap.message, gap.digest)
    assert len(gap.digest) == 32
    # given its stored text changed behind the engine's back, its digest cleared (as a data fix must)
    Finding.objects.filter(pk=gap.pk).update(message="改过的说明", digest="")
    # when checked again
    rules_check(program=prog, as_of=AS_OF)
    fixed = Finding.objects.get(pk=gap.pk)
    # then it is rewritten with what the rule says, and that is an update
    assert (fixed.message, fixed.digest, fixed.status) == (gap.message, gap.digest, "open")
    assert fixed.updated_at > gap.updated_at


def test_fixing_the_data_resolves_and_breaking_it_again_reopens_the_same_row():
    prog, dep, gap = checked_with_a_gap_from_july()
    assert (gap.period_start, gap.status) == (D(2023, 7, 1), "open")
    # when the gap is filled
    dep.planned_end = D(2023, 12, 31)
    dep.save()
    counts = rules_check(program=prog, as_of=AS_OF)
    gap.refresh_from_db()
    assert gap.status == "resolved" and gap.resolved_at is not None
    assert counts["COVERAGE_GAP"]["resolved"] == 1
    # when the same gap comes back
    dep.planned_end = D(2023, 6, 30)
    dep.save()
    counts = rules_check(program=prog, as_of=AS_OF)
    gap.refresh_from_db()
    assert (gap.status, gap.resolved_at) == ("open", None)
    assert counts["COVERAGE_GAP"]["new"] == 1 and gaps(prog).count() == 1


def test_message_and_evidence_update_but_fingerprint_stays():
    prog = program()
    p = pairing(prog)
    rules_check(program=prog, as_of=AS_OF)
    [short] = Finding.objects.filter(program=prog, rule_code="TRAINING_QUOTA")
    f.TraineeStintFactory(pairing=p)
    rules_check(program=prog, as_of=AS_OF)
    [again] = Finding.objects.filter(program=prog, rule_code="TRAINING_QUOTA")
    assert again.pk == short.pk and again.evidence["trained"] == 1 and short.evidence["trained"] == 0


def test_waived_finding_stays_waived_across_reruns_even_when_fixed(world):
    prog = world.program
    rules_check(program=prog, as_of=AS_OF)
    finding = Finding.objects.filter(pairing=world.pairing_a, rule_code="COVERAGE_GAP").get()
    # when province staff waive it
    finding_waive(
        user=world.users["province"], finding=finding, reason="该县疫情期间暂停派驻，经省卫健委同意"
    )
    rules_check(program=prog, as_of=AS_OF)
    finding.refresh_from_db()
    assert (finding.status, finding.waived_by, finding.waive_reason[:2]) == (
        "waived",
        world.users["province"],
        "该县",
    )
    assert finding.waived_at is not None
    # and the audit trail recorded the waiver
    assert finding.events.filter(status="waived").exists()
    # when the data is fixed it still stays waived (never silently un-waived)
    team = f.TeamFactory(
        pairing=world.pairing_a, year=2022, start_date=D(2022, 1, 1), end_date=D(2025, 12, 31)
    )
    f.DeploymentFactory(team=team, planned_start=D(2022, 1, 1), planned_end=D(2025, 12, 31))
    counts = rules_check(program=prog, as_of=AS_OF)
    finding.refresh_from_db()
    assert finding.status == "waived" and counts["COVERAGE_GAP"]["waived"] == 1


def test_reopen_undoes_a_waiver(world):
    rules_check(program=world.program, as_of=AS_OF)
    finding = Finding.objects.filter(pairing=world.pairing_a, rule_code="COVERAGE_GAP").get()
    finding_waive(user=world.users["province"], finding=finding, reason="特殊情况")
    finding_reopen(user=world.users["province"], finding=finding)
    finding.refresh_from_db()
    assert (finding.status, finding.waive_reason, finding.waived_by) == ("open", "", None)


def test_waiver_without_reason_is_refused_and_nothing_changes(world):
    rules_check(program=world.program, as_of=AS_OF)
    finding = Finding.objects.filter(pairing=world.pairing_a, rule_code="COVERAGE_GAP").get()
    with pytest.raises(ValidationError):
        finding_waive(user=world.users["province"], finding=finding, reason="   ")
    finding.refresh_from_db()
    assert (finding.status, finding.waive_reason, finding.waived_at) == ("open", "", None)


@pytest.mark.parametrize("who", ["alice", "charlie", "county_a", "dashboard", "nobody", "city_b", "city_a"])
def test_only_province_staff_may_waive(world, who):
    rules_check(program=world.program, as_of=AS_OF)
    finding = Finding.objects.filter(pairing=world.pairing_a, rule_code="COVERAGE_GAP").get()
    with pytest.raises(PermissionDenied):
        finding_waive(user=world.users[who], finding=finding, reason="理由")
    finding.refresh_from_db()
    assert (finding.status, finding.waived_by) == ("open", None)


def test_pairing_run_only_touches_its_own_pairing(world):
    # given both pairings checked, then both get a full team for the whole period
    rules_check(program=world.program, as_of=AS_OF)
    for p in (world.pairing_a, world.pairing_b):
        team = f.TeamFactory(pairing=p, year=2022, start_date=D(2022, 1, 1), end_date=D(2025, 12, 31))
        f.DeploymentFactory(team=team, planned_start=D(2022, 1, 1), planned_end=D(2025, 12, 31))
    # when only pairing A is rechecked
    rules_check(program=world.program, pairing_ids=[world.pairing_a.pk], as_of=AS_OF)
    # then A's gap is resolved, B's is still open (until B or the program is checked)
    statuses = dict(Finding.objects.filter(rule_code="COVERAGE_GAP").values_list("pairing_id", "status"))
    assert statuses == {world.pairing_a.pk: "resolved", world.pairing_b.pk: "open"}


def test_run_records_counts_status_and_times(world):
    run = rule_run_create(program=world.program, enqueue=False)
    rule_run_execute(run_id=run.pk, as_of=AS_OF)
    run.refresh_from_db()
    assert run.status == "done" and run.started_at and run.finished_at
    assert run.counts["COVERAGE_GAP"] == {"open": 2, "new": 2, "resolved": 0, "waived": 0}
    assert Finding.objects.filter(last_run=run).count() == sum(c["new"] for c in run.counts.values())
    # a second delivery of the same task does nothing
    assert rule_run_execute(run_id=run.pk, as_of=AS_OF) is None


def test_failed_run_keeps_its_traceback(world):
    world.program.params = {"no_such_parameter": 1}  # broken (saved around validation)
    world.program.save()
    run = rule_run_create(program=world.program, enqueue=False)
    with pytest.raises(Exception):  # noqa: B017
        rule_run_execute(run_id=run.pk, as_of=AS_OF)
    run.refresh_from_db()
    assert run.status == "failed" and run.error and "Traceback" in run.traceback and run.finished_at
    assert not Finding.objects.exists()


def sweep_queries(n_pairings: int) -> int:
    prog = program(code=f"Q{n_pairings}")
    for i in range(n_pairings):
        p = pairing(prog)
        team = f.TeamFactory(pairing=p, year=2023, start_date=D(2023, 1, 1))
        f.DeploymentFactory(
            team=team, role="leader", planned_start=D(2023, 1, 1), planned_end=D(2023, 3, 1 + i)
        )
        f.TraineeStintFactory(pairing=p)
    prog.refresh_from_db()
    with CaptureQueriesContext(connection) as ctx:
        counts = rules_check(program=prog, as_of=AS_OF)
    assert counts["COVERAGE_GAP"]["new"] == n_pairings
    return len(ctx.captured_queries)


def test_sweep_query_count_does_not_grow_with_pairings():
    assert sweep_queries(2) == sweep_queries(10)


def test_rule_runs_are_listed_newest_first(world):
    a = rule_run_create(program=world.program, enqueue=False)
    b = rule_run_create(program=world.program, enqueue=False)
    assert list(RuleRun.objects.all()[:2]) == [b, a]


def test_bulk_written_insert_events_equal_what_the_trigger_writes_and_the_trigger_is_back_afterwards():
    """findings_persist sets pghistory's per-row insert trigger aside for its transaction and writes the
    "insert" events in one statement: each event carries every tracked column of its finding, as the
    trigger's would; after the run the trigger is on again for any other insert."""
    from assessments.models import FindingEvent

    prog, _dep, gap = checked_with_a_gap_from_july()
    tracked = [
        fld.name
        for fld in FindingEvent._meta.concrete_fields
        if not fld.name.startswith("pgh_") and fld.name != "id"
    ]
    [event] = FindingEvent.objects.filter(pgh_obj_id=gap.pk, pgh_label="insert")
    assert {n: getattr(event, n) for n in tracked} == {n: getattr(gap, n) for n in tracked}
    assert event.pgh_created_at is not None

    # an ordinary insert after the run goes through the trigger again
    copy = Finding.objects.get(pk=gap.pk)
    copy.pk = None
    copy.fingerprint = gap.fingerprint[:-4] + "copy"
    copy.save()
    [by_trigger] = FindingEvent.objects.filter(pgh_obj_id=copy.pk, pgh_label="insert")
    same = [n for n in tracked if n not in ("fingerprint", "created_at", "updated_at")]  # auto_now on save
    assert {n: getattr(by_trigger, n) for n in same} == {n: getattr(event, n) for n in same}


def test_texts_and_json_with_tabs_newlines_and_backslashes_are_stored_as_drafted():
    """The upserted rows travel by COPY's text format (tab-separated, backslash escapes): a message or
    evidence holding those characters is stored exactly as drafted, and a rerun finds it unchanged."""
    from assessments.models import FindingEvent
    from assessments.rules.base import Draft, msg
    from assessments.services.findings import findings_persist

    # given a draft whose message parameters and evidence hold every character COPY escapes
    prog = program()
    p = pairing(prog)
    awkward = 'tab\there\nnew line\r\\back\\slash "quoted" \\N 中文'
    draft = Draft(
        rule_code="COVERAGE_GAP",
        severity="critical",
        subject_type="pairing",
        subject_id=p.pk,
        pairing_id=p.pk,
        message=msg("%(what)s：\t%(n)s\\", what=awkward, n=3),
        evidence={"text": awkward, "nested": [awkward, None, 1.5], "empty": ""},
        period_start=D(2023, 7, 1),
        period_end=D(2023, 7, 9),
    )
    # when persisted
    first = findings_persist(program=prog, drafts={"COVERAGE_GAP": [draft]})
    # then the row says exactly what the draft said, its insert event too
    [finding] = Finding.objects.filter(program=prog)
    assert first["COVERAGE_GAP"]["new"] == 1
    assert finding.message_key == "%(what)s：\t%(n)s\\"
    assert finding.message_params == {"what": awkward, "n": 3}
    assert finding.message == f"{awkward}：\t3\\"
    assert finding.evidence == {"text": awkward, "nested": [awkward, None, 1.5], "empty": ""}
    assert finding.team_id is None and finding.period_end == D(2023, 7, 9)
    assert finding.digest == draft.digest()
    [event] = FindingEvent.objects.filter(pgh_obj_id=finding.pk)
    assert event.message == finding.message and event.evidence == finding.evidence
    # when persisted again: seen again, not rewritten
    again = findings_persist(program=prog, drafts={"COVERAGE_GAP": [draft]})
    assert again["COVERAGE_GAP"] == {"open": 1, "new": 0, "resolved": 0, "waived": 0}
    assert FindingEvent.objects.filter(pgh_obj_id=finding.pk).count() == 1
