"""The data generation (config/data_changes.py): a sequence moved on after every committed business write.

It starts at a random number, so a database created anew (or a test database made again) never repeats
the numbers that answers cached in Redis carry from an earlier one.
"""

import secrets

from django.db import migrations


def create(apps, schema_editor):
    start = secrets.randbelow(2**52) + 1
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS data_generation START WITH {start}")
    schema_editor.execute("SELECT nextval('data_generation')")


def drop(apps, schema_editor):
    schema_editor.execute("DROP SEQUENCE IF EXISTS data_generation")


class Migration(migrations.Migration):
    dependencies = [("pairings", "0003_api_apiclient")]

    operations = [migrations.RunPython(create, drop)]
