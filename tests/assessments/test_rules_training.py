"""Yearly figures: TRAINING_QUOTA, RESIDENCY_BASE, EXPERT_VISITS; county GRADE_TARGET."""

from __future__ import annotations

import pytest

from assessments.models import CentreProgress, GradeChange, ServiceCapacityAssessment, Specialty
from devtools import factories as f
from teams.models import ExpertVisitBatch
from tests.assessments.rules_helpers import D, evaluate, pairing, program

pytestmark = pytest.mark.django_db


MAR1, AUG31 = D(2023, 3, 1), D(2023, 8, 31)


def stints(p, n, start=MAR1, end=AUG31, **kw):
    return [f.TraineeStintFactory(pairing=p, start_date=start, end_date=end, **kw) for _ in range(n)]


def test_three_free_stints_meet_the_quota():
    prog = program()
    p = pairing(prog)
    stints(p, 3)
    assert evaluate(prog, "TRAINING_QUOTA") == []


def test_two_free_stints_are_one_short():
    prog = program()
    p = pairing(prog)
    stints(p, 2)
    [d] = evaluate(prog, "TRAINING_QUOTA")
    assert (d.evidence["trained"], d.evidence["required"]) == (2, 3)


def test_gansu_sets_no_minimum_stint_length():
    # given three free stints of one week each under the Gansu defaults
    prog = program()
    p = pairing(prog)
    stints(p, 3, start=D(2023, 3, 1), end=D(2023, 3, 7))
    # then they count: the 6 months are Mianyang's, not Gansu's
    assert evaluate(prog, "TRAINING_QUOTA") == []


def test_mianyang_a_stint_one_day_short_of_six_months_does_not_count_and_is_listed():
    prog = program(preset="mianyang")
    p = pairing(prog)
    stints(p, 2)  # March 1 … August 31: exactly 6 months
    [short] = stints(p, 1, end=D(2023, 8, 30))
    [d] = evaluate(prog, "TRAINING_QUOTA")
    assert d.evidence["trained"] == 2 and d.evidence["required"] == 3
    assert [s["id"] for s in d.evidence["too_short"]] == [short.pk]
    assert short.trainee_name in d.message
    short.end_date = AUG31
    short.save()
    assert evaluate(prog, "TRAINING_QUOTA") == []


def test_dingxi_three_months_is_enough_and_a_day_less_is_not():
    prog = program(preset="dingxi")
    p = pairing(prog)
    stints(p, 2, start=D(2023, 3, 1), end=D(2023, 5, 31))
    [last] = stints(p, 1, start=D(2023, 3, 1), end=D(2023, 5, 30))
    assert [d.evidence["trained"] for d in evaluate(prog, "TRAINING_QUOTA")] == [2]
    last.end_date = D(2023, 5, 31)
    last.save()
    assert evaluate(prog, "TRAINING_QUOTA") == []


def test_only_backbone_staff_count_where_the_preset_says():
    # given two backbone trainees and one who is not (Gansu counts 临床骨干医师或医技人员 only)
    prog = program()
    p = pairing(prog)
    stints(p, 2)
    [other] = stints(p, 1, is_backbone=False)
    [d] = evaluate(prog, "TRAINING_QUOTA")
    assert d.evidence["trained"] == 2
    assert [s["id"] for s in d.evidence["not_backbone"]] == [other.pk]
    # when a program switches the restriction off, then all three count
    prog.params = {"training_backbone_only": False}
    prog.save()
    assert evaluate(prog, "TRAINING_QUOTA") == []


def test_a_partial_first_year_asks_a_pro_rated_quota():
    # given a service period from 2023-09-01 (122 of 365 days in 2023: 3 × 122/365 = 1.003 → 2)
    prog = program(start_date=D(2023, 9, 1), end_date=D(2024, 12, 31))
    p = pairing(prog, service_start=D(2023, 9, 1))
    stints(p, 2, start=D(2023, 9, 1), end=D(2023, 9, 30))
    stints(p, 3, start=D(2024, 1, 1), end=D(2024, 1, 31))
    assert evaluate(prog, "TRAINING_QUOTA") == []
    # when one of the two 2023 stints goes, then 2023 is one short of its pro-rated 2
    p.trainee_stints.filter(start_date__year=2023).first().delete()
    [d] = evaluate(prog, "TRAINING_QUOTA")
    assert (d.evidence["year"], d.evidence["trained"], d.evidence["required"]) == (2023, 1, 2)
    assert "折算" in d.message


