# The GIN indexes behind searching configured answers (case_flows.formdefs.search): one per
# stage record, jsonb_path_ops (it serves `answers @> {...}`, the only operator the search
# uses, and is smaller than the default jsonb_ops). PostgreSQL only; SQLite (make run) does
# not search configured answers.

from django.db import migrations

TABLES = (
    "case_flows_intake",
    "case_flows_assessment",
    "case_flows_caseplan",
    "case_flows_followup",
    "case_flows_closure",
)


def answers_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_answers_gin "
                f"ON {table} USING gin (answers jsonb_path_ops)"
            )


def answers_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_answers_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("case_flows", "0028_seed_form_definitions"),
    ]

    operations = [
        migrations.RunPython(answers_indexes, answers_indexes_drop),
    ]
