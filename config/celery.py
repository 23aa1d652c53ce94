"""The Celery app: configuration from Django settings, task autodiscovery, the beat schedule."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

# The request id into the tasks a request enqueues, worker log lines, task run times.
from config import DEFAULT_SETTINGS_MODULE
from config.observability import celery as _observability  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)

app = Celery("caseflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs get their own queue so a backlog of deliveries never delays (or expires) a
# sweep. A worker started without -Q consumes every queue listed here.
app.conf.task_default_queue = "celery"
app.conf.task_queues = (Queue("celery"), Queue("sweeps"))
app.conf.task_routes = {
    "workflows.tasks.sla_sweep": {"queue": "sweeps"},
    "workflows.tasks.raise_system_alerts": {"queue": "sweeps"},
    "notifications.tasks.redispatch_pending": {"queue": "sweeps"},
    "notifications.tasks.send_daily_digests": {"queue": "sweeps"},
    "case_flows.tasks.start_due_case_reviews": {"queue": "sweeps"},
    "case_flows.tasks.summarise_dashboard_months": {"queue": "sweeps"},
    "case_flows.tasks.anonymise_past_retention": {"queue": "sweeps"},
    "case_flows.tasks.raise_access_alerts": {"queue": "sweeps"},
    "case_flows.tasks.purge_access_log": {"queue": "sweeps"},
    "api.tasks.clear_expired_tokens": {"queue": "sweeps"},
}

# Every entry has `expires` so a backlog after an outage does not replay stale runs.
app.conf.beat_schedule = {
    "accounts-clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 3600},
    },
    "api-clear-expired-tokens": {
        "task": "api.tasks.clear_expired_tokens",
        "schedule": crontab(hour=3, minute=35),
        "options": {"expires": 3600},
    },
    "notifications-redispatch-pending": {
        "task": "notifications.tasks.redispatch_pending",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "notifications-daily-digests": {
        # Hourly: each office gets its digest at NOTIFICATIONS_DIGEST_HOUR local time.
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(minute=5),
        "options": {"expires": 3000},
    },
    # Periodic supervisor reviews of open cases (case_flows/reviews/); one per case and
    # period, so a late or repeated run starts nothing twice.
    "case-flows-start-due-case-reviews": {
        "task": "case_flows.tasks.start_due_case_reviews",
        "schedule": crontab(hour=2, minute=40),
        "options": {"expires": 6 * 3600},
    },
    # Monthly sums of the dashboard's history figures (case_flows/monitoring/history.py):
    # hourly, so a month is summed soon after it ends in every office's time zone; a run
    # with nothing to sum costs one small query per time zone.
    "case-flows-summarise-dashboard-months": {
        "task": "case_flows.tasks.summarise_dashboard_months",
        "schedule": crontab(minute=25),
        "options": {"expires": 3000},
    },
    # Retention (case_flows/privacy/): anonymise closed cases past their retention period;
    # each case in its own transaction, an anonymised case is skipped, so a rerun is safe.
    "case-flows-anonymise-past-retention": {
        "task": "case_flows.tasks.anonymise_past_retention",
        "schedule": crontab(hour=1, minute=50),
        "options": {"expires": 6 * 3600},
    },
    # The access log (case_flows/access_log, docs/access-log.md): the bulk-read alert looks
    # at the last hour every 10 minutes; the retention purge runs once a night.
    "case-flows-raise-access-alerts": {
        "task": "case_flows.tasks.raise_access_alerts",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 540},
    },
    "case-flows-purge-access-log": {
        "task": "case_flows.tasks.purge_access_log",
        "schedule": crontab(hour=3, minute=50),
        "options": {"expires": 6 * 3600},
    },
    # SLA escalation sweep (workflows/sla/sweep.py): every minute by default; a run that
    # could not start within one interval is dropped, the next one catches up.
    "workflows-sla-sweep": {
        "task": "workflows.tasks.sla_sweep",
        "schedule": float(os.environ.get("SLA_SWEEP_INTERVAL_SECONDS") or 60),
        "options": {"expires": float(os.environ.get("SLA_SWEEP_INTERVAL_SECONDS") or 60)},
    },
    # System status (workflows/system/alerts.py): e-mails the administrators once per episode
    # when a beat job is late, no worker answers, the sweep or the outbox is behind, or the
    # attachments' disk is nearly full. Every run of every job here is recorded for it.
    "workflows-raise-system-alerts": {
        "task": "workflows.tasks.raise_system_alerts",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
}


@app.on_after_configure.connect
def _make_filesystem_broker_dirs(sender, **kwargs):
    """The filesystem transport needs its folders before the first message."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