def test_a_partial_year_of_exactly_a_third_asks_one():
    # 2023-09-03 … 12-31 is 120 days: 3 × 120/365 = 0.99 → 1
    prog = program(start_date=D(2023, 9, 3))
    p = pairing(prog, service_start=D(2023, 9, 3))
    assert [d.evidence["required"] for d in evaluate(prog, "TRAINING_QUOTA")] == [1]
    stints(p, 1, start=D(2023, 9, 3), end=D(2023, 9, 30))
    assert evaluate(prog, "TRAINING_QUOTA") == []


def test_without_pro_rating_a_partial_year_asks_the_full_quota():
    prog = program(start_date=D(2023, 9, 1), params={"training_prorate": False})
    pairing(prog, service_start=D(2023, 9, 1))
    assert [d.evidence["required"] for d in evaluate(prog, "TRAINING_QUOTA")] == [3]


def test_bozhou_quota_is_over_the_program_not_per_year():
    # given a two-year Bozhou program with three trainees, all in the first year
    prog = program(preset="bozhou_2016", end_date=D(2024, 12, 31))
    p = pairing(prog)
    stints(p, 3)
    # then nothing is missing: 3 per recipient over the program
    assert evaluate(prog, "TRAINING_QUOTA") == []
    # with two, one finding for the whole period — once the program is over, not before
    p.trainee_stints.first().delete()
    assert evaluate(prog, "TRAINING_QUOTA", as_of=D(2024, 12, 31)) == []
    [d] = evaluate(prog, "TRAINING_QUOTA", as_of=D(2025, 1, 1))
    assert (d.evidence["year"], d.period_start, d.period_end) == (None, D(2023, 1, 1), D(2024, 12, 31))
    assert (d.evidence["trained"], d.evidence["required"]) == (2, 3)


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


def test_guangdong_four_batches_twenty_person_times_per_supporter():
    prog = program(preset="guangdong_2019")
    ok, few_batches, few_people = pairing(prog), pairing(prog), pairing(prog)
    visits(ok, 4, 5)  # 4 batches, 20 person-times: both minimums met exactly
    visits(few_batches, 3, 10)
    visits(few_people, 4, 4)
    found = {d.hospital_id: d for d in evaluate(prog, "EXPERT_VISITS")}
    sup = {p.pk: p.supporters.get().hospital_id for p in (ok, few_batches, few_people)}
    assert set(found) == {sup[few_batches.pk], sup[few_people.pk]}
    # the message names the minimum that was missed, and only that one
    fb, fp = found[sup[few_batches.pk]], found[sup[few_people.pk]]
    assert (fb.evidence["batches"], fb.evidence["missed"]) == (3, ["batches"])
    assert "批次 3" in fb.message and "人次" not in str(fb.message).split("：", 1)[1]
    assert (fp.evidence["person_times"], fp.evidence["missed"]) == (16, ["person_times"])
    assert "人次 16" in fp.message


def test_expert_visits_count_across_the_supporters_recipients():
    # given one supporter with two recipients, 2 batches of 10 at each
    prog = program(preset="guangdong_2019")
    first = pairing(prog)
    supporter = first.supporters.get().hospital
    second = pairing(prog, supporter=supporter)
    visits(first, 2, 10)
    visits(second, 2, 10)
    # then together they meet 4 / 20: no finding
    assert evaluate(prog, "EXPERT_VISITS") == []


def test_two_short_supporters_of_one_recipient_are_two_stored_findings():
    from assessments.models import Finding
    from assessments.services.findings import findings_persist

    # given a recipient with two supporters, neither sending any expert
    prog = program(preset="guangdong_2019")
    p = pairing(prog)
    p.supporters.create(hospital=f.HospitalFactory(province=prog.province), is_lead=False)
    drafts = evaluate(prog, "EXPERT_VISITS")
    assert len(drafts) == 2 and len({d.fingerprint(prog.pk) for d in drafts}) == 2
    # when the rules run and store their findings, then both shortfalls are stored
    findings_persist(program=prog, drafts={"EXPERT_VISITS": drafts})
    assert Finding.objects.filter(program=prog, rule_code="EXPERT_VISITS").count() == 2


def test_one_supporter_two_short_recipients_is_one_finding_per_year():
    prog = program(preset="guangdong_2019", end_date=D(2024, 12, 31))
    first = pairing(prog)
    pairing(prog, supporter=first.supporters.get().hospital)
    drafts = evaluate(prog, "EXPERT_VISITS")
    assert sorted(d.evidence["year"] for d in drafts) == [2023, 2024]
    assert {d.evidence["recipients"] for d in drafts} == {2}


