"""Housekeeping tasks for accounts."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.tasks.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    # Idempotent: removing expired sessions twice removes nothing the second time.
    call_command("clearsessions")
