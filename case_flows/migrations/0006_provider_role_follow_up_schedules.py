"""The provider role group, and the default follow-up schedule (high weekly, medium every
two weeks, low monthly). The group's permissions are granted after migrate from
CaseFlowsConfig.role_permissions."""

from django.db import migrations

DEFAULT_SCHEDULE = [("high", 7, "calendar_days"), ("medium", 14, "calendar_days"), ("low", 1, "months")]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="provider")
    Policy = apps.get_model("case_flows", "FollowUpSchedulePolicy")
    for risk, interval, unit in DEFAULT_SCHEDULE:
        Policy.objects.get_or_create(risk=risk, defaults={"interval": interval, "unit": unit})


class Migration(migrations.Migration):
    dependencies = [
        ("case_flows", "0005_referrals_transfers_schedules_reviews"),
        ("accounts", "0002_role_groups"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
