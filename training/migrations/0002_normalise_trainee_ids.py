"""Stored trainee national IDs to their canonical form before the CHECK constraint (0003).

Trainee IDs are not unique keys (one person may train twice), so only malformed values stop the migration.
See core/identifiers_migration.py and docs/operations.md.
"""

from django.db import migrations

from core.identifiers_migration import normalise_stored_identifiers


def forwards(apps, schema_editor):
    normalise_stored_identifiers(
        apps.get_model("training", "TraineeStint"),
        fields={"trainee_national_id": "national_id"},
        unique=False,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
