"""The access log is append-only: PostgreSQL refuses UPDATE always, and DELETE unless the
retention purge has set `caseflow.access_purge` to 'on' for its own transaction (SET LOCAL)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION case_flows_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('caseflow.access_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accessevent_append_only
    BEFORE UPDATE OR DELETE ON case_flows_accessevent
    FOR EACH ROW EXECUTE FUNCTION case_flows_accessevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS accessevent_append_only ON case_flows_accessevent;
DROP FUNCTION IF EXISTS case_flows_accessevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0014_access_log")]
    operations = [migrations.RunPython(forwards, backwards)]
