"""Housekeeping tasks for accounts."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.tasks.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    # Idempotent: removing expired sessions twice removes nothing the second time.
    call_command("clearsessions")


@shared_task(name="accounts.tasks.send_password_reset_email", ignore_result=True)
def send_password_reset_email(user_id: int) -> None:
    # Run twice, it sends a second link that works as well as the first (each is spent when
    # the password changes): harmless, so no guard is needed.
    from .passwords import password_reset_email_send

    password_reset_email_send(user_id=user_id)
