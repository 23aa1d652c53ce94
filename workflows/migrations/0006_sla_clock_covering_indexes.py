"""Covering indexes for the manager dashboard at 1,000,000 cases (docs/dashboard.md):
- met clocks by office and by time, with the columns compliance counts, so the figure is an
  index-only scan (nationally: by time);
- breached running task clocks by office: the dashboard's overdue tasks start from them;
- open human tasks of viewflow, with owner and process: "overdue tasks" joins them to the
  few breached task clocks without reading the task table (PostgreSQL only: INCLUDE)."""

from django.conf import settings
from django.db import migrations, models

OPEN_HUMAN_TASKS = (
    "CREATE INDEX IF NOT EXISTS workflow_task_open_human ON viewflow_task (id) "
    "INCLUDE (owner_id, process_id) "
    "WHERE status IN ('NEW', 'ASSIGNED', 'STARTED') AND flow_task_type = 'HUMAN'"
)


def create_open_human_tasks(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OPEN_HUMAN_TASKS)


def drop_open_human_tasks(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS workflow_task_open_human")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_role_groups'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('viewflow', '0015_task_scheduled'),
        ('workflows', '0005_task_queue_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='slaclock',
            name='sla_clock_met_office',
        ),
        migrations.AddIndex(
            model_name='slaclock',
            index=models.Index(condition=models.Q(('status', 'met')), fields=['office', 'stopped_at'], include=('policy', 'breached', 'team', 'risk', 'category', 'subject_type'), name='sla_clock_met_office'),
        ),
        migrations.AddIndex(
            model_name='slaclock',
            index=models.Index(condition=models.Q(('status', 'met')), fields=['stopped_at'], include=('office', 'policy', 'breached', 'subject_type'), name='sla_clock_met_time'),
        ),
        migrations.AddIndex(
            model_name='slaclock',
            index=models.Index(condition=models.Q(('breached', True), ('kind', 'task'), ('status', 'running')), fields=['office', 'task'], include=('subject_id', 'subject_type'), name='sla_clock_breached_task'),
        ),
        migrations.RunPython(create_open_human_tasks, drop_open_human_tasks),
    ]
