# DeferredTask moved to core (core/migrations/0001_initial.py renamed its table): drop it from this app's
# state only.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pairings", "0004_data_generation_sequence"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DeferredTask")],
        ),
    ]