def test_one_supporters_shortfalls_at_two_recipients_are_stored_as_one_finding_counting_both():
    # given one supporter with two recipients, 2 batches of 4 at the first and 1 batch of 4 at the second
    # (the old per-pairing drafts shared one fingerprint, so the second shortfall disappeared when stored)
    from assessments.models import Finding
    from assessments.services.findings import findings_persist

    prog = program(preset="guangdong_2019")
    first = pairing(prog)
    second = pairing(prog, supporter=first.supporters.get().hospital)
    visits(first, 2, 4)
    visits(second, 1, 4)
    # when the findings are stored
    findings_persist(program=prog, drafts={"EXPERT_VISITS": evaluate(prog, "EXPERT_VISITS")})
    # then one finding per supporter and year holds both recipients' figures
    stored = Finding.objects.get(program=prog, rule_code="EXPERT_VISITS")
    assert (stored.evidence["batches"], stored.evidence["person_times"]) == (3, 12)
    assert stored.evidence["recipients"] == 2 and stored.evidence["missed"] == ["batches", "person_times"]


def test_expert_visits_are_skipped_by_pairing_runs():
    prog = program(preset="guangdong_2019")
    p = pairing(prog)
    assert evaluate(prog, "EXPERT_VISITS", pairing_ids=[p.pk]) == []


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


def capacity(hospital, day, reaches=True):
    return ServiceCapacityAssessment.objects.create(
        hospital=hospital, assessed_on=day, standard="basic", reaches_level2=reaches
    )


def test_an_assessed_level2_service_capacity_meets_the_target_without_the_formal_grade():
    # given an ungraded county hospital assessed on the program's last day as reaching 二级 capacity
    prog = program()
    p = pairing(prog)
    assert p.recipient.grade not in {"2", "2A", "2B", "3", "3A", "3B"}
    capacity(p.recipient, D(2023, 12, 31))
    # then the county meets the target
    assert evaluate(prog, "GRADE_TARGET") == []


def test_a_capacity_assessment_after_the_program_end_does_not_count():
    prog = program()
    p = pairing(prog)
    capacity(p.recipient, D(2024, 1, 1))
    [d] = evaluate(prog, "GRADE_TARGET")
    assert d.evidence["county_hospitals"][0]["reaches_level2"] is None


def test_the_latest_assessment_decides():
    prog = program()
    p = pairing(prog)
    capacity(p.recipient, D(2023, 3, 1), reaches=True)
    capacity(p.recipient, D(2023, 9, 1), reaches=False)
    [d] = evaluate(prog, "GRADE_TARGET")
    assert d.evidence["county_hospitals"][0]["assessed_on"] == "2023-09-01"
    capacity(p.recipient, D(2023, 11, 1), reaches=True)
    assert evaluate(prog, "GRADE_TARGET") == []


# --- CAPACITY_CENTRES -------------------------------------------------------------------------------------


def test_capacity_centres_off_by_default():
    prog = program()
    pairing(prog)
    assert evaluate(prog, "CAPACITY_CENTRES") == []


def test_dingxi_two_centres_or_key_specialties_by_the_end():
    # given a Dingxi program ending 2023-12-31; one recipient with a centre built on the last day and a TCM
    # key specialty, another with one centre only and one centre still being built
    prog = program(preset="dingxi")
    ok, short = pairing(prog), pairing(prog)
    CentreProgress.objects.create(hospital=ok.recipient, centre="chest_pain", status="built",
                                  achieved_on=D(2023, 12, 31))  # fmt: skip
    Specialty.objects.create(hospital=ok.recipient, kind="tcm_key", name="针灸科", selected_year=2023,
                             achieved_on=D(2023, 6, 1))  # fmt: skip
    CentreProgress.objects.create(hospital=short.recipient, centre="stroke", status="accredited",
                                  achieved_on=D(2023, 5, 1))  # fmt: skip
    CentreProgress.objects.create(hospital=short.recipient, centre="trauma", status="building")
    # then only the second falls short, and only once the program is over
    assert evaluate(prog, "CAPACITY_CENTRES", as_of=D(2023, 12, 31)) == []
    [d] = evaluate(prog, "CAPACITY_CENTRES", as_of=D(2024, 1, 1))
    assert (d.pairing_id, d.evidence["built"], d.evidence["required"]) == (short.pk, 1, 2)


def test_a_centre_built_after_the_end_does_not_count_and_weak_specialties_do_not_count():
    prog = program(preset="dingxi")
    p = pairing(prog)
    CentreProgress.objects.create(
        hospital=p.recipient, centre="ecg", status="built", achieved_on=D(2023, 1, 1)
    )
    CentreProgress.objects.create(hospital=p.recipient, centre="imaging", status="built",
                                  achieved_on=D(2024, 1, 1))  # fmt: skip
    Specialty.objects.create(hospital=p.recipient, kind="weak", name="儿科", selected_year=2023,
                             achieved_on=D(2023, 6, 1))  # fmt: skip
    [d] = evaluate(prog, "CAPACITY_CENTRES")
    assert d.evidence["built"] == 1
