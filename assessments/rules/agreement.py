"""Agreements: each supporter's agreement by the program deadline and an annual agreement before each year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext_noop

from assessments.choices import Severity
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Message, Rule, RuleContext, msg, register
from pairings.presets import RuleParams

# One row per supporter of each pairing (SPEC §3 revised: every supporter, not only the lead) with its main
# agreement; which signatures are required is the preset's (``agreement_parties``), checked in Python.
AGREEMENTS = f"""
SELECT p.id AS pairing_id, ps.hospital_id AS supporter_id, ps.is_lead, h.name AS supporter_name,
       a.id AS agreement_id, a.supporter_signed_on, a.government_signed_on, a.recipient_signed_on
  FROM ({SCOPE_PAIRINGS}) p
  JOIN pairings_pairingsupporter ps ON ps.pairing_id = p.id
  JOIN pairings_hospital h ON h.id = ps.hospital_id
  LEFT JOIN LATERAL (
        SELECT a.* FROM pairings_agreement a
         WHERE a.pairing_id = p.id AND a.supporter_id = ps.hospital_id AND a.kind = 'tripartite'
         ORDER BY a.id LIMIT 1) a ON TRUE
 ORDER BY p.id, ps.hospital_id
"""

PARTY_COLUMNS = {
    "supporter": "supporter_signed_on",
    "government": "government_signed_on",
    "recipient": "recipient_signed_on",
}


def _party_labels() -> dict[str, Message]:
    # Messages, not text: stored by msgid and rendered in the reader's language.
    return {
        "supporter": msg(gettext_noop("支援医院")),
        "government": msg(gettext_noop("县政府")),
        "recipient": msg(gettext_noop("受援医院")),
    }


@register
class AgreementSigned(Rule):
    """AGREEMENT_SIGNED — **each** supporter of a pairing (not only the lead) has an agreement with the
    recipient signed by every party in ``agreement_parties`` (Gansu: supporter, county government and
    recipient — 三方协议; Guangdong: supporter and recipient, 一对一), the last required signature on or
    before the program's ``agreement_deadline`` (Gansu 2022-04-05; no deadline: signed at all).
    One finding per supporter and pairing. Parameter ``agreement_signed``. Severity: major.
    """

    code = "AGREEMENT_SIGNED"
    severity = Severity.MAJOR
    title = gettext_noop("帮扶协议未按时签订")

    def enabled(self, params: RuleParams) -> bool:
        return params.agreement_signed

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        deadline = ctx.program.agreement_deadline
        parties = ctx.params.agreement_parties
        labels = _party_labels()
        for row in ctx.fetch(AGREEMENTS, whole_set=True):
            dates = [row[PARTY_COLUMNS[x]] for x in parties]
            signed = None if any(d is None for d in dates) else max(dates)
            message: Message
            if row["agreement_id"] is None:
                message = msg(
                    gettext_noop("%(supporter)s 未签订帮扶协议（应由 %(parties)s 签署）"),
                    supporter=row["supporter_name"],
                    parties=[labels[x] for x in parties],
                )
            elif signed is None:
                message = msg(
                    gettext_noop("%(supporter)s 的帮扶协议尚未全部签署（未签：%(parties)s）"),
                    supporter=row["supporter_name"],
                    parties=[labels[x] for x in parties if row[PARTY_COLUMNS[x]] is None],
                )
            elif deadline is not None and signed > deadline:
                message = msg(
                    gettext_noop("%(supporter)s 的帮扶协议 %(signed)s 签署完成，晚于截止日期 %(deadline)s"),
                    supporter=row["supporter_name"],
                    signed=signed,
                    deadline=deadline,
                )
            else:
                continue
            yield self.draft(
                subject_id=row["pairing_id"],
                pairing_id=row["pairing_id"],
                agreement_id=row["agreement_id"],
                hospital_id=row["supporter_id"],
                # Several supporters of one pairing: each shortfall is its own finding.
                key=f"supporter:{row['supporter_id']}",
                message=message,
                evidence={
                    "supporter": row["supporter_name"],
                    "is_lead": row["is_lead"],
                    "agreement": row["agreement_id"],
                    "parties": list(parties),
                    "supporter_signed_on": _iso(row["supporter_signed_on"]),
                    "government_signed_on": _iso(row["government_signed_on"]),
                    "recipient_signed_on": _iso(row["recipient_signed_on"]),
                    "signed_on": _iso(signed),
                    "deadline": _iso(deadline),
                },
            )


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


# Per pairing and year with a team: the year's first rotation start and the earliest fully signed annual
# agreement of that year (any supporter of the pairing).
ANNUAL = f"""
WITH y AS (
    SELECT t.pairing_id, t.year, MIN(t.start_date) AS first_start
      FROM teams_team t JOIN ({SCOPE_PAIRINGS}) p ON p.id = t.pairing_id
     GROUP BY t.pairing_id, t.year
),
a AS (
    SELECT a.pairing_id, a.year, a.id,
           CASE WHEN a.supporter_signed_on IS NULL OR a.government_signed_on IS NULL
                     OR a.recipient_signed_on IS NULL
                THEN NULL ELSE GREATEST(a.supporter_signed_on, a.government_signed_on, a.recipient_signed_on)
           END AS signed_on
      FROM pairings_agreement a JOIN y ON y.pairing_id = a.pairing_id AND y.year = a.year
     WHERE a.kind = 'annual'
),
-- Joined, not correlated subqueries: a subquery over the CTE per row of y rescans all of a (quadratic:
-- 11 s for a 2,500-pairing program).
best AS (
    SELECT DISTINCT ON (pairing_id, year) pairing_id, year, id
      FROM a
     ORDER BY pairing_id, year, signed_on NULLS LAST, id
),
signed AS (SELECT pairing_id, year, MIN(signed_on) AS signed_on FROM a GROUP BY pairing_id, year)
SELECT y.pairing_id, y.year, y.first_start, best.id AS agreement_id, signed.signed_on
  FROM y
  LEFT JOIN best ON best.pairing_id = y.pairing_id AND best.year = y.year
  LEFT JOIN signed ON signed.pairing_id = y.pairing_id AND signed.year = y.year
 ORDER BY y.pairing_id, y.year
