"""The retention purge: access rows older than ACCESS_LOG_RETENTION_DAYS are deleted, in
batches, each batch in its own transaction that switches the append-only trigger's purge
flag on for itself alone (SET LOCAL)."""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..models import AccessEvent

PURGE_BATCH_SIZE = 5000


def _purge_batch(cutoff: datetime.datetime, batch_size: int) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Only this transaction may delete (migration 0015's trigger); SQLite has no trigger.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL caseflow.access_purge = 'on'")
        ids = list(
            AccessEvent.objects.filter(at__lt=cutoff)
            .order_by("at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return 0
        deleted, _ = AccessEvent.objects.filter(pk__in=ids).delete()
        return deleted


def access_log_purge(
    *, now: datetime.datetime | None = None, batch_size: int = PURGE_BATCH_SIZE
) -> int:
    """Delete the rows older than the retention period; returns how many were deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    total = 0
    while True:
        deleted = _purge_batch(cutoff, batch_size)
        total += deleted
        if deleted < batch_size:
            return total
