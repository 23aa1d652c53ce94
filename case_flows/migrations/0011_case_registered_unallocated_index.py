"""The cases a user registered that await allocation (owner still empty), which the case list
shows its registering user besides their scope: a small partial index on Case(created_by)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_role_groups'),
        ('case_flows', '0010_case_office_closed_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('owner__isnull', True)), fields=['created_by'], name='case_registered_unallocated'),
        ),
    ]
