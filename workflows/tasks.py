"""Celery tasks of the workflow kernel."""

from celery import shared_task

from .sla.sweep import sla_sweep


@shared_task(name="workflows.tasks.sla_sweep", acks_late=True, ignore_result=True)
def sla_sweep_task() -> int:
    """Run the SLA escalation sweep; safe to run twice or from several workers at once."""
    return sla_sweep().escalations


@shared_task(
    name="workflows.tasks.raise_system_alerts", bind=True, acks_late=True, ignore_result=True
)
def raise_system_alerts(self) -> int:
    """Open, mail and close the system alerts (workflows/system/alerts.py); safe to run twice.
    The worker running it counts as one seen."""
    from .system.alerts import system_alerts_raise

    return system_alerts_raise(worker_hostname=self.request.hostname or "").notified
