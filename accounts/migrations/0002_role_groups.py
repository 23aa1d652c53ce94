"""Create the four role groups. Their permissions are granted after migrate by accounts.roles,
from the `role_permissions` each app declares (permissions only exist after post_migrate)."""

from django.db import migrations

ROLES = ["caseworker", "supervisor", "manager", "administrator"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
