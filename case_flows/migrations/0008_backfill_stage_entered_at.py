"""Fill stage_entered_at on existing stage-change events and cases (PostgreSQL).

The timeline is append-only; its trigger is suspended for this one backfill, inside the
migration's transaction, and restored before it commits.
"""

from django.db import migrations

STAGE_CHANGE = "to_stage <> '' AND to_stage <> from_stage"

FORWARDS = [
    "ALTER TABLE case_flows_caseevent DISABLE TRIGGER caseevent_append_only",
    f"""
    UPDATE case_flows_caseevent e SET stage_entered_at = p.entered
    FROM (
        SELECT id, LAG(created_at) OVER (PARTITION BY case_id ORDER BY created_at, id) AS entered
        FROM case_flows_caseevent WHERE {STAGE_CHANGE}
    ) p
    WHERE e.id = p.id AND p.entered IS NOT NULL AND e.from_stage <> ''
      AND e.stage_entered_at IS NULL
    """,
    "ALTER TABLE case_flows_caseevent ENABLE TRIGGER caseevent_append_only",
    f"""
    UPDATE case_flows_case c SET stage_entered_at = e.entered
    FROM (
        SELECT case_id, MAX(created_at) AS entered FROM case_flows_caseevent
        WHERE {STAGE_CHANGE} GROUP BY case_id
    ) e
    WHERE c.id = e.case_id AND c.stage_entered_at IS NULL
    """,
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARDS:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0007_dashboard")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
