"""Roster on time (SPEC §3 ROSTER_FILED, §3a), defined once for the rule and the annual scorecard.

For every deployment:

* its roster is the earliest-submitted roster of the same team and supporter that lists the person and
  was not returned (``deployment.roster`` is one of them when set). A later version — someone added
  mid-rotation — therefore judges only the people it adds: everyone already on an earlier version keeps
  that version's submission date;
* it is due the day before the deployment starts ("before its start": submitted on the first day is
  late); for the program's first rotation (the first year's rotation 1) also by the program's roster
  deadline when one is set (Gansu 2022: 04-05);
* on time when the supporter submitted (报备) by the due day and, for an out-of-province supporter, the
  city forwarded it (市州汇总后统一报省) by the due day too. The commission's filing date is not counted
  against the supporter; a roster of an out-of-province supporter that shows no forwarding (even one
  marked filed) is a finding.

Dates are calendar days in the project's time zone. ``reason`` is NULL when on time, else ``no_roster``,
``late`` (submission), ``not_forwarded`` or ``late_forwarded``.
"""

from __future__ import annotations

# Only the deployments that may be late (``untimely_only``): one whose own roster (``deployment.roster``) was
# submitted by its due day by an in-province supporter is on time whatever else lists the person — the roster
# judged is the earliest submitted, so at the latest that one, and nothing is forwarded — and is left out
# before the listing rosters are gathered and joined (at national scale nearly every deployment: the rule's
# query then does a third of the work). Its rows are exactly the full query's with a reason.
_ON_TIME_ON_OWN_ROSTER = """
     WHERE NOT EXISTS (
           SELECT 1 FROM teams_roster own
            WHERE own.id = d.roster_id AND own.submitted_at IS NOT NULL AND own.status <> 'returned'
              AND h.origin IS DISTINCT FROM 'other_province'
              AND (own.submitted_at AT TIME ZONE %(tz)s)::date <= {due})
"""


def roster_timeliness_sql(pairings: str, *, untimely_only: bool = False) -> str:
    """SQL: one row per deployment of the pairings the SQL ``pairings`` selects (a query with ``id`` and
    ``program_id``). Parameters: ``%(tz)s``. Columns: id, team_id, staff_id, supporter_id, pairing_id,
    start, end, name, roster_id, submitted_on, forwarded_on, out_of_province, due, deadline, reason.
    ``untimely_only``: the rows whose reason may be set (ROSTER_FILED keeps those with a reason); the
    deployments on time on their own roster are left out early."""
    due = """CASE WHEN pr.roster_deadline IS NOT NULL AND t.rotation = 1
                     AND t.year = EXTRACT(YEAR FROM pr.start_date)::int
                THEN LEAST(lower(d.period) - 1, pr.roster_deadline)
                ELSE lower(d.period) - 1 END"""
    prune = _ON_TIME_ON_OWN_ROSTER.format(due=due) if untimely_only else ""
    # The listing rosters of the deployments kept only (the same rows for each of them).
    listed_of_kept = (
        "AND (r.team_id, r.supporter_id, e.staff_id) IN (SELECT team_id, supporter_id, staff_id FROM d)"
        if untimely_only
        else ""
    )
    return f"""
-- MATERIALIZED: planned apart from the joins below (as one, a pairing's recheck spent 17 ms planning).
WITH d AS MATERIALIZED (
    SELECT d.id, d.team_id, d.staff_id, d.supporter_id, d.roster_id, t.pairing_id,
           lower(d.period) AS start, upper(d.period) - 1 AS "end", st.name,
           h.origin = 'other_province' AS out_of_province,
           CASE WHEN pr.roster_deadline IS NOT NULL AND t.rotation = 1
                     AND t.year = EXTRACT(YEAR FROM pr.start_date)::int
                THEN LEAST(lower(d.period) - 1, pr.roster_deadline)
                ELSE lower(d.period) - 1 END AS due,
           CASE WHEN t.rotation = 1 AND t.year = EXTRACT(YEAR FROM pr.start_date)::int
                THEN pr.roster_deadline END AS deadline
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
      JOIN ({pairings}) p ON p.id = t.pairing_id
      JOIN pairings_program pr ON pr.id = p.program_id
      JOIN pairings_hospital h ON h.id = d.supporter_id
      JOIN teams_staff st ON st.id = d.staff_id{prune}
),
-- The rosters each deployment may stand on: its own roster, and the earliest of its team and supporter that
-- lists the person; the earlier of the two (by submission, then id) is kept. The listing rosters are taken
-- per (team, supporter, person) first, as one set, then joined to the deployments by hash: probing the
-- entries once per deployment (62,000 index probes at national scale), or a union of both sorted per
-- deployment, cost several times more for the same answer.
listed AS (
    SELECT DISTINCT ON (r.team_id, r.supporter_id, e.staff_id)
           r.team_id, r.supporter_id, e.staff_id, r.id AS roster_id, r.submitted_at, r.forwarded_at
      FROM teams_rosterentry e
      JOIN teams_roster r ON r.id = e.roster_id
      JOIN teams_team t ON t.id = r.team_id
      JOIN ({pairings}) p ON p.id = t.pairing_id
     WHERE r.submitted_at IS NOT NULL AND r.status <> 'returned' {listed_of_kept}
     ORDER BY r.team_id, r.supporter_id, e.staff_id, r.submitted_at, r.id
),
r AS (
    SELECT d.*, x.roster_id AS on_roster,
           (x.submitted_at AT TIME ZONE %(tz)s)::date AS submitted_on,
           (x.forwarded_at AT TIME ZONE %(tz)s)::date AS forwarded_on
      FROM d
      LEFT JOIN teams_roster own
             ON own.id = d.roster_id AND own.submitted_at IS NOT NULL AND own.status <> 'returned'
      LEFT JOIN listed l
             ON l.team_id = d.team_id AND l.supporter_id = d.supporter_id AND l.staff_id = d.staff_id
     CROSS JOIN LATERAL (
         SELECT own.id IS NOT NULL
                AND (l.roster_id IS NULL OR (own.submitted_at, own.id) < (l.submitted_at, l.roster_id))
                AS own_first
     ) o
     CROSS JOIN LATERAL (
         SELECT CASE WHEN o.own_first THEN own.id ELSE l.roster_id END AS roster_id,
                CASE WHEN o.own_first THEN own.submitted_at ELSE l.submitted_at END AS submitted_at,
                CASE WHEN o.own_first THEN own.forwarded_at ELSE l.forwarded_at END AS forwarded_at
     ) x
)
SELECT r.id, r.team_id, r.staff_id, r.supporter_id, r.pairing_id, r.start, r."end", r.name,
       r.on_roster AS roster_id, r.submitted_on, r.forwarded_on, r.out_of_province, r.due, r.deadline,
       CASE WHEN r.on_roster IS NULL THEN 'no_roster'
            WHEN r.submitted_on > r.due THEN 'late'
            WHEN r.out_of_province AND r.forwarded_on IS NULL THEN 'not_forwarded'
            WHEN r.out_of_province AND r.forwarded_on > r.due THEN 'late_forwarded'
       END AS reason
  FROM r
"""
