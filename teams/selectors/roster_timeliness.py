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


def roster_timeliness_sql(pairings: str) -> str:
    """SQL: one row per deployment of the pairings the SQL ``pairings`` selects (a query with ``id`` and
    ``program_id``). Parameters: ``%(tz)s``. Columns: id, team_id, staff_id, supporter_id, pairing_id,
    start, end, name, roster_id, submitted_on, forwarded_on, out_of_province, due, deadline, reason."""
    return f"""
WITH d AS (
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
      JOIN teams_staff st ON st.id = d.staff_id
),
-- The rosters each deployment may stand on: its own roster, and those of its team and supporter that list
-- the person. Joined as sets and the earliest kept per deployment (DISTINCT ON): a LATERAL subquery with
-- "own roster OR lists the person" ran an OR-ed index probe per deployment (62,000 at national scale).
cand AS (
    SELECT d.id AS deployment_id, r.id AS roster_id, r.submitted_at, r.forwarded_at
      FROM d JOIN teams_roster r ON r.id = d.roster_id
     WHERE r.submitted_at IS NOT NULL AND r.status <> 'returned'
    UNION ALL
    SELECT d.id, r.id, r.submitted_at, r.forwarded_at
      FROM d
      JOIN teams_rosterentry e ON e.staff_id = d.staff_id
      JOIN teams_roster r ON r.id = e.roster_id AND r.team_id = d.team_id AND r.supporter_id = d.supporter_id
     WHERE r.submitted_at IS NOT NULL AND r.status <> 'returned'
),
f AS (
    SELECT DISTINCT ON (deployment_id) deployment_id, roster_id,
           (submitted_at AT TIME ZONE %(tz)s)::date AS submitted_on,
           (forwarded_at AT TIME ZONE %(tz)s)::date AS forwarded_on
      FROM cand
     ORDER BY deployment_id, submitted_at, roster_id
),
r AS (
    SELECT d.*, f.roster_id AS on_roster, f.submitted_on, f.forwarded_on
      FROM d LEFT JOIN f ON f.deployment_id = d.id
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
