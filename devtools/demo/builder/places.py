"""Demo builder: places, hospitals, programs and pairings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from devtools.demo import names
from devtools.demo.builder.base import (
    TWO_SUPPORTERS,
    Plan,
)
from pairings.choices import (
    HospitalGrade,
    HospitalKind,
    HospitalRole,
    ProgramPreset,
)
from pairings.models import (
    City,
    County,
    Hospital,
    Pairing,
    PairingSupporter,
    Program,
    Province,
)


class PlacesMixin:
    """Part of ``DemoBuilder``: places, hospitals, programs and pairings."""

    # Its attributes (rng, plans, hospitals, counts …) are set by DemoBuilder.__init__.

    def build_places(self) -> None:
        rng = self.rng
        provinces = {}
        for code, name in (names.GANSU, names.GUANGDONG, names.ANHUI):
            provinces[code] = Province(code=code, name=name)
        self.bulk(Province, list(provinces.values()))
        self.provinces = provinces
        cities: dict[str, City] = {}
        county_rows: list[County] = []
        for pcode, table in (
            (names.GANSU[0], names.GANSU_CITIES),
            (names.GUANGDONG[0], names.GUANGDONG_CITIES),
            (names.ANHUI[0], names.ANHUI_CITIES),
        ):
            for ccode, cname, _counties in table:
                cities[cname] = City(province=provinces[pcode], code=ccode, name=cname)
        self.bulk(City, list(cities.values()))
        self.cities = cities
        for table in (names.GANSU_CITIES, names.GUANGDONG_CITIES, names.ANHUI_CITIES):
            for ccode, cname, counties in table:
                for i, (name, pop) in enumerate(counties, start=1):
                    # Populations vary a little with the seed but never cross the 50,000 threshold.
                    jitter = rng.randint(-3, 3) * 100 if pop > 60_000 or pop < 40_000 else 0
                    county = County(
                        city=cities[cname],
                        code=f"{ccode}{20 + i:02d}",
                        name=name,
                        population=pop + jitter,
                        government_name=f"{name}人民政府",
                    )
                    county_rows.append(county)
                    self.counties[name] = county
        self.bulk(County, county_rows)

        hospitals: list[Hospital] = []
        for pcode, rows in (
            (names.GANSU[0], names.GANSU_SUPPORTERS),
            (names.GUANGDONG[0], names.GUANGDONG_SUPPORTERS),
            (names.ANHUI[0], names.ANHUI_SUPPORTERS),
        ):
            for code, name, origin, region, city, base, kind in rows:
                h = Hospital(
                    code=code,
                    name=name,
                    role=HospitalRole.SUPPORTER,
                    kind=kind,
                    grade=HospitalGrade.LEVEL3A,
                    origin=origin,
                    origin_region=region,
                    province=provinces[pcode],
                    city=cities.get(city),
                    is_residency_base=base,
                )
                hospitals.append(h)
        gansu_counties = [c for _, _, cs in names.GANSU_CITIES for c, _ in cs]
        for pcode, table in (
            (names.GANSU[0], names.GANSU_CITIES),
            (names.GUANGDONG[0], names.GUANGDONG_CITIES),
            (names.ANHUI[0], names.ANHUI_CITIES),
        ):
            for _, cname, counties in table:
                for name, _pop in counties:
                    county = self.counties[name]
                    if name in names.GANSU_UNGRADED_GENERAL or name in names.GANSU_UPGRADED:
                        grade = HospitalGrade.UNGRADED
                    elif pcode != names.GANSU[0]:
                        grade = HospitalGrade.LEVEL2A
                    else:
                        grade = rng.choice(
                            [HospitalGrade.LEVEL2A] * 5
                            + [HospitalGrade.LEVEL2, HospitalGrade.LEVEL3, HospitalGrade.LEVEL2B]
                        )
                    suffix = "第一人民医院" if name.endswith("县") and rng.random() < 0.3 else "人民医院"
                    hospitals.append(
                        Hospital(
                            code=f"R{county.code}01",
                            name=f"{name}{suffix}",
                            role=HospitalRole.RECIPIENT,
                            kind=HospitalKind.GENERAL,
                            grade=grade,
                            province=provinces[pcode],
                            city=cities[cname],
                            county=county,
                            is_county_hospital=True,
                        )
                    )
                    if name in names.GANSU_TCM_COUNTIES:
                        hospitals.append(
                            Hospital(
                                code=f"R{county.code}02",
                                name=f"{name}中医医院",
                                role=HospitalRole.RECIPIENT,
                                kind=HospitalKind.TCM,
                                grade=rng.choice(
                                    [HospitalGrade.LEVEL2A, HospitalGrade.LEVEL2, HospitalGrade.UNGRADED]
                                ),
                                province=provinces[pcode],
                                city=cities[cname],
                                county=county,
                                is_county_hospital=True,
                            )
                        )
        assert len(gansu_counties) == len(set(gansu_counties))
        self.bulk(Hospital, hospitals)
        self.hospitals = {h.code: h for h in hospitals}

    def recipient(self, county: str, tcm: bool = False) -> Hospital:
        return self.hospitals[f"R{self.counties[county].code}{'02' if tcm else '01'}"]

    # --- programs and pairings ------------------------------------------------------------------------

    def build_programs(self) -> None:
        gs = Program(
            code="GS2022",
            name=f"甘肃省三级医院对口帮扶县级医院 {self.gs_year(2022)}–{self.gs_year(2025)}",
            province=self.provinces["62"],
            document="甘卫医政发〔2022〕37号",
            preset=ProgramPreset.GANSU_2022,
            start_date=self.gs_date(2022, 1, 1),
            end_date=self.gs_date(2025, 12, 31),
            agreement_deadline=self.gs_date(2022, 4, 5),
            roster_deadline=self.gs_date(2022, 4, 5),
        )
        gd = Program(
            code="GD2019",
            name="广东省组团式帮扶县级医院 2019–2021",
            province=self.provinces["44"],
            document="粤府办〔2019〕18号",
            preset=ProgramPreset.GUANGDONG_2019,
            start_date=dt.date(2019, 1, 1),
            end_date=dt.date(2021, 12, 31),
            agreement_deadline=dt.date(2019, 3, 20),
        )
        bz = Program(
            code="BZ2016",
            name="亳州市城市三级医院对口帮扶县级医院 2016–2018",
            province=self.provinces["34"],
            document="亳州市对口帮扶实施方案 (2016)",
            preset=ProgramPreset.BOZHOU_2016,
            start_date=dt.date(2016, 1, 1),
            end_date=dt.date(2018, 12, 31),
            agreement_deadline=dt.date(2016, 6, 15),
            params={"attendance_threshold": 0.9},
        )
        self.bulk(Program, [gs, gd, bz])
        self.programs = {p.code: p for p in (gs, gd, bz)}

    def build_pairings(self) -> None:
        gs = self.programs["GS2022"]
        plans: list[Plan] = []
        rr: dict[str, int] = defaultdict(int)
        for idx, (_, cname, counties) in enumerate(names.GANSU_CITIES):
            # Rotation dates are province-wide per city, a few days apart.
            start = self.gs_date(2022, 4, 11) + dt.timedelta(days=5 * (idx % 3))
            for county, _pop in counties:
                pool = names.GANSU_CITY_SUPPORTERS[cname]
                lead = self.hospitals[pool[rr[cname] % len(pool)]]
                rr[cname] += 1
                sups = [lead]
                if county in TWO_SUPPORTERS:
                    sups.append(self.hospitals[TWO_SUPPORTERS[county]])
                plans.append(self._plan(gs, self.recipient(county), sups, start, gs.end_date))
                if county in names.GANSU_TCM_COUNTIES:
                    tcm_lead = self.hospitals[names.GANSU_TCM_SUPPORTERS[rr["tcm"] % 3]]
                    rr["tcm"] += 1
                    plans.append(
                        self._plan(gs, self.recipient(county, tcm=True), [tcm_lead], start, gs.end_date)
                    )
        gd = self.programs["GD2019"]
        for county, sup in names.GUANGDONG_PAIRS.items():
            plans.append(
                self._plan(
                    gd, self.recipient(county), [self.hospitals[sup]], dt.date(2019, 4, 1), gd.end_date
                )
            )
        bz = self.programs["BZ2016"]
        for county, sup in names.ANHUI_PAIRS.items():
            plans.append(
                self._plan(
                    bz, self.recipient(county), [self.hospitals[sup]], dt.date(2016, 7, 1), bz.end_date
                )
            )
        self.bulk(Pairing, [p.pairing for p in plans])
        self.bulk(
            PairingSupporter,
            [
                PairingSupporter(pairing=p.pairing, hospital=h, is_lead=i == 0)
                for p in plans
                for i, h in enumerate(p.supporters)
            ],
        )
        self.plans = plans
        self.by_recipient = {p.recipient.code: p for p in plans}
