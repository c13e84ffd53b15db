"""A plain-Python reading of the non-day-level rules of SPEC §3: proves the demo plants exactly PLANTED.

Not the rule engine (that one is set-based SQL in assessments/rules); a slow, obvious second opinion over the
demo programs that the seed tests compare with the manifest. Day-level rules are checked while building
(``DemoBuilder.verify_day_rules``); deployment-month rules by the tests.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

from dateutil.relativedelta import relativedelta

from devtools.demo.builder import TZ, min_end
from devtools.demo.violations import Planted
from pairings.choices import HospitalOrigin
from pairings.models import Agreement, Pairing, PairingSupporter, Program
from teams.choices import DeploymentRole, RosterStatus
from teams.models import Deployment, ExpertVisitBatch, Team
from training.choices import StintKind
from training.models import TraineeStint

PERSON_RULES = {
    "LEADER_POST",
    "LEADER_MGMT_YEARS",
    "MEMBER_CLINICAL_YEARS",
    "MEMBER_MIN_TITLE",
    "LEADER_MIN_STAY",
    "MEMBER_MIN_STAY",
    "ROSTER_FILED",
    "END_APPRAISAL",
}
AGREEMENT_RULES = {"AGREEMENT_SIGNED", "ANNUAL_AGREEMENT"}
CHECKED = PERSON_RULES | AGREEMENT_RULES | {"TRAINING_QUOTA", "RESIDENCY_BASE", "EXPERT_VISITS"}

Key = tuple[Any, ...]


def key(p: Planted) -> Key:
    """The part of a manifest item this checker can see."""
    if p.rule in PERSON_RULES:
        return (p.program, p.rule, p.staff)
    if p.rule in AGREEMENT_RULES:
        return (p.program, p.rule, p.recipient, p.supporter, p.year)
    if p.rule == "TRAINING_QUOTA":
        return (p.program, p.rule, p.recipient, p.year)
    return (p.program, p.rule, p.supporter, p.year)


def check(program_codes: list[str]) -> set[Key]:
    found: set[Key] = set()
    for program in Program.objects.filter(code__in=program_codes):
        found |= _deployments(program) | _agreements(program) | _training(program) | _visits(program)
    return found


def _deployments(program: Program) -> set[Key]:
    r, code, out = program.rules, program.code, set()
    rows = Deployment.objects.filter(team__pairing__program=program).values(
        "staff__national_id",
        "role",
        "post",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "staff__title",
        "staff__clinical_since",
        "staff__management_since",
        "roster__status",
        "roster__submitted_at",
        "roster__forwarded_at",
        "supporter__origin",
        "team__year",
        "team__rotation",
        "end_appraisal__signed_on",
    )
    for d in rows:
        nid = d["staff__national_id"]
        start = d["actual_start"] or d["planned_start"]
        end = d["actual_end"] or d["planned_end"]

        def bad(rule: str, nid: str = nid) -> None:
            out.add((code, rule, nid))

        if d["role"] == DeploymentRole.LEADER:
            if r.leader_post and d["post"] not in r.leader_posts:
                bad("LEADER_POST")
            mgmt = d["staff__management_since"]
            if r.leader_mgmt_years and (
                mgmt is None or mgmt + relativedelta(years=r.leader_mgmt_years) > start
            ):
                bad("LEADER_MGMT_YEARS")
            if r.leader_min_stay_months and end < min_end(start, r.leader_min_stay_months):
                bad("LEADER_MIN_STAY")
        else:
            clin = d["staff__clinical_since"]
            if r.member_clinical_years and (
                clin is None or clin + relativedelta(years=r.member_clinical_years) > start
            ):
                bad("MEMBER_CLINICAL_YEARS")
            if r.member_min_title and d["staff__title"] < r.member_min_title:
                bad("MEMBER_MIN_TITLE")
            if r.member_min_stay_months and end < min_end(start, r.member_min_stay_months):
                bad("MEMBER_MIN_STAY")
        # ROSTER_FILED: the supporter's submission (and an out-of-province supporter's city forwarding)
        # before the start; the first rotation by the program deadline; the filing date is not judged.
        first_rotation = d["team__year"] == program.start_date.year and d["team__rotation"] == 1
        due = start - dt.timedelta(days=1)
        if first_rotation and program.roster_deadline:
            due = min(due, program.roster_deadline)
        sent = [d["roster__submitted_at"]]
        if d["supporter__origin"] == HospitalOrigin.OTHER_PROVINCE:
            sent.append(d["roster__forwarded_at"])
        if r.roster_filed and (
            d["roster__status"] in (None, RosterStatus.RETURNED, RosterStatus.DRAFT)
            or any(at is None or at.astimezone(TZ).date() > due for at in sent)
        ):
            bad("ROSTER_FILED")
        signed = d["end_appraisal__signed_on"]
        if r.end_appraisal_days is not None and (
            signed is None or signed > end + dt.timedelta(days=r.end_appraisal_days)
        ):
            bad("END_APPRAISAL")
    return out


def _agreements(program: Program) -> set[Key]:
    r, code, out = program.rules, program.code, set()
    agreements = {
        (a.pairing_id, a.supporter_id, a.kind, a.year): a
        for a in Agreement.objects.filter(pairing__program=program)
    }
    first: dict[tuple[int, int], dt.date] = {}
    for t in Team.objects.filter(pairing__program=program):
        k = (t.pairing_id, t.year)
        first[k] = min(first.get(k, t.start_date), t.start_date)
    links = PairingSupporter.objects.filter(pairing__program=program).select_related(
        "pairing__recipient", "hospital"
    )
    for link in links:
        rec, sup = link.pairing.recipient.code, link.hospital.code
        deadline = program.agreement_deadline or link.pairing.service_start
        tri = agreements.get((link.pairing_id, link.hospital_id, "tripartite", None))
        if r.agreement_signed and (tri is None or tri.signed_on is None or tri.signed_on > deadline):
            out.add((code, "AGREEMENT_SIGNED", rec, sup, None))
        for year in program.years:
            if not r.annual_agreement or (link.pairing_id, year) not in first:
                continue
            ann = agreements.get((link.pairing_id, link.hospital_id, "annual", year))
            if ann is None or ann.signed_on is None or ann.signed_on >= first[(link.pairing_id, year)]:
                out.add((code, "ANNUAL_AGREEMENT", rec, sup, year))
    return out


def _training(program: Program) -> set[Key]:
    r, code, out = program.rules, program.code, set()
    counted: dict[tuple[str, int | None], int] = defaultdict(int)
    residency: dict[tuple[str, int], int] = defaultdict(int)
    for s in TraineeStint.objects.filter(pairing__program=program).values(
        "pairing__recipient__code", "host__code", "kind", "start_date", "end_date", "is_free", "is_backbone"
    ):
        long_enough = r.training_min_months is None or s["end_date"] >= min_end(
            s["start_date"], r.training_min_months
        )
        if s["is_free"] and long_enough and (s["is_backbone"] or not r.training_backbone_only):
            year = s["start_date"].year if r.training_quota_period == "year" else None
            counted[(s["pairing__recipient__code"], year)] += 1
        if s["kind"] == StintKind.RESIDENCY:
            residency[(s["host__code"], s["start_date"].year)] += 1
    links = PairingSupporter.objects.filter(pairing__program=program).values_list(
        "pairing__recipient__code", "hospital__code", "hospital__is_residency_base"
    )
    service = {
        rec: (start, end)
        for rec, start, end in Pairing.objects.filter(program=program).values_list(
            "recipient__code", "service_start", "service_end"
        )
    }
    for year in program.years:
        jan1, dec31 = dt.date(year, 1, 1), dt.date(year, 12, 31)
        for rec in {rec for rec, _, _ in links}:
            required = r.training_quota or 0
            if r.training_prorate:
                # A partial first or last year asks its share of the quota, rounded up.
                first, last = max(jan1, service[rec][0]), min(dec31, service[rec][1])
                required = math.ceil(required * ((last - first).days + 1) / ((dec31 - jan1).days + 1))
            if r.training_quota and r.training_quota_period == "year" and counted[(rec, year)] < required:
                out.add((code, "TRAINING_QUOTA", rec, year))
        for sup in {sup for _, sup, base in links if base}:
            if r.residency_base and residency[(sup, year)] < 1:
                out.add((code, "RESIDENCY_BASE", sup, year))
    if r.training_quota and r.training_quota_period == "program":
        for rec in {rec for rec, _, _ in links}:
            if counted[(rec, None)] < r.training_quota:
                out.add((code, "TRAINING_QUOTA", rec, None))
    return out


def _visits(program: Program) -> set[Key]:
    r, code, out = program.rules, program.code, set()
    if r.expert_visit_batches is None and r.expert_visit_person_times is None:
        return out
    batches: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for v in ExpertVisitBatch.objects.filter(pairing__program=program).values(
        "supporter__code", "start_date", "person_times"
    ):
        b = batches[(v["supporter__code"], v["start_date"].year)]
        b[0] += 1
        b[1] += v["person_times"]
    sups = set(
        PairingSupporter.objects.filter(pairing__program=program).values_list("hospital__code", flat=True)
    )
    for year in program.years:
        for sup in sups:
            n, people = batches[(sup, year)]
            if (r.expert_visit_batches and n < r.expert_visit_batches) or (
                r.expert_visit_person_times and people < r.expert_visit_person_times
            ):
                out.add((code, "EXPERT_VISITS", sup, year))
    return out