"""


@register
class AnnualAgreement(Rule):
    """ANNUAL_AGREEMENT — for every year in which the pairing has a team, an annual supplementary agreement
    (年度补充协议) of that year is signed by all parties before the year's first rotation starts
    (signed on the start day is late). Parameter ``annual_agreement``. Severity: major.
    """

    code = "ANNUAL_AGREEMENT"
    severity = Severity.MAJOR
    title = gettext_noop("年度补充协议未在轮换前签订")

    def enabled(self, params: RuleParams) -> bool:
        return params.annual_agreement

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        for row in ctx.fetch(ANNUAL, whole_set=True):
            signed, start, year = row["signed_on"], row["first_start"], row["year"]
            if signed is not None and signed < start:
                continue
            if row["agreement_id"] is None:
                message = msg(
                    gettext_noop("%(year)s 年度未签订年度补充协议（当年首批轮换 %(start)s 开始）"),
                    year=year,
                    start=start,
                )
            elif signed is None:
                message = msg(gettext_noop("%(year)s 年度补充协议尚未全部签署"), year=year)
            else:
                message = msg(
                    gettext_noop("%(year)s 年度补充协议 %(signed)s 签署，晚于当年首批轮换开始 %(start)s"),
                    year=year,
                    signed=signed,
                    start=start,
                )
            yield self.draft(
                subject_id=row["pairing_id"],
                pairing_id=row["pairing_id"],
                agreement_id=row["agreement_id"],
                period_start=dt.date(year, 1, 1),
                period_end=dt.date(year, 12, 31),
                message=message,
                evidence={
                    "year": year,
                    "first_rotation_start": start.isoformat(),
                    "agreement": row["agreement_id"],
                    "signed_on": _iso(signed),
                },
            )


# Open items (not done, not cancelled) whose due date has passed on the run date; the latest reported
# status comes with them so the finding says what the hospital last said.
ITEMS_OVERDUE = f"""
SELECT i.id, i.description, i.due_date, i.status, i.responsible_department,
       a.id AS agreement_id, a.pairing_id, a.supporter_id, a.kind AS agreement_kind, a.year
  FROM pairings_agreementitem i
  JOIN pairings_agreement a ON a.id = i.agreement_id
  JOIN ({SCOPE_PAIRINGS}) p ON p.id = a.pairing_id
 WHERE i.due_date IS NOT NULL
   AND i.due_date < %(as_of)s
   AND i.status NOT IN ('done', 'cancelled')
 ORDER BY a.pairing_id, i.due_date, i.id
"""


@register
class AgreementItemsOverdue(Rule):
    """AGREEMENT_ITEMS_OVERDUE — the goals, milestones, tasks and projects an agreement sets (SPEC §2.3: the
    annual supplementary agreement's yearly goals, milestones, tasks) are completed by their due date: an
    item neither done nor cancelled after its due date is overdue (due on the run date is not yet late).
    Parameter ``agreement_items_overdue``. Severity: minor. One finding per item, against the agreement's
    supporter.
    """

    code = "AGREEMENT_ITEMS_OVERDUE"
    severity = Severity.MINOR
    title = gettext_noop("协议事项逾期未完成")

    def enabled(self, params: RuleParams) -> bool:
        return params.agreement_items_overdue

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        for row in ctx.fetch(ITEMS_OVERDUE, whole_set=True):
            yield self.draft(
                subject_id=row["pairing_id"],
                pairing_id=row["pairing_id"],
                agreement_id=row["agreement_id"],
                hospital_id=row["supporter_id"],
                key=f"item:{row['id']}",
                message=msg(
                    gettext_noop("协议事项“%(item)s”完成时限 %(due)s，已逾期未完成"),
                    item=row["description"][:60],
                    due=row["due_date"],
                ),
                evidence={
                    "item": row["id"],
                    "agreement": row["agreement_id"],
                    "due": _iso(row["due_date"]),
                    "status": row["status"],
                    "responsible_department": row["responsible_department"],
                },
            )
