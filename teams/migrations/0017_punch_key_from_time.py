"""The punch key becomes the punch time and check type packed in a bigint, recomputed for every stored punch.

It was md5(hospital, userid, 考勤日期, check type, punch time) as a uuid, unique with (hospital, 考勤日期,
userid): the digest told apart only what the time and the type tell. Both formulas are written here as the
import computed them (teams.services.attendance._KEY_SQL then and now), from the stored columns the import
wrote them from, so every stored key is the one an import computes for that punch: a re-import of an export
made before this migration inserts nothing. Two punches share a new key exactly when they shared an md5 (the
same seconds rounding of the time), so the unique index holds as it held. Reversible. The table and its
indexes are rewritten under an exclusive lock: ~5.5 s per million stored punches (2 cores, load 5).
"""

from django.db import migrations, models

NEW_KEY = (
    "coalesce(extract(epoch FROM punched_at)::bigint * 4, -4611686018427387904)"
    " + CASE kind WHEN 'on' THEN 0 WHEN 'off' THEN 1 WHEN 'leave' THEN 2 WHEN 'trip' THEN 3 END"
)
OLD_KEY = (
    "md5(concat_ws('|', hospital_id::text, userid, work_date::text, kind,"
    " coalesce(extract(epoch FROM punched_at)::bigint::text, '')))::uuid"
)


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0016_punch_no_per_row_checks"),
    ]

    operations = [
        # One rewrite of the table (and its unique index) computing each key from its own row.
        migrations.RunSQL(
            sql=f"ALTER TABLE teams_attendancepunch ALTER COLUMN key TYPE bigint USING {NEW_KEY}",
            reverse_sql=f"ALTER TABLE teams_attendancepunch ALTER COLUMN key TYPE uuid USING {OLD_KEY}",
            state_operations=[
                migrations.AlterField(
                    model_name="attendancepunch",
                    name="key",
                    field=models.BigIntegerField(),
                ),
            ],
        ),
    ]
