"""The dashboard's time in stage for one office: its cases still open or closed lately
(Case(office, closed_at)), instead of every case the office ever had."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_role_groups'),
        ('case_flows', '0009_dashboard_month_sums_covering_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['office', 'closed_at'], name='case_office_closed'),
        ),
    ]
