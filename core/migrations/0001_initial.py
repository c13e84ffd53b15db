# The deferred-task model moves from the registry app (pairings) into the platform's jobs layer: the table
# is renamed, its rows kept; pairings 0005 then drops the model from its own state only.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("pairings", "0004_data_generation_sequence"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE pairings_deferredtask RENAME TO core_deferredtask",
                    "ALTER TABLE core_deferredtask RENAME TO pairings_deferredtask",
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="DeferredTask",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("task_name", models.CharField(max_length=200)),
                        ("args", models.JSONField(default=list)),
                        ("kwargs", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                        ("sent_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                    ],
                    options={
                        "verbose_name": "延迟的后台任务 (deferred task)",
                        "verbose_name_plural": "延迟的后台任务 (deferred task)",
                        "ordering": ["created_at"],
                    },
                ),
            ],
        ),
    ]
