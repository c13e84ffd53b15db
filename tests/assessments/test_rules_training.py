"""Yearly figures: TRAINING_QUOTA, RESIDENCY_BASE, EXPERT_VISITS; county GRADE_TARGET."""

from __future__ import annotations

import pytest

from assessments.models import GradeChange
from devtools import factories as f
from teams.models import ExpertVisitBatch
from tests.assessments.rules_helpers import D, evaluate, pairing, program

pytestmark = pytest.mark.django_db


MAR1, AUG31 = D(2023, 3, 1), D(2023, 8, 31)


def stints(p, n, start=MAR1, end=AUG31, **kw):
    return [f.TraineeStintFactory(pairing=p, start_date=start, end_date=end, **kw) for _ in range(n)]


def test_three_free_six_month_stints_meet_the_quota():
    prog = program()
    p = pairing(prog)
    stints(p, 3)  # March 1 … August 31: exactly 6 months
    assert evaluate(prog, "TRAINING_QUOTA") == []


def test_a_stint_one_day_short_does_not_count_and_is_listed():
    prog = program()
    p = pairing(prog)
    stints(p, 2)
    [short] = stints(p, 1, end=D(2023, 8, 30))
    [d] = evaluate(prog, "TRAINING_QUOTA")
    assert d.evidence["trained"] == 2 and d.evidence["required"] == 3
    assert [s["id"] for s in d.evidence["too_short"]] == [short.pk]
    assert short.trainee_name in d.message


def test_paid_stints_do_not_count():
    prog = program()
    p = pairing(prog)
    stints(p, 2)
    stints(p, 1, is_free=False)
    assert [d.evidence["trained"] for d in evaluate(prog, "TRAINING_QUOTA")] == [2]


def test_a_year_is_judged_only_once_it_is_over():
    prog = program()
    pairing(prog)
    assert evaluate(prog, "TRAINING_QUOTA", as_of=D(2023, 12, 31)) == []
    assert len(evaluate(prog, "TRAINING_QUOTA", as_of=D(2024, 1, 1))) == 1


def test_stint_counts_in_the_year_it_starts():
    prog = program(end_date=D(2024, 12, 31))
    p = pairing(prog)
    stints(p, 3, start=D(2023, 10, 1), end=D(2024, 3, 31))
    stints(p, 3, start=D(2024, 1, 1), end=D(2024, 6, 30))
    assert evaluate(prog, "TRAINING_QUOTA") == []


def test_residency_base_enrols_one_trainee_per_year():
    prog = program()
    base = f.HospitalFactory(province=prog.province, is_residency_base=True)
    idle_base = f.HospitalFactory(province=prog.province, is_residency_base=True)
    not_base = f.HospitalFactory(province=prog.province)
    p1 = pairing(prog, supporter=base)
    pairing(prog, supporter=idle_base)
    pairing(prog, supporter=not_base)
    f.TraineeStintFactory(pairing=p1, host=base, kind="residency")
    [d] = evaluate(prog, "RESIDENCY_BASE")
    assert (d.hospital_id, d.evidence["year"], d.subject_type) == (idle_base.pk, 2023, "hospital")


def test_residency_base_is_skipped_by_pairing_runs():
    prog = program()
    base = f.HospitalFactory(province=prog.province, is_residency_base=True)
    p = pairing(prog, supporter=base)
    assert evaluate(prog, "RESIDENCY_BASE", pairing_ids=[p.pk]) == []
    assert len(evaluate(prog, "RESIDENCY_BASE")) == 1


def visits(p, n, person_times):
    supporter = p.supporters.get().hospital
    for i in range(n):
        ExpertVisitBatch.objects.create(
            pairing=p, supporter=supporter, start_date=D(2023, 1 + i, 5), end_date=D(2023, 1 + i, 9),
            person_times=person_times,
        )  # fmt: skip


def test_expert_visits_off_by_default():
    prog = program()
    pairing(prog)
    assert evaluate(prog, "EXPERT_VISITS") == []


def test_guangdong_four_batches_twenty_person_times():
    prog = program(preset="guangdong_2019")
    ok, few_batches, few_people = pairing(prog), pairing(prog), pairing(prog)
    visits(ok, 4, 5)
    visits(few_batches, 3, 10)
    visits(few_people, 4, 4)
    found = {d.pairing_id: d.evidence for d in evaluate(prog, "EXPERT_VISITS")}
    assert set(found) == {few_batches.pk, few_people.pk}
    assert (found[few_batches.pk]["batches"], found[few_people.pk]["person_times"]) == (3, 16)


# --- GRADE_TARGET -----------------------------------------------------------------------------------------


def test_county_with_a_level2_county_hospital_meets_the_target():
    prog = program()
    p = pairing(prog)
    p.recipient.grade = "2A"
    p.recipient.save()
    assert evaluate(prog, "GRADE_TARGET") == []


def test_county_without_one_is_found_small_county_is_not():
    prog = program()
    big = pairing(prog)
    small = pairing(prog)
    small.recipient.county.population = 50_000  # not above 50,000
    small.recipient.county.save()
    [d] = evaluate(prog, "GRADE_TARGET")
    assert (d.county_id, d.pairing_id, d.subject_type) == (big.recipient.county_id, big.pk, "county")


def test_another_county_hospital_of_the_county_counts():
    prog = program()
    p = pairing(prog)
    f.RecipientFactory(
        province=prog.province, city=p.recipient.city, county=p.recipient.county, grade="2",
        is_county_hospital=True,
    )  # fmt: skip
    assert evaluate(prog, "GRADE_TARGET") == []


def test_grade_is_judged_at_the_program_end_with_grade_history():
    # upgraded after the program ended: the target was missed
    prog = program()
    p = pairing(prog)
    p.recipient.grade = "2A"
    p.recipient.save()
    GradeChange.objects.create(hospital=p.recipient, grade="2A", effective_on=D(2024, 3, 1))
    [d] = evaluate(prog, "GRADE_TARGET")
    assert d.evidence["reference_date"] == "2023-12-31"
    GradeChange.objects.create(hospital=p.recipient, grade="2", effective_on=D(2023, 6, 1))
    assert evaluate(prog, "GRADE_TARGET") == []
