"""The dashboard at 1,000,000 cases: monthly sums of the history figures
(case_flows/dashboard_summary.py) and covering indexes, so the figures of the state now are
index-only scans (docs/dashboard.md)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_role_groups'),
        ('case_flows', '0008_backfill_stage_entered_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DashboardMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('zone', models.CharField(max_length=64, verbose_name='time zone')),
                ('month', models.DateField(verbose_name='month')),
                ('until', models.DateField(verbose_name='until')),
                ('summarised_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='summarised at')),
            ],
            options={
                'verbose_name': 'summarised month',
                'verbose_name_plural': 'summarised months',
            },
        ),
        migrations.CreateModel(
            name='DashboardMonthRow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('figure', models.CharField(choices=[('sla', 'deadline compliance'), ('stage_time', 'time in stage')], max_length=16)),
                ('key', models.CharField(max_length=80)),
                ('name', models.CharField(blank=True, max_length=200)),
                ('count', models.PositiveIntegerField(default=0)),
                ('late', models.PositiveIntegerField(default=0)),
                ('duration', models.DurationField(blank=True, null=True)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_open_office_stage',
        ),
        migrations.RemoveIndex(
            model_name='caseevent',
            name='caseevent_stage_change_time',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('stage', 'closed'), _negated=True), fields=['office', 'stage', 'opened_at'], include=('is_overdue', 'owner', 'team', 'risk', 'category'), name='case_open_office_stage'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('is_overdue', True)), fields=['id'], include=('stage', 'office', 'team', 'owner', 'risk', 'category'), name='case_overdue_stage'),
        ),
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(condition=models.Q(models.Q(('to_stage', ''), _negated=True), models.Q(('to_stage', models.F('from_stage')), _negated=True)), fields=['created_at'], include=('from_stage', 'stage_entered_at', 'case'), name='caseevent_stage_change_time'),
        ),
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(condition=models.Q(models.Q(('to_stage', ''), _negated=True), models.Q(('to_stage', models.F('from_stage')), _negated=True)), fields=['case', 'created_at'], include=('from_stage', 'stage_entered_at'), name='caseevent_case_stage_change'),
        ),
        migrations.AddConstraint(
            model_name='dashboardmonth',
            constraint=models.UniqueConstraint(fields=('zone', 'month', 'until'), name='dashboard_month_unique'),
        ),
        migrations.AddField(
            model_name='dashboardmonthrow',
            name='office',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.office'),
        ),
        migrations.AddField(
            model_name='dashboardmonthrow',
            name='period',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='case_flows.dashboardmonth'),
        ),
        migrations.AddIndex(
            model_name='dashboardmonthrow',
            index=models.Index(fields=['period', 'figure'], name='dashboard_month_row_figure'),
        ),
    ]
