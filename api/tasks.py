"""Housekeeping of API tokens."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="api.tasks.clear_expired_tokens", ignore_result=True)
def clear_expired_tokens() -> None:
    # DOT's `cleartokens`: expired access tokens go (a client asks for a new one every hour).
    # Our PersonalToken rows stay, so an expired token is still told "token_expired".
    # Idempotent: a second run finds nothing to delete.
    call_command("cleartokens")
    # Idempotency keys are kept for a day (api/idempotency.py).
    from .idempotency import purge_expired

    purge_expired()
