"""Demo builder: tripartite and annual agreements with their task items."""

from __future__ import annotations

import datetime as dt

from devtools.demo import names
from pairings.choices import (
    AgreementKind,
    ItemStatus,
)
from pairings.models import (
    Agreement,
    AgreementItem,
)


class AgreementsMixin:
    """Part of ``DemoBuilder``: tripartite and annual agreements with their task items."""

    # Its attributes (rng, plans, hospitals, counts …) are set by DemoBuilder.__init__.

    def build_agreements(self) -> None:
        rng = self.rng
        agreements: list[Agreement] = []
        items: list[AgreementItem] = []
        late_gov = self.recipient("泾川县").code
        missing_gov = self.recipient("华亭市").code
        late_annual = (self.recipient("金塔县").code, self.gs_year(2023))
        missing_annual = (self.recipient("瓜州县").code, self.gs_year(2024))
        overdue_item = self.recipient("玉门市").code
        for plan in self.plans:
            prog = plan.program
            first_of_year: dict[int, dt.date] = {}
            for team in plan.teams.values():
                first_of_year[team.year] = min(first_of_year.get(team.year, team.start_date), team.start_date)
            deadline = min(prog.agreement_deadline or plan.pairing.service_start, plan.pairing.service_start)
            for sup in plan.supporters:
                a = deadline - dt.timedelta(days=rng.randint(8, 40))
                dates = [a - dt.timedelta(days=rng.randint(0, 6)) for _ in range(3)]
                tri = Agreement(
                    pairing=plan.pairing,
                    kind=AgreementKind.TRIPARTITE,
                    title=f"{sup.name}、{plan.recipient.county.government}、{plan.recipient.name}对口帮扶三方协议",
                    supporter=sup,
                    supporter_signed_on=dates[0],
                    government_signed_on=dates[1],
                    recipient_signed_on=dates[2],
                    filed_on=a + dt.timedelta(days=3),
                    goals="通过组团式帮扶，提升县级医院综合服务能力，力争达到二级甲等医院水平。",
                )
                if plan.recipient.code == late_gov:
                    tri.government_signed_on = self.gs_date(2022, 4, 20)
                    tri.filed_on = self.gs_date(2022, 4, 25)
                    self.plant(
                        program=prog.code,
                        rule="AGREEMENT_SIGNED",
                        recipient=plan.recipient.code,
                        supporter=sup.code,
                        note=f"county government signed on {tri.government_signed_on}, after the deadline",
                    )
                if plan.recipient.code == missing_gov:
                    tri.government_signed_on = None
                    tri.filed_on = None
                    self.plant(
                        program=prog.code,
                        rule="AGREEMENT_SIGNED",
                        recipient=plan.recipient.code,
                        supporter=sup.code,
                        note="county government never signed",
                    )
                agreements.append(tri)
                tri_items = self.agreement_items(tri, prog.start_date, prog.end_date, 3)
                if plan.recipient.code == overdue_item and prog.code == "GS2022":
                    tri_items[0].status, tri_items[0].completed_on = ItemStatus.DELAYED, None
                    self.plant(
                        program=prog.code,
                        rule="AGREEMENT_ITEMS_OVERDUE",
                        recipient=plan.recipient.code,
                        supporter=sup.code,
                        note="the first item of the agreement still delayed long after its due date",
                    )
                items += tri_items
                for year in prog.years:
                    if year not in first_of_year:
                        continue
                    if (plan.recipient.code, year) == missing_annual:
                        self.plant(
                            program=prog.code,
                            rule="ANNUAL_AGREEMENT",
                            recipient=plan.recipient.code,
                            supporter=sup.code,
                            year=year,
                            note=f"no annual agreement for {year}",
                        )
                        continue
                    first = first_of_year[year]
                    signed = first - dt.timedelta(days=rng.randint(12, 60))
                    if (plan.recipient.code, year) == late_annual:
                        signed = first + dt.timedelta(days=10)
                        self.plant(
                            program=prog.code,
                            rule="ANNUAL_AGREEMENT",
                            recipient=plan.recipient.code,
                            supporter=sup.code,
                            year=year,
                            note=f"{year} annual agreement signed 10 days after the first rotation started",
                        )
                    ann = Agreement(
                        pairing=plan.pairing,
                        kind=AgreementKind.ANNUAL,
                        year=year,
                        title=f"{year}年度对口帮扶补充协议（{sup.name}—{plan.recipient.name}）",
                        supporter=sup,
                        supporter_signed_on=signed - dt.timedelta(days=rng.randint(0, 5)),
                        government_signed_on=signed - dt.timedelta(days=rng.randint(0, 5)),
                        recipient_signed_on=signed,
                        filed_on=signed + dt.timedelta(days=rng.randint(1, 10)),
                        goals=f"{year}年度帮扶目标："
                        + "；".join(rng.sample([g[1] for g in names.AGREEMENT_GOALS], 3)),
                    )
                    agreements.append(ann)
                    items += self.agreement_items(
                        ann, dt.date(year, 1, 1), dt.date(year, 12, 31), rng.randint(4, 6)
                    )
        self.bulk(Agreement, agreements)
        self.bulk(AgreementItem, items)

    def agreement_items(self, agr: Agreement, start: dt.date, end: dt.date, n: int) -> list[AgreementItem]:
        rng = self.rng
        out = []
        for kind, desc, dept in rng.sample(names.AGREEMENT_GOALS, n):
            due = start + dt.timedelta(days=rng.randint(90, (end - start).days))
            # Every demo program has ended, so (apart from the planted one) each item was settled: done,
            # or now and then cancelled. AGREEMENT_ITEMS_OVERDUE finds an unsettled item past its date.
            status = rng.choices([ItemStatus.DONE, ItemStatus.CANCELLED], weights=[10, 0.3])[0]
            completed = due - dt.timedelta(days=rng.randint(0, 60)) if status == ItemStatus.DONE else None
            out.append(
                AgreementItem(
                    agreement=agr,
                    kind=kind,
                    description=desc,
                    responsible_department=dept,
                    due_date=due,
                    status=status,
                    completed_on=completed,
                )
            )
        return out

    # --- training -------------------------------------------------------------------------------------
