"""The accounts API clients were made for (`api-…`, no password: they act only through their
client) are marked as service accounts, so they are no longer offered as people to give work
to. An existing person's account that also serves a client keeps its password and is not
marked."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import migrations


def mark(apps, schema_editor):
    ApiClient = apps.get_model("api", "ApiClient")
    User = apps.get_model("accounts", "User")
    User.objects.filter(
        pk__in=ApiClient.objects.values("service_account_id"),
        password__startswith=UNUSABLE_PASSWORD_PREFIX,
    ).update(is_service_account=True)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_idempotency_keys"),
        ("accounts", "0008_user_is_service_account"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
