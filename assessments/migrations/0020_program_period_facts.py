# The program period facts (issue 18): a program's period facts summed per block, what a user who sees whole
# programs reads. The period facts now carry the program and the recipient's kind they were computed under,
# so the rows of before are removed: every pairing is marked stale and recomputed before it is read again
# (``post_migrate`` marks them all; ``refresh_indicator_facts`` recomputes them at once).
#
# A recipient's kind and city decide what its pairings' rows add to the program sums: a write to a hospital
# now marks the pairings it receives too, not only those it supports (0016's triggers on pairings_hospital).

import importlib

from django.db import migrations, models

_facts = importlib.import_module("assessments.migrations.0016_indicator_facts")
HOSPITAL_OLD = _facts.WATCHED["pairings_hospital"]
HOSPITAL_NEW = (
    "SELECT array_agg(DISTINCT x.id) FROM ("
    "SELECT t.pairing_id AS id FROM teams_deployment d JOIN teams_team t ON t.id = d.team_id "
    "WHERE d.supporter_id IN (SELECT id FROM %1$s) "
    "UNION ALL SELECT p.id FROM pairings_pairing p WHERE p.recipient_id IN (SELECT id FROM %1$s)) x"
)
DROP_HOSPITAL = "".join(
    f"DROP TRIGGER IF EXISTS facts_pairings_hospital_{k} ON pairings_hospital;"
    for k in ("ins", "upd", "del", "trunc")
)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0019_open_finding_counts"),
    ]

    operations = [
        migrations.RunSQL(
            "DELETE FROM assessments_periodfact; "
            "UPDATE assessments_indicatorfactstate SET fresh = false WHERE fresh",
            migrations.RunSQL.noop,
        ),
        migrations.AddField(
            model_name="periodfact",
            name="program_id",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="periodfact",
            name="tcm",
            field=models.BooleanField(default=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="indicatorfactstate",
            name="summed_program_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.CreateModel(
            name="ProgramFactPairings",
            fields=[
                ("program_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("pairings", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "program fact pairings",
            },
        ),
        migrations.CreateModel(
            name="ProgramPeriodFact",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("program_id", models.BigIntegerField()),
                ("start", models.DateField()),
                ("months", models.SmallIntegerField()),
                ("days", models.BigIntegerField(default=0)),
                ("covered_days", models.BigIntegerField(default=0)),
                ("full_days", models.BigIntegerField(default=0)),
                ("single_leader_days", models.BigIntegerField(default=0)),
                ("present", models.BigIntegerField(default=0)),
                ("expected", models.BigIntegerField(default=0)),
                ("attendance_months", models.IntegerField(default=0)),
                ("not_imported", models.IntegerField(default=0)),
                ("deployments", models.IntegerField(default=0)),
                ("stay_met", models.IntegerField(default=0)),
                ("roster_timely", models.IntegerField(default=0)),
                ("trainees", models.IntegerField(default=0)),
                ("qualifying_trainees", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "program period fact",
                "constraints": [
                    models.UniqueConstraint(fields=("program_id", "months", "start"), name="programperiodfact_block")
                ],
            },
        ),
        migrations.RunSQL(
            DROP_HOSPITAL + _facts._triggers("pairings_hospital", HOSPITAL_NEW),
            DROP_HOSPITAL + _facts._triggers("pairings_hospital", HOSPITAL_OLD),
        ),
    ]
