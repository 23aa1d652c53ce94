"""The case timeline is append-only: PostgreSQL refuses UPDATE and DELETE on it."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION case_flows_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the case timeline is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER caseevent_append_only
    BEFORE UPDATE OR DELETE ON case_flows_caseevent
    FOR EACH ROW EXECUTE FUNCTION case_flows_caseevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS caseevent_append_only ON case_flows_caseevent;
DROP FUNCTION IF EXISTS case_flows_caseevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
