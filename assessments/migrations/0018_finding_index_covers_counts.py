"""The findings' (program, rule, status) index covers what the indicators count of open findings (issue 18):
severity, pairing and period in the index, so the count is an index-only scan instead of a read of every
finding's message and evidence. Same key columns: the rule engine's lookups keep their plans."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0017_period_facts"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="finding",
            name="finding_program_rule_status",
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["program", "rule_code", "status"],
                include=("severity", "pairing", "period_start", "period_end"),
                name="finding_program_rule_status",
            ),
        ),
    ]
