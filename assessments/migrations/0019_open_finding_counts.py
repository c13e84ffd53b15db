"""Open findings counted per program, rule, severity and period (``OpenFindingCount``, issue 18), kept by
statement-level triggers on the findings: one set-based upsert per statement, whatever the number of rows
(a first national sweep inserts 8,300 findings in one statement; a per-row trigger would cost each of them
a function call and an upsert). Filled from the findings already stored."""

import django.db.models.deletion
from django.db import migrations, models

# The key a count is kept under; the findings' transition tables give the rows a statement wrote.
KEY = "program_id, rule_code, severity, period_start, period_end"

FUNCTION_SQL = f"""
CREATE FUNCTION assessments_open_finding_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM assessments_openfindingcount;
        RETURN NULL;
    END IF;
    -- +1 per open row the statement left, -1 per open row it replaced or removed; keys whose sum is zero
    -- (a rerun that stamps every finding: the same rows before and after) write nothing.
    EXECUTE format($q$
        INSERT INTO assessments_openfindingcount AS c ({KEY}, n)
        SELECT {KEY}, SUM(d)::int FROM (%s) AS x({KEY}, d)
         GROUP BY {KEY}
        HAVING SUM(d) <> 0
         ORDER BY {KEY}  -- one order for every writer: concurrent statements never lock in a cycle
        ON CONFLICT ({KEY}) DO UPDATE SET n = c.n + EXCLUDED.n
    $q$, CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT {KEY}, 1 FROM new_rows WHERE status = ''open'''
        WHEN 'DELETE' THEN 'SELECT {KEY}, -1 FROM old_rows WHERE status = ''open'''
        ELSE 'SELECT {KEY}, 1 FROM new_rows WHERE status = ''open'''
             ' UNION ALL SELECT {KEY}, -1 FROM old_rows WHERE status = ''open'''
    END);
    GET DIAGNOSTICS written = ROW_COUNT;  -- (EXECUTE leaves FOUND as it was)
    IF written > 0 THEN
        DELETE FROM assessments_openfindingcount WHERE n = 0;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER finding_counts_ins AFTER INSERT ON assessments_finding REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION assessments_open_finding_counts();
CREATE TRIGGER finding_counts_upd AFTER UPDATE ON assessments_finding
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION assessments_open_finding_counts();
CREATE TRIGGER finding_counts_del AFTER DELETE ON assessments_finding REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION assessments_open_finding_counts();
CREATE TRIGGER finding_counts_trunc AFTER TRUNCATE ON assessments_finding
    FOR EACH STATEMENT EXECUTE FUNCTION assessments_open_finding_counts();
INSERT INTO assessments_openfindingcount ({KEY}, n)
SELECT {KEY}, COUNT(*) FROM assessments_finding WHERE status = 'open' GROUP BY {KEY};
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS finding_counts_ins ON assessments_finding;
DROP TRIGGER IF EXISTS finding_counts_upd ON assessments_finding;
DROP TRIGGER IF EXISTS finding_counts_del ON assessments_finding;
DROP TRIGGER IF EXISTS finding_counts_trunc ON assessments_finding;
DROP FUNCTION IF EXISTS assessments_open_finding_counts();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0018_finding_index_covers_counts"),
        ("pairings", "0013_chinese_labels"),
    ]

    operations = [
        migrations.CreateModel(
            name="OpenFindingCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("rule_code", models.CharField(max_length=32)),
                ("severity", models.CharField(max_length=10)),
                ("period_start", models.DateField(null=True)),
                ("period_end", models.DateField(null=True)),
                ("n", models.IntegerField()),
                (
                    "program",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pairings.program",
                    ),
                ),
            ],
            options={
                "verbose_name": "open finding count",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("program", "rule_code", "severity", "period_start", "period_end"),
                        name="openfindingcount_key",
                        nulls_distinct=False,
                    )
                ],
            },
        ),
        migrations.RunSQL(FUNCTION_SQL, DROP_SQL),
    ]
