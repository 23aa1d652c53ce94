"""Raise and clear the system alerts once, outside Celery: run it from the host's cron as a
watchdog of Celery itself (when no worker runs, the beat job that raises alerts cannot run,
and no worker sends the e-mails: this command sends them itself). Exits 1 while an alert is
open, so that the cron job or a monitoring agent can act on it."""

import sys

from django.core.management.base import BaseCommand

from workflows.system.alerts import alert_text, system_alert_emails_send, system_alerts_raise
from workflows.system.models import SystemAlert


class Command(BaseCommand):
    help = (
        "Raise and clear the system alerts (as the every-minute beat job does), send the "
        "alert e-mails without a worker; exit status 1 while an alert is open."
    )

    def handle(self, *args, **options):
        run = system_alerts_raise()
        sent = system_alert_emails_send()
        self.stdout.write(
            f"opened {run.opened}, administrators told of {run.notified}, cleared {run.cleared}, "
            f"e-mails sent {sent}"
        )
        still_open = list(SystemAlert.objects.filter(cleared_at__isnull=True).order_by("since"))
        for alert in still_open:
            self.stdout.write(f"OPEN since {alert.since:%Y-%m-%d %H:%M} UTC: {alert_text(alert)}")
        if still_open:
            sys.exit(1)
