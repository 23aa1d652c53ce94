"""Raise and clear the system alerts once, outside Celery: run it from the host's cron as a
watchdog of Celery itself (when no worker runs, the beat job that raises alerts cannot run)."""

from django.core.management.base import BaseCommand

from workflows.system.alerts import system_alerts_raise


class Command(BaseCommand):
    help = "Raise and clear the system alerts (the same as the every-minute beat job)."

    def handle(self, *args, **options):
        run = system_alerts_raise()
        self.stdout.write(
            f"opened {run.opened}, administrators told of {run.notified}, cleared {run.cleared}"
        )
