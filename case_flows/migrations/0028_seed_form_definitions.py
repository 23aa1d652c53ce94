"""Seed the form definitions: the five built-in task forms (published, each its stage's
global default: task pages look as before), two Polish statutory forms' main parts as drafts
for the office to check, and the lookups they use. Only what is missing is created."""

from django.db import migrations

from case_flows.formdefs.seed import seed_form_definitions


def seed(apps, schema_editor):
    seed_form_definitions(apps)


class Migration(migrations.Migration):
    dependencies = [("case_flows", "0027_configured_forms")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
