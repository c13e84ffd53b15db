"""Stored national IDs and licence numbers to their canonical form before the CHECK constraints (0004).

Rows that cannot be normalised (malformed, or one person stored twice) are printed and stop the migration;
nothing is dropped or merged by guesswork. See core/identifiers_migration.py and docs/operations.md.
"""

from django.db import migrations

from core.identifiers_migration import normalise_stored_identifiers


def forwards(apps, schema_editor):
    normalise_stored_identifiers(
        apps.get_model("teams", "Staff"),
        fields={"national_id": "national_id", "licence_no": "licence"},
        unique=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0002_imports_punches_jobs"),
    ]

    operations = [
        # Backwards is a no-op: the canonical form is a valid value of the old columns.
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
