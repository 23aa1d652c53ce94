"""Celery tasks of the workflow kernel."""

from celery import shared_task

from .sla.sweep import sla_sweep


@shared_task(name="workflows.tasks.sla_sweep", acks_late=True, ignore_result=True)
def sla_sweep_task() -> int:
    """Run the SLA escalation sweep; safe to run twice or from several workers at once."""
    return sla_sweep().escalations
