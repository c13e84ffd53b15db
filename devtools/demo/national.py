"""A national-scale program for benchmarks: ``seed_demo --scale national --program NAT2022``.

About 2,500 pairings and 60,000 deployments over four years in a province of its own, so it coexists with the
demo. No planted violations beyond what the randomness gives; the database constraints always hold (each
person is deployed once, so no overlapping deployments).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import zlib
from typing import Any

from django.db import transaction

from assessments.models import EndOfStintAppraisal
from devtools.demo import names
from devtools.demo.builder import at, min_end, months, seeding_context
from pairings.choices import AgreementKind, HospitalGrade, HospitalKind, HospitalRole, ProgramPreset
from pairings.models import Agreement, City, County, Hospital, Pairing, PairingSupporter, Program, Province
from teams.choices import DeploymentRole, Post, RosterStatus, Title
from teams.models import Deployment, Roster, RosterEntry, Staff, Team
from training.choices import StintKind
from training.models import TraineeStint

BATCH = 5000
CITIES = 30


def province_code(program_code: str) -> str:
    return f"X{program_code}"[:12]


def present(program_code: str) -> bool:
    return Program.objects.filter(code=program_code).exists()


def build_national(
    seed: int = 2022, pairings: int = 2500, *, program_code: str = "NAT2022", verbose: bool = False
) -> dict[str, int]:
    """Build the benchmark program in one transaction; returns row counts per model."""
    with transaction.atomic(), seeding_context(audit=False, seed=seed, scale="national"):
        return _National(seed, pairings, program_code, verbose).build()


class _National:
    def __init__(self, seed: int, pairings: int, code: str, verbose: bool) -> None:
        self.rng = random.Random(seed)
        self.n = pairings
        self.code = code
        self.short = code[:7]
        self.verbose = verbose
        self.counts: dict[str, int] = {}
        # IDs are unique by construction: a per-program area code, then a running number over date + sequence.
        self.area = f"11{zlib.crc32(code.encode()) % 10000:04d}"
        self.next_person = 0

    def bulk(self, model: Any, objs: list[Any]) -> list[Any]:
        t0 = time.monotonic()
        model.objects.bulk_create(objs, batch_size=BATCH)
        self.counts[model.__name__] = self.counts.get(model.__name__, 0) + len(objs)
        if self.verbose:
            print(f"  {model.__name__:<20} {len(objs):>7} {time.monotonic() - t0:6.2f}s")
        return objs

    def person_id(self) -> str:
        k = self.next_person
        self.next_person += 1
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=(k // 1000) % 10_000)
        return names.national_id(self.area, birth, k % 1000)

    def build(self) -> dict[str, int]:
        rng, code, short = self.rng, self.code, self.short
        province = self.bulk(Province, [Province(code=province_code(code), name=f"基准省（{code}）")])[0]
        cities = self.bulk(
            City, [City(province=province, code=f"{short}C{i:03d}", name=f"基准市{i}") for i in range(CITIES)]
        )
        counties = self.bulk(
            County,
            [
                County(
                    city=cities[i % CITIES],
                    code=f"{short}{i:05d}",
                    name=f"基准县{i}",
                    population=rng.randint(30_000, 900_000),
                )
                for i in range(self.n)
            ],
        )
        n_sup = max(2, self.n // 8)
        supporters = self.bulk(
            Hospital,
            [
                Hospital(
                    code=f"{code}-S{i:04d}",
                    name=f"{code}基准三甲医院{i}",
                    role=HospitalRole.SUPPORTER,
                    grade=HospitalGrade.LEVEL3A,
                    province=province,
                    city=cities[i % CITIES],
                    is_residency_base=i % 5 == 0,
                )
                for i in range(n_sup)
            ],
        )
        recipients = self.bulk(
            Hospital,
            [
                Hospital(
                    code=f"{code}-R{i:05d}",
                    name=f"{code}基准县{i}人民医院",
                    role=HospitalRole.RECIPIENT,
                    kind=HospitalKind.TCM if i % 4 == 3 else HospitalKind.GENERAL,
                    grade=rng.choice([HospitalGrade.LEVEL2A, HospitalGrade.LEVEL2, HospitalGrade.UNGRADED]),
                    province=province,
                    city=counties[i].city,
                    county=counties[i],
                    is_county_hospital=True,
                )
                for i in range(self.n)
            ],
        )
        program = self.bulk(
            Program,
            [
                Program(
                    code=code,
                    name=f"全国规模基准项目 {code}",
                    province=province,
                    preset=ProgramPreset.GANSU_2022,
                    start_date=dt.date(2022, 1, 1),
                    end_date=dt.date(2025, 12, 31),
                    agreement_deadline=dt.date(2022, 4, 5),
                    roster_deadline=dt.date(2022, 4, 5),
                )
            ],
        )[0]
        end = program.end_date
        pairs = []
        for i, r in enumerate(recipients):
            start = dt.date(2022, 4, 11) + dt.timedelta(days=(i % CITIES) % 3 * 5)
            pairs.append(Pairing(program=program, recipient=r, service_start=start, service_end=end))
        self.bulk(Pairing, pairs)
        links = [
            PairingSupporter(pairing=p, hospital=supporters[i % n_sup], is_lead=True)
            for i, p in enumerate(pairs)
        ]
        self.bulk(PairingSupporter, links)

        # Schedule as in the demo: seven half-year member batches overlapping a week, three 12+-month leaders.
        teams: list[Team] = []
        plan: list[tuple[Team, Hospital, str, str, dt.date, dt.date]] = []
        agreements: list[Agreement] = []
        stints: list[TraineeStint] = []
        lead_of: dict[int, Hospital] = {}
        for i, p in enumerate(pairs):
            sup = supporters[i % n_sup]
            lead_of[id(p)] = sup
            s = p.service_start
            t = [months(s, 6 * k) for k in range(8)]
            starts = [s] + [t[k] - dt.timedelta(days=7) for k in range(1, 7)]
            c1 = months(s, 12) + dt.timedelta(days=14)
            c2 = months(c1, 12) + dt.timedelta(days=14)
            batch_teams = []
            for k in range(7):
                year = starts[k].year
                team = Team(
                    pairing=p, year=year, rotation=1 if k % 2 == 0 else 2, start_date=starts[k], end_date=end
                )
                teams.append(team)
                batch_teams.append(team)
                b_end = end if k == 6 else t[k + 1] + dt.timedelta(days=6)
                team.end_date = b_end
                n = 2 if p.recipient.kind == HospitalKind.TCM else rng.randint(3, 4)
                for _ in range(n):
                    plan.append((team, sup, DeploymentRole.MEMBER, Post.PHYSICIAN, starts[k], b_end))
            for a, b, k in (
                (s, c1 - dt.timedelta(days=1), 0),
                (c1, c2 - dt.timedelta(days=1), 2),
                (c2, end, 4),
            ):
                team = batch_teams[k]
                team.end_date = max(team.end_date, b)
                plan.append((team, sup, DeploymentRole.LEADER, Post.PRESIDENT, a, b))
            agreements.append(
                Agreement(
                    pairing=p,
                    kind=AgreementKind.TRIPARTITE,
                    title=f"{sup.name}—{p.recipient.name}三方协议",
                    supporter=sup,
                    supporter_signed_on=dt.date(2022, 3, rng.randint(1, 28)),
                    government_signed_on=dt.date(2022, 3, rng.randint(1, 28)),
                    recipient_signed_on=dt.date(2022, 3, rng.randint(1, 28)),
                )
            )
            for year in program.years:
                signed = dt.date(year, rng.randint(1, 3), rng.randint(1, 28))
                agreements.append(
                    Agreement(
                        pairing=p,
                        kind=AgreementKind.ANNUAL,
                        year=year,
                        title=f"{year}年度补充协议",
                        supporter=sup,
                        supporter_signed_on=signed,
                        government_signed_on=signed,
                        recipient_signed_on=signed,
                    )
                )
                for _ in range(3):
                    a = dt.date(year, rng.randint(2, 9), 1)
                    stints.append(
                        TraineeStint(
                            pairing=p,
                            host=sup,
                            trainee_name=names.person_name(rng),
                            kind=StintKind.FURTHER_STUDY,
                            start_date=a,
                            end_date=min_end(a, rng.choice([6, 12])),
                        )
                    )
        self.bulk(Team, teams)
        staff = []
        for _team, sup, role, _post, a, _b in plan:
            leader = role == DeploymentRole.LEADER
            clinical = a.replace(year=a.year - rng.randint(16 if leader else 6, 30), day=1)
            staff.append(
                Staff(
                    employer=sup,
                    name=names.person_name(rng),
                    national_id=self.person_id(),
                    phone=names.phone(rng),
                    title=rng.choice([Title.SENIOR, Title.ASSOCIATE_SENIOR])
                    if leader
                    else Title.INTERMEDIATE,
                    specialty=rng.choice(names.SPECIALTIES)[0],
                    clinical_since=clinical,
                    management_since=a.replace(year=a.year - rng.randint(4, 12), day=1) if leader else None,
                )
            )
        self.bulk(Staff, staff)
        rosters: dict[int, Roster] = {}
        for team in teams:
            decided = (
                dt.date(2022, 3, 25)
                if team.start_date.year == 2022 and team.rotation == 1
                else (team.start_date - dt.timedelta(days=rng.randint(6, 25)))
            )
            rosters[id(team)] = Roster(
                team=team,
                supporter=lead_of[id(team.pairing)],
                status=RosterStatus.FILED,
                submitted_at=at(decided - dt.timedelta(days=5)),
                decided_at=at(decided),
            )
        self.bulk(Roster, list(rosters.values()))
        entries, deployments = [], []
        for (team, sup, role, post, a, b), person in zip(plan, staff, strict=True):
            roster = rosters[id(team)]
            entries.append(
                RosterEntry(roster=roster, staff=person, role=role, post=post, planned_start=a, planned_end=b)
            )
            deployments.append(
                Deployment(
                    team=team,
                    staff=person,
                    supporter=sup,
                    roster=roster,
                    role=role,
                    post=post,
                    planned_start=a,
                    planned_end=b,
                    actual_start=a,
                    actual_end=b,
                )
            )
        self.bulk(RosterEntry, entries)
        self.bulk(Deployment, deployments)
        self.bulk(
            EndOfStintAppraisal,
            [
                EndOfStintAppraisal(
                    deployment=d,
                    qualified=rng.random() < 0.97,
                    opinion="考核合格",
                    signer="院长",
                    signed_on=d.planned_end + dt.timedelta(days=rng.randint(1, 28)),
                )
                for d in deployments
            ],
        )
        self.bulk(Agreement, agreements)
        self.bulk(TraineeStint, stints)
        return self.counts
