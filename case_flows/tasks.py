"""Celery tasks of the case pipeline."""

from celery import shared_task

from .access_log.alerts import access_alerts_raise
from .access_log.retention import access_log_purge
from .monitoring.history import dashboard_months_summarise
from .privacy.services import anonymise_due_cases
from .reviews.services import case_reviews_start_due


@shared_task(name="case_flows.tasks.start_due_case_reviews", acks_late=True, ignore_result=True)
def start_due_case_reviews() -> int:
    """Daily: start the periodic supervisor reviews that are due (one per case and period)."""
    return case_reviews_start_due()


@shared_task(name="case_flows.tasks.summarise_dashboard_months", acks_late=True, ignore_result=True)
def summarise_dashboard_months() -> int:
    """Hourly: sum the dashboard's history figures for each month that has ended."""
    return dashboard_months_summarise()


@shared_task(name="case_flows.tasks.anonymise_past_retention", acks_late=True, ignore_result=True)
def anonymise_past_retention() -> dict[str, int]:
    """Daily: anonymise the closed cases whose retention period has ended."""
    return anonymise_due_cases()


@shared_task(name="case_flows.tasks.raise_access_alerts", acks_late=True, ignore_result=True)
def raise_access_alerts() -> int:
    """Every 10 minutes: tell the data protection officers who opened too many cases within
    the last hour (once per person and hour)."""
    return access_alerts_raise()


@shared_task(name="case_flows.tasks.purge_access_log", acks_late=True, ignore_result=True)
def purge_access_log() -> int:
    """Daily: delete the access-log rows older than ACCESS_LOG_RETENTION_DAYS."""
    return access_log_purge()
